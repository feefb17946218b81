namespace SwarmMerge.Inference;

/// <summary>
/// Llama-style decoders (<c>LlamaForCausalLM</c>, <c>MistralForCausalLM</c>, <c>Qwen2ForCausalLM</c>): RMSNorm,
/// rotary positions, grouped-query attention, SwiGLU MLP; Qwen2 has q/k/v biases, Mistral a sliding window.
/// </summary>
internal sealed class LlamaArchitecture : CausalArchitecture
{
    public required int Hidden { get; init; }
    public required int Heads { get; init; }
    public required float Epsilon { get; init; }
    public required string Activation { get; init; }
    public required bool QkvBias { get; init; }
    public required bool OutputBias { get; init; }
    public required bool MlpBias { get; init; }
    public required bool TiedHead { get; init; }
    public required float[] InverseFrequencies { get; init; }

    public static LlamaArchitecture FromConfig(ConfigReader config, string modelType)
    {
        int hidden = config.Size("hidden_size");
        int heads = config.Size("num_attention_heads");
        int kvHeads = config.Size("num_key_value_heads", heads);
        int layers = config.Size("num_hidden_layers");
        int inner = config.Size("intermediate_size");
        int vocab = config.Size("vocab_size");
        int headDim = config.Size("head_dim", hidden / heads);
        if (headDim < 1)
        {
            throw config.Invalid("num_attention_heads", $"({heads}) exceeds hidden_size ({hidden}), which leaves no head_dim");
        }
        if (heads % kvHeads != 0)
        {
            throw config.Invalid("num_key_value_heads", $"({kvHeads}) does not divide num_attention_heads ({heads})");
        }
        if (headDim % 2 != 0)
        {
            throw config.Invalid("head_dim", $"({headDim}) is odd; rotary embeddings need an even head size");
        }
        bool attentionBias = config.Bool("attention_bias", false);
        bool qkvBias = modelType == "qwen2" || attentionBias;
        bool mlpBias = config.Bool("mlp_bias", false);
        bool tied = config.Bool("tie_word_embeddings", false);
        int window = ReadSlidingWindow(config, modelType);

        var weights = new WeightList(config) { new("model.embed_tokens.weight", [vocab, hidden]) };
        for (int i = 0; i < layers; i++)
        {
            string p = $"model.layers.{i}.";
            weights.Add(new(p + "input_layernorm.weight", [hidden]));
            weights.Add(new(p + "self_attn.q_proj.weight", [heads * headDim, hidden]));
            weights.Add(new(p + "self_attn.k_proj.weight", [kvHeads * headDim, hidden]));
            weights.Add(new(p + "self_attn.v_proj.weight", [kvHeads * headDim, hidden]));
            if (qkvBias)
            {
                weights.Add(new(p + "self_attn.q_proj.bias", [heads * headDim]));
                weights.Add(new(p + "self_attn.k_proj.bias", [kvHeads * headDim]));
                weights.Add(new(p + "self_attn.v_proj.bias", [kvHeads * headDim]));
            }
            weights.Add(new(p + "self_attn.o_proj.weight", [hidden, heads * headDim]));
            if (attentionBias)
            {
                weights.Add(new(p + "self_attn.o_proj.bias", [hidden]));
            }
            weights.Add(new(p + "post_attention_layernorm.weight", [hidden]));
            foreach (var (name, shape) in new[] { ("gate_proj", new long[] { inner, hidden }), ("up_proj", [inner, hidden]), ("down_proj", [hidden, inner]) })
            {
                weights.Add(new(p + "mlp." + name + ".weight", shape));
                if (mlpBias)
                {
                    weights.Add(new(p + "mlp." + name + ".bias", [shape[0]]));
                }
            }
        }
        weights.Add(new("model.norm.weight", [hidden]));
        if (!tied)
        {
            weights.Add(new("lm_head.weight", [vocab, hidden]));
        }

        return new LlamaArchitecture
        {
            ModelType = modelType,
            Layers = layers,
            KvHeads = kvHeads,
            HeadDim = headDim,
            VocabSize = vocab,
            SlidingWindow = window,
            EosTokenIds = config.TokenIds("eos_token_id"),
            Weights = weights,
            Tied = tied ? new Dictionary<string, string> { ["lm_head.weight"] = "model.embed_tokens.weight" } : new Dictionary<string, string>(),
            Hidden = hidden,
            Heads = heads,
            Epsilon = config.NonNegativeFloat("rms_norm_eps", 1e-6f),
            Activation = Activations.Validate(config, "hidden_act", config.String("hidden_act", "silu")),
            QkvBias = qkvBias,
            OutputBias = attentionBias,
            MlpBias = mlpBias,
            TiedHead = tied,
            InverseFrequencies = RotaryEmbedding.InverseFrequencies(config, headDim),
        };
    }

    private static int ReadSlidingWindow(ConfigReader config, string modelType)
    {
        if (modelType == "mistral")
        {
            // MistralConfig's default is 4096; an explicit null turns the window off.
            return config.Json.ContainsKey("sliding_window") ? config.Index("sliding_window", 0) : 4096;
        }
        if (modelType == "qwen2" && config.Bool("use_sliding_window", false))
        {
            throw config.Invalid("use_sliding_window", "is true; Qwen2's per-layer sliding window is not supported");
        }
        return 0;
    }

    public override byte[] BuildGraph()
    {
        var graph = new CausalGraph(this);
        var g = graph.G;
        var (cos, sin) = RotaryEmbedding.Tables(g, CausalGraph.PositionIds, InverseFrequencies);
        string Rotate(string x) => RotaryEmbedding.Apply(g, x, cos, sin, HeadDim);
        string? Bias(string name, bool present) => present ? name : null;
        float scale = 1f / MathF.Sqrt(HeadDim);

        var h = graph.Embed("model.embed_tokens.weight", Hidden);
        for (int i = 0; i < Layers; i++)
        {
            string p = $"model.layers.{i}.";
            string attn = p + "self_attn.";
            var a = g.RmsNorm(h, p + "input_layernorm.weight", Epsilon);
            var q = g.Linear(a, attn + "q_proj.weight", Bias(attn + "q_proj.bias", QkvBias));
            var k = g.Linear(a, attn + "k_proj.weight", Bias(attn + "k_proj.bias", QkvBias));
            var v = g.Linear(a, attn + "v_proj.weight", Bias(attn + "v_proj.bias", QkvBias));
            var context = graph.Attention(i, Heads, q, k, v, scale, Rotate);
            h = g.Add(h, g.Linear(context, attn + "o_proj.weight", Bias(attn + "o_proj.bias", OutputBias)));

            string mlp = p + "mlp.";
            var m = g.RmsNorm(h, p + "post_attention_layernorm.weight", Epsilon);
            var gate = Activations.Apply(g, Activation, g.Linear(m, mlp + "gate_proj.weight", Bias(mlp + "gate_proj.bias", MlpBias)));
            var up = g.Linear(m, mlp + "up_proj.weight", Bias(mlp + "up_proj.bias", MlpBias));
            h = g.Add(h, g.Linear(g.Mul(gate, up), mlp + "down_proj.weight", Bias(mlp + "down_proj.bias", MlpBias)));
        }
        h = g.RmsNorm(h, "model.norm.weight", Epsilon);
        return graph.Finish(h, TiedHead ? "model.embed_tokens.weight" : "lm_head.weight");
    }
}
