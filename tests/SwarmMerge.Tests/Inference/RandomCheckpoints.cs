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
