using SwarmMerge.Models;

namespace SwarmMerge.Inference;

/// <summary>
/// GPT-2 (<c>GPT2LMHeadModel</c>): learned positions, pre-LayerNorm blocks, Conv1D weights stored [in, out],
/// fused c_attn, and an LM head tied to <c>transformer.wte.weight</c>.
/// </summary>
internal sealed class Gpt2Architecture : CausalArchitecture
{
    private const string Prefix = "transformer.";

    public required int Hidden { get; init; }
    public required int Heads { get; init; }
    public required float Epsilon { get; init; }
    public required string Activation { get; init; }
    public required bool ScaleByInverseLayer { get; init; }
    public required bool ScaleWeights { get; init; }

    public static Gpt2Architecture FromConfig(ConfigReader config)
    {
        int hidden = config.SizeOf("n_embd", "hidden_size");
        int heads = config.SizeOf("n_head", "num_attention_heads");
        int layers = config.SizeOf("n_layer", "num_hidden_layers");
        int vocab = config.Size("vocab_size");
        int positions = config.SizeOf("n_positions", "max_position_embeddings");
        int inner = config.Size("n_inner", 4 * hidden);
        if (hidden % heads != 0)
        {
            throw config.Invalid("n_embd", $"({hidden}) is not a multiple of n_head ({heads})");
        }
        if (config.Bool("reorder_and_upcast_attn", false))
        {
            throw config.Invalid("reorder_and_upcast_attn", "is true, which is not supported");
        }

        var weights = new WeightList(config)
        {
            Spec("wte.weight", vocab, hidden),
            Spec("wpe.weight", positions, hidden),
        };
        for (int i = 0; i < layers; i++)
        {
            string p = $"h.{i}.";
            weights.AddRange(
            [
                Spec(p + "ln_1.weight", hidden), Spec(p + "ln_1.bias", hidden),
                Spec(p + "attn.c_attn.weight", hidden, 3 * hidden), Spec(p + "attn.c_attn.bias", 3 * hidden),
                Spec(p + "attn.c_proj.weight", hidden, hidden), Spec(p + "attn.c_proj.bias", hidden),
                Spec(p + "ln_2.weight", hidden), Spec(p + "ln_2.bias", hidden),
                Spec(p + "mlp.c_fc.weight", hidden, inner), Spec(p + "mlp.c_fc.bias", inner),
                Spec(p + "mlp.c_proj.weight", inner, hidden), Spec(p + "mlp.c_proj.bias", hidden),
            ]);
        }
        weights.Add(Spec("ln_f.weight", hidden));
        weights.Add(Spec("ln_f.bias", hidden));

        return new Gpt2Architecture
        {
            ModelType = "gpt2",
            Layers = layers,
            KvHeads = heads,
            HeadDim = hidden / heads,
            VocabSize = vocab,
            MaxPositions = positions,
            EosTokenIds = config.TokenIds("eos_token_id"),
            Weights = weights,
            Tied = new Dictionary<string, string> { ["lm_head.weight"] = Prefix + "wte.weight" },
            Hidden = hidden,
            Heads = heads,
            Epsilon = config.NonNegativeFloat("layer_norm_epsilon", 1e-5f),
            Activation = Activations.Validate(config, "activation_function", config.String("activation_function", "gelu_new")),
            ScaleByInverseLayer = config.Bool("scale_attn_by_inverse_layer_idx", false),
            ScaleWeights = config.Bool("scale_attn_weights", true),
        };
    }

    // Checkpoints of GPT2LMHeadModel prefix names with "transformer."; base GPT2Model checkpoints (the original
    // "gpt2" release) do not, so both are accepted.
    private static WeightSpec Spec(string name, params long[] shape) => new(Prefix + name, shape) { AlternativeNames = [name] };

    public override byte[] BuildGraph()
    {
        var graph = new CausalGraph(this);
        var g = graph.G;
        string W(string name) => Prefix + name;

        var positions = g.Reshape(g.Gather(W("wpe.weight"), CausalGraph.PositionIds), -1, Hidden);
        var h = g.Add(graph.Embed(W("wte.weight"), Hidden), positions);
        for (int i = 0; i < Layers; i++)
        {
            string p = $"h.{i}.";
            var a = g.LayerNorm(h, W(p + "ln_1.weight"), W(p + "ln_1.bias"), Epsilon);
            var qkv = g.Split(g.Conv1D(a, W(p + "attn.c_attn.weight"), W(p + "attn.c_attn.bias")), 1, Hidden, Hidden, Hidden);
            float scale = (ScaleWeights ? 1f / MathF.Sqrt(HeadDim) : 1f) / (ScaleByInverseLayer ? i + 1 : 1);
            var attention = graph.Attention(i, Heads, qkv[0], qkv[1], qkv[2], scale);
            h = g.Add(h, g.Conv1D(attention, W(p + "attn.c_proj.weight"), W(p + "attn.c_proj.bias")));
            var m = g.LayerNorm(h, W(p + "ln_2.weight"), W(p + "ln_2.bias"), Epsilon);
            m = Activations.Apply(g, Activation, g.Conv1D(m, W(p + "mlp.c_fc.weight"), W(p + "mlp.c_fc.bias")));
            h = g.Add(h, g.Conv1D(m, W(p + "mlp.c_proj.weight"), W(p + "mlp.c_proj.bias")));
        }
        h = g.LayerNorm(h, W("ln_f.weight"), W("ln_f.bias"), Epsilon);
        return graph.Finish(h, W("wte.weight"));
    }
}
