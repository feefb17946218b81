using SwarmMerge.Inference;
using SwarmMerge.IO;
using SwarmMerge.Tests.Inference;

namespace SwarmMerge.Tests;

/// <summary>
/// Merges of the newer decoder layouts (Qwen3's q/k norms, Phi-3's fused projections, Gemma's sandwich norms and tied
/// head): every tensor of the base is written with the merged values, tied heads stay tied, and the engine runs the result.
/// </summary>
public sealed class ArchitectureMergeTests : IDisposable
{
    private readonly MergeTestBench _bench = new();

    public void Dispose() => _bench.Dispose();

    public static TheoryData<string> ModelTypes => new() { "qwen3", "phi3", "gemma2", "gemma3_text" };

    private static System.Text.Json.Nodes.JsonObject ConfigOf(string modelType) => modelType switch
    {
        "qwen3" => RandomCheckpoints.Qwen3(),
        "phi3" => RandomCheckpoints.Phi3(),
        _ => RandomCheckpoints.Gemma(modelType),
    };

    // base·a + expert·b into "out".
    private void LinearMerge(double a, double b) => _bench.Merge($$$"""
        merge_method: linear
        models:
          - {model: base, parameters: {weight: {{{a}}}}}
          - {model: expert, parameters: {weight: {{{b}}}}}
        dtype: float32
        """, "out");

    [Theory]
    [MemberData(nameof(ModelTypes))]
    public void A_linear_merge_writes_every_tensor_of_the_base_and_the_engine_runs_it(string modelType)
    {
        var config = ConfigOf(modelType);
        RandomCheckpoints.Write(_bench["base"], config, seed: 1);
        RandomCheckpoints.Write(_bench["expert"], config, seed: 2);
        LinearMerge(0.25, 0.75);

        using var baseModel = Checkpoint.Open(_bench["base"]);
        using var merged = Checkpoint.Open(_bench["out"]);
        Assert.Equal(baseModel.Tensors.Select(t => t.Name).Order(), merged.Tensors.Select(t => t.Name).Order());
        Assert.Equal(RandomCheckpoints.SpecsOf(config).Select(s => s.Name).Order(), merged.Tensors.Select(t => t.Name).Order());
        bool tied = modelType != "phi3";
        Assert.Equal(tied, !merged.Contains("lm_head.weight"));
        Assert.Equal(tied, merged.TieWordEmbeddings);
        using var byHand = CausalLanguageModel.Open(baseModel, new InferenceOptions { Threads = 2 });
        foreach (var info in baseModel.Tensors)
        {
            var a = _bench.Read("base", info.Name);
            var b = _bench.Read("expert", info.Name);
            var expected = a.Zip(b, (x, y) => 0.25f * x + 0.75f * y).ToArray();
            FixtureAssert.Close(expected, _bench.Read("out", info.Name), 1e-6, $"{modelType} {info.Name}");
            expected.CopyTo(byHand.Weights.GetSpan(info.Name));
        }
        // The engine runs the merged checkpoint as the model whose weights are the hand-made mix.
        using var model = CausalLanguageModel.Open(merged, new InferenceOptions { Threads = 2 });
        int[][] sequence = [[5, 6, 7, 8, 9, 10]];
        FixtureAssert.Close(byHand.Logits(sequence)[0].Values, model.Logits(sequence)[0].Values, 1e-5, $"{modelType} merged logits");
    }

    [Theory]
    [InlineData("gemma2")]
    [InlineData("gemma3_text")]
    public void A_Gemma_base_is_tied_without_saying_so_and_an_expert_head_is_ignored(string modelType)
    {
        // Gemma's config classes default tie_word_embeddings to true, and save_pretrained then omits the field.
        var config = ConfigOf(modelType);
        Assert.False(config.ContainsKey("tie_word_embeddings"));
        RandomCheckpoints.Write(_bench["base"], config, seed: 1);
        var untied = (System.Text.Json.Nodes.JsonObject)config.DeepClone();
        untied["tie_word_embeddings"] = false;
        RandomCheckpoints.Write(_bench["expert"], untied, seed: 2);
        const string yaml = """
            merge_method: task_arithmetic
            base_model: base
            models:
              - {model: expert, parameters: {weight: 0.5}}
            dtype: float32
            """;
        using (var plan = _bench.Plan(yaml))
        {
            Assert.Contains(plan.Warnings, w => w.Contains("'lm_head.weight' is ignored", StringComparison.Ordinal));
        }
        _bench.Merge(yaml, "out");
        using var merged = Checkpoint.Open(_bench["out"]);
        Assert.False(merged.Contains("lm_head.weight"));
        Assert.True(merged.TieWordEmbeddings);
    }

    [Fact]
    public void A_tied_Qwen3_expert_lends_its_embedding_to_an_untied_base_head()
    {
        RandomCheckpoints.Write(_bench["base"], RandomCheckpoints.Qwen3(tied: false), seed: 1);
        RandomCheckpoints.Write(_bench["expert"], RandomCheckpoints.Qwen3(tied: true), seed: 2);
        LinearMerge(0.5, 0.5);
        var expected = _bench.Read("base", "lm_head.weight").Zip(_bench.Read("expert", "model.embed_tokens.weight"), (x, y) => 0.5f * x + 0.5f * y).ToArray();
        FixtureAssert.Close(expected, _bench.Read("out", "lm_head.weight"), 1e-6, "lm_head.weight");
    }

    [Theory]
    [InlineData("qwen3", false)]
    [InlineData("phi3", false)]
    [InlineData("gemma2", true)]
    [InlineData("gemma3_text", true)]
    public void Tied_embeddings_default_to_the_config_class_default(string modelType, bool tied)
    {
        var config = ConfigOf(modelType);
        config.Remove("tie_word_embeddings");
        RandomCheckpoints.Write(_bench[modelType], config, seed: 1);
        using var checkpoint = Checkpoint.Open(_bench[modelType]);
        Assert.Equal(tied, checkpoint.TieWordEmbeddings);
    }
}
