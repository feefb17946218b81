using System.Text.Json.Nodes;
using SwarmMerge.Inference;
using SwarmMerge.IO;

namespace SwarmMerge.Tests.Inference;

/// <summary>Tiny random-weight checkpoints for the engine's self-consistency tests (no reference needed).</summary>
internal static class RandomCheckpoints
{
    public static JsonObject Llama(string modelType = "llama", bool tied = false, int kvHeads = 2) => new()
    {
        ["model_type"] = modelType,
        ["hidden_size"] = 32,
        ["intermediate_size"] = 64,
        ["num_hidden_layers"] = 2,
        ["num_attention_heads"] = 4,
        ["num_key_value_heads"] = kvHeads,
        ["vocab_size"] = 50,
        ["rms_norm_eps"] = 1e-6,
        ["rope_theta"] = 10000.0,
        ["tie_word_embeddings"] = tied,
        ["eos_token_id"] = 2,
    };

    /// <summary>Qwen3: explicit head_dim (heads · head_dim = 2 · hidden), GQA, q_norm/k_norm, tied by default here.</summary>
    public static JsonObject Qwen3(bool tied = true) => With(Llama("qwen3", tied), ("head_dim", 16), ("rope_theta", 1000000.0), ("use_sliding_window", false));

    /// <summary>Phi-3: fused qkv_proj and gate_up_proj, GQA, partial rotary dims, a sliding window of 3 on every layer.</summary>
    public static JsonObject Phi3() => With(Llama("phi3"), ("intermediate_size", 48), ("partial_rotary_factor", 0.5), ("sliding_window", 3));

    /// <summary>
    /// Gemma 2 (layer 0 sliding, soft-caps 2 and 3) or Gemma 3 text (layers 0 and 1 sliding, layer 2 full, MQA, linear rope
    /// scaling) with a window of 3, tied by the config classes' default (no tie_word_embeddings).
    /// </summary>
    public static JsonObject Gemma(string modelType)
    {
        var config = With(Llama(modelType), ("head_dim", 16), ("query_pre_attn_scalar", 16), ("sliding_window", 3), ("eos_token_id", 1));
        config.Remove("tie_word_embeddings");
        return modelType == "gemma3_text"
            ? With(config, ("num_hidden_layers", 3), ("num_key_value_heads", 1), ("sliding_window_pattern", 3),
                ("rope_scaling", new JsonObject { ["rope_type"] = "linear", ["factor"] = 8.0 }))
            : With(config, ("attn_logit_softcapping", 2.0), ("final_logit_softcapping", 3.0));
    }

    /// <summary><paramref name="config"/> with the given fields set (null values as JSON null).</summary>
    public static JsonObject With(JsonObject config, params (string Field, JsonNode? Value)[] fields)
    {
        foreach (var (field, value) in fields)
        {
            config[field] = value;
        }
        return config;
    }

    public static JsonObject Gpt2() => new()
    {
        ["model_type"] = "gpt2",
        ["n_embd"] = 32,
        ["n_head"] = 4,
        ["n_layer"] = 2,
        ["n_positions"] = 64,
        ["vocab_size"] = 50,
        ["eos_token_id"] = 2,
    };

    /// <summary>Writes a checkpoint with every weight <paramref name="config"/> needs, random with <paramref name="seed"/>.</summary>
    public static string Write(string directory, JsonObject config, int seed, TensorDType dtype = TensorDType.F32, Func<string, bool>? skip = null)
    {
        var specs = SpecsOf(config);
        var random = new Random(seed);
        var tensors = new List<TestTensor>();
        foreach (var spec in specs.Where(s => skip is null || !skip(s.Name)))
        {
            bool norm = spec.Shape.Length == 1 && (spec.Name.Contains("norm") || spec.Name.Contains("ln_"));
            var values = new float[spec.ElementCount];
            for (int i = 0; i < values.Length; i++)
            {
                float noise = (float)(random.NextDouble() * 2 - 1);
                values[i] = norm && spec.Name.EndsWith("weight", StringComparison.Ordinal) ? 1 + 0.1f * noise : 0.2f * noise;
            }
            tensors.Add(new TestTensor(spec.Name, dtype, spec.Shape, values));
        }
        return TestModels.Write(directory, tensors, (JsonObject)config.DeepClone());
    }

    public static IReadOnlyList<WeightSpec> SpecsOf(JsonObject config)
    {
        var options = new InferenceOptions { Threads = 1 };
        switch (ModelFamilies.FamilyOf(config))
        {
            case ModelFamily.CausalLanguageModel:
                using (var model = CausalLanguageModel.Create(config, options)) { return model.Weights.Specs; }
            case ModelFamily.SequenceClassification:
                using (var model = SequenceClassificationModel.Create(config, options)) { return model.Weights.Specs; }
            default:
                using (var model = Seq2SeqLanguageModel.Create(config, options)) { return model.Weights.Specs; }
        }
    }

    public static JsonObject T5(bool flan) => new()
    {
        ["model_type"] = "t5",
        ["d_model"] = 32,
        ["d_kv"] = 8,
        ["d_ff"] = 48,
        ["num_heads"] = 4,
        ["num_layers"] = 2,
        ["num_decoder_layers"] = flan ? 3 : 2,
        ["vocab_size"] = 50,
        ["relative_attention_num_buckets"] = 8,
        ["relative_attention_max_distance"] = 20,
        ["feed_forward_proj"] = flan ? "gated-gelu" : "relu",
        ["tie_word_embeddings"] = !flan,
        ["decoder_start_token_id"] = 0,
        ["eos_token_id"] = 1,
    };

    public static JsonObject Bert(string modelType) => new()
    {
        ["model_type"] = modelType,
        ["hidden_size"] = 32,
        ["intermediate_size"] = 64,
        ["num_hidden_layers"] = 2,
        ["num_attention_heads"] = 4,
        ["vocab_size"] = 50,
        ["max_position_embeddings"] = 40,
        ["type_vocab_size"] = modelType == "bert" ? 2 : 1,
        ["pad_token_id"] = modelType == "bert" ? 0 : 1,
        ["num_labels"] = 3,
    };
}
