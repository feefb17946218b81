using SwarmMerge.Models;

namespace SwarmMerge.Inference;

/// <summary>
/// How each Llama-style <c>model_type</c>'s <c>config.json</c> maps to a <see cref="LlamaLayout"/>, with the defaults of
/// its Hugging Face config class and the rules of its modeling file (transformers' <c>llama</c>, <c>mistral</c>,
/// <c>qwen2</c>, <c>qwen3</c>, <c>phi3</c>, <c>gemma2</c>, <c>gemma3</c>). What the engine does not compute is refused here,
/// before any weight is allocated, naming the file and the field.
/// </summary>
internal static class LlamaConfigs
{
    private const string Sliding = LayerAttention.Sliding, Full = LayerAttention.Full;

    public static LlamaLayout Read(ConfigReader config, string modelType)
    {
        bool gemma = modelType is "gemma2" or "gemma3_text";
        int hidden = config.Size("hidden_size");
        int heads = config.Size("num_attention_heads");
        int kvHeads = config.Size("num_key_value_heads", heads);
        int layers = config.Size("num_hidden_layers");
        // Qwen3Config and the Gemma configs have their own head_dim defaults; the others default to hidden / heads.
        int headDim = config.Size("head_dim", modelType switch { "qwen3" => 128, "gemma2" or "gemma3_text" => 256, _ => hidden / heads });
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
        if (gemma && hidden % heads != 0)
        {
            throw config.Invalid("hidden_size", $"({hidden}) is not a multiple of num_attention_heads ({heads}), which the Gemma configs refuse");
        }
        if (gemma && config.Bool("use_bidirectional_attention", false))
        {
            throw config.Invalid("use_bidirectional_attention", "is true; only causal (decoder) Gemma attention is supported");
        }

        bool attentionBias = modelType != "phi3" && config.Bool("attention_bias", false);
        bool tied = config.Bool("tie_word_embeddings", gemma);
        var layout = new LlamaLayout
        {
            Hidden = hidden,
            Heads = heads,
            KvHeads = kvHeads,
            HeadDim = headDim,
            Inner = config.Size("intermediate_size"),
            Layers = layers,
            VocabSize = config.Size("vocab_size"),
            Epsilon = config.NonNegativeFloat("rms_norm_eps", modelType == "phi3" ? 1e-5f : 1e-6f),
            Activation = gemma
                ? Activations.Validate(config, "hidden_activation", config.String("hidden_activation", "gelu_pytorch_tanh"))
                : Activations.Validate(config, "hidden_act", config.String("hidden_act", "silu")),
            // Qwen2 always has q/k/v biases; the others follow attention_bias, which also gives o_proj one (Phi-3 has none).
            QkvBias = modelType == "qwen2" || attentionBias,
            OutputBias = attentionBias,
            MlpBias = (modelType is "llama" or "mistral" or "qwen2") && config.Bool("mlp_bias", false),
            TiedHead = tied,
            AttentionScale = 1f / MathF.Sqrt(headDim),
            RotaryDims = headDim,
            Frequencies = [],
            EosTokenIds = config.TokenIds("eos_token_id"),
        };
        return modelType switch
        {
            "phi3" => Phi3(config, layout),
            "gemma2" or "gemma3_text" => Gemma(config, modelType, layout),
            _ => layout with
            {
                QkNorm = modelType == "qwen3",
                Frequencies = RotaryEmbedding.InverseFrequencies(config, headDim),
                LayerWindows = modelType is "qwen2" or "qwen3" ? QwenWindows(config, modelType)
                    : MistralWindow(config, modelType) is > 0 and var window ? Enumerable.Repeat(window, layers).ToArray() : null,
            },
        };
    }

    // Mistral's window covers every layer (MistralConfig's default is 4096; an explicit null turns it off).
    private static int MistralWindow(ConfigReader config, string modelType) =>
        modelType != "mistral" ? 0 : config.Json.ContainsKey("sliding_window") ? config.Index("sliding_window", 0) : 4096;

    // Qwen2Config / Qwen3Config: sliding_window (default 4096; null: none) counts only with use_sliding_window; the
    // sliding layers are layer_types' "sliding_attention" ones when given, else every layer from max_window_layers
    // (default 28) on. Null when no layer slides.
    private static int[]? QwenWindows(ConfigReader config, string modelType)
    {
        int window = LayerAttention.QwenWindow(config);
        var sliding = LayerAttention.SlidingFlags(config, modelType)!;
        if (window == 0 && sliding.Any(s => s))
        {
            // Only layer_types can name a sliding layer without a window.
            throw config.Invalid("layer_types", $"names '{Sliding}' layers, but there is no sliding window (use_sliding_window is false or sliding_window is null)");
        }
        return sliding.Any(s => s) ? sliding.Select(s => s ? window : 0).ToArray() : null;
    }

    // Phi3ForCausalLM: fused projections without biases, RoPE on int(head_dim · partial_rotary_factor) dims (default, or
    // longrope under any name Phi3Config accepts for it), and the sliding window (Phi3Config default none) on every layer.
    private static LlamaLayout Phi3(ConfigReader config, LlamaLayout layout)
    {
        int rotary = RotaryEmbedding.PartialDims(config, layout.HeadDim);
        int window = config.Index("sliding_window", 0);
        var (_, scaling) = RotaryEmbedding.Scaling(config);
        var longRope = LongRope.Names.Contains(RotaryEmbedding.TypeOf(scaling))
            ? LongRope.Read(config, scaling!, RotaryEmbedding.Theta(config, 10000f), rotary)
            : null;
        return layout with
        {
            FusedQkv = true,
            FusedGateUp = true,
            RotaryDims = rotary,
            Frequencies = longRope?.Short ?? RotaryEmbedding.OfConfig(config, rotary, 10000f, ["default", .. LongRope.Names]),
            LongRope = longRope,
            LayerWindows = window > 0 ? Enumerable.Repeat(window, layout.Layers).ToArray() : null,
        };
    }

    // Gemma2ForCausalLM and Gemma3ForCausalLM (gemma3_text).
    private static LlamaLayout Gemma(ConfigReader config, string modelType, LlamaLayout layout)
    {
        bool gemma3 = modelType == "gemma3_text";
        var sliding = LayerAttention.SlidingFlags(config, modelType)!;
        // The configs' default window is 4096; an explicit null (or 0) turns it off.
        int window = config.Json.ContainsKey("sliding_window") ? config.Index("sliding_window", 0) : 4096;
        float[] global, local;
        if (gemma3)
        {
            (global, local) = Gemma3Frequencies(config, layout.HeadDim);
        }
        else
        {
            global = local = RotaryEmbedding.InverseFrequencies(config, layout.HeadDim);
        }
        return layout with
        {
            QkNorm = gemma3,
            OffsetNorms = true,
            SandwichNorms = true,
            // HF multiplies by torch.tensor(hidden_size ** 0.5) in the run's dtype: float32 here.
            EmbeddingScale = (float)Math.Sqrt(layout.Hidden),
            AttentionScale = (float)Math.Pow(config.PositiveFloat("query_pre_attn_scalar", 256f), -0.5),
            // Gemma3Attention never hands attn_logit_softcapping to its attention function, so Gemma 3 ignores it.
            AttentionSoftcap = gemma3 ? 0 : config.PositiveFloatOrOff("attn_logit_softcapping", 50f),
            FinalSoftcap = config.PositiveFloatOrOff("final_logit_softcapping", gemma3 ? 0 : 30f),
            Frequencies = global,
            SlidingFrequencies = ReferenceEquals(global, local) ? null : local,
            LayerWindows = window > 0 && sliding.Any(s => s) ? sliding.Select(s => s ? window : 0).ToArray() : null,
        };
    }

    // Gemma 3: full layers use rope_theta (default 1e6) with rope_scaling, sliding layers rope_local_base_freq (default 1e4)
    // without scaling. Newer configs give both as rope_parameters keyed by layer type.
    private static (float[] Global, float[] Local) Gemma3Frequencies(ConfigReader config, int headDim)
    {
        if (config.Has("partial_rotary_factor") && config.PositiveDouble("partial_rotary_factor", 1) != 1)
        {
            throw config.Invalid("partial_rotary_factor", "is not 1, which Gemma 3 does not support");
        }
        if (config.Object("rope_parameters") is { } parameters && (parameters.Has(Full) || parameters.Has(Sliding)))
        {
            float[] Of(string type, float defaultTheta) => parameters.Object(type) is { } settings
                ? RotaryEmbedding.Frequencies(parameters, type, settings.PositiveFloat("rope_theta", defaultTheta), settings, headDim, RotaryEmbedding.Types)
                : RotaryEmbedding.Frequencies(parameters, type, defaultTheta, null, headDim, RotaryEmbedding.Types);
            return (Of(Full, 1e6f), Of(Sliding, 1e4f));
        }
        var local = RotaryEmbedding.Frequencies(config, "rope_local_base_freq", config.PositiveFloat("rope_local_base_freq", 1e4f), null, headDim, RotaryEmbedding.Types);
        return (RotaryEmbedding.InverseFrequencies(config, headDim, 1e6f), local);
    }
}
