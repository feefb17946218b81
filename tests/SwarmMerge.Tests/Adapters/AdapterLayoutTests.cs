using SwarmMerge.Adapters;
using SwarmMerge.IO;
using SwarmMerge.Merging;

namespace SwarmMerge.Tests.Adapters;

/// <summary>
/// Adapters with mergekit's <c>slices:</c> (each source reads its own layer of base+adapter, as of the folded
/// checkpoint), and the output-path rule (an output may not be, lie in or hold any folder an adapter model reads).
/// </summary>
[Collection("Console")]
public sealed class AdapterLayoutTests : IDisposable
{
    private readonly TestModels.TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    // Output layer 2 takes base layer 0 and the adapter model's layer 1: a task vector across two different layers.
    private static string SliceConfig(string adapter, string bareAdapter) => """
        merge_method: task_arithmetic
        base_model: llama
        parameters: {lambda: 1}
        slices:
          - sources:
              - {model: llama, layer_range: [0, 2]}
              - {model: BARE, layer_range: [0, 2], parameters: {weight: 0.8}}
          - sources:
              - {model: llama, layer_range: [0, 1]}
              - {model: ADAPTER, layer_range: [1, 2], parameters: {weight: 0.6}}
        """.Replace("BARE", bareAdapter).Replace("ADAPTER", adapter);

    private MergePlan Plan(string yaml)
    {
        string path = _temp[$"{Guid.NewGuid():N}.yml"];
        File.WriteAllText(path, yaml);
        return MergePlanner.Create(MergeConfigParser.Load(path), LoraFixtures.Root);
    }

    [Fact]
    public void A_slices_merge_of_adapter_sources_equals_the_same_merge_of_the_folded_checkpoint()
    {
        using (var plan = Plan(SliceConfig("llama+adapters/llama-plain", "adapters/llama-plain")))
        {
            Assert.Equal(3, plan.OutputLayers);
            MergeExecutor.Run(plan, _temp["adapters"], new MergeOptions { Threads = 2 });
        }
        using (var plan = Plan(SliceConfig("folded/llama-plain", "folded/llama-plain")))
        {
            MergeExecutor.Run(plan, _temp["folded"], new MergeOptions { Threads = 2 });
        }
        using var actual = Checkpoint.Open(_temp["adapters"]);
        using var expected = Checkpoint.Open(_temp["folded"]);
        Assert.Equal(expected.Tensors.Select(t => t.Name), actual.Tensors.Select(t => t.Name));
        foreach (var info in expected.Tensors.Where(t => t.DType.IsMergeable()))
        {
            LoraFixtures.AssertClose(TestModels.ReadFloats(expected, info.Name), TestModels.ReadFloats(actual, info.Name), info.Name, 2e-6, 1e-6);
        }
        // The renumbered layer really is base layer 0 moved by 0.6 of the adapter model's layer 1 minus it (not only 0.6·ΔW₁).
        using var baseModel = Checkpoint.Open(LoraFixtures.Path("llama"));
        using var folded = Checkpoint.Open(LoraFixtures.Path("folded", "llama-plain"));
        string q0 = "model.layers.0.self_attn.q_proj.weight", q1 = "model.layers.1.self_attn.q_proj.weight";
        var (w0, w1) = (TestModels.ReadFloats(baseModel, q0), TestModels.ReadFloats(folded, q1));
        LoraFixtures.AssertClose(w0.Zip(w1, (a, b) => a + 0.6f * (b - a)).ToArray(), TestModels.ReadFloats(actual, "model.layers.2.self_attn.q_proj.weight"), "layer 2", 1e-5, 1e-6);
    }

    [Fact]
    public void An_adapter_output_of_a_slices_merge_is_exact_when_the_slices_keep_the_layers_and_refused_when_they_move_them()
    {
        using (var kept = Plan("""
            merge_method: task_arithmetic
            base_model: llama
            parameters: {lambda: 1}
            slices:
              - sources:
                  - {model: llama, layer_range: [0, 2]}
                  - {model: adapters/llama-plain, layer_range: [0, 2], parameters: {weight: 0.5}}
            """))
        {
            Assert.Contains("(exact, rank 4)", AdapterOutput.Describe(kept, new AdapterOutputRequest(_temp["kept"], null)));
        }
        using var moved = Plan(SliceConfig("llama+adapters/llama-plain", "adapters/llama-plain"));
        var request = new AdapterOutputRequest(_temp["moved"], Rank: 4);
        Assert.Contains("not possible: the output's tensors are not the base model's", AdapterOutput.Describe(moved, request));
        var refused = Assert.Throws<NotSupportedException>(() => AdapterOutput.FromMerge(moved, request, new MergeOptions { Threads = 2 }, null));
        Assert.Matches("'model\\.layers\\.2\\.[a-z_.]+' is not in the base", refused.Message);
        Assert.False(Directory.Exists(_temp["moved"]));
    }

    [Fact]
    public void A_merge_output_may_not_lie_in_or_hold_an_adapter_folder()
    {
        string plain = LoraFixtures.Copy("llama-plain", _temp["inputs/plain"]);
        string patterns = LoraFixtures.Copy("llama-patterns", _temp["inputs/patterns"]);
        string config = _temp["merge.yml"];
        File.WriteAllText(config, $"merge_method: task_arithmetic\nbase_model: {LoraFixtures.Path("llama")}\nmodels:\n  - {{model: {plain}, parameters: {{weight: 0.5}}}}\n"
            + $"  - {{model: {LoraFixtures.Path("llama")}+{patterns}, parameters: {{weight: 0.5}}}}\n");
        foreach (var (args, fragment) in new[]
        {
            (new[] { Path.Combine(plain, "out") }, $"is inside the model folder {plain}"),
            ([Path.Combine(patterns, "out")], $"is inside the model folder {patterns}"),
            ([_temp["inputs"]], $"holds the model folder {plain}"),
            ([_temp["merged"], "--out-adapter", Path.Combine(patterns, "adapter")], $"is inside the model folder {patterns}"),
        })
        {
            CliHarness.AssertRefused(CliHarness.Run(["merge", config, .. args]), 1, fragment);
        }
        Assert.False(Directory.Exists(_temp["merged"]));
        Assert.Equal(2, Directory.GetFiles(plain).Length); // adapter_config.json and adapter_model.safetensors, untouched
    }
}
