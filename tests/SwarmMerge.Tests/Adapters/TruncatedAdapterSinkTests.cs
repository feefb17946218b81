using SwarmMerge.Adapters;
using SwarmMerge.IO;
using SwarmMerge.Merging;
using SwarmMerge.Models;

namespace SwarmMerge.Tests.Adapters;

/// <summary>
/// A truncated adapter is made as the merge runs into it, without a merged checkpoint on disk: it must be the adapter of
/// the checkpoint that merge writes, byte for byte (values rounded to the output dtype first, full tensors as stored).
/// </summary>
public sealed class TruncatedAdapterSinkTests : IDisposable
{
    private readonly TestModels.TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    // A TIES merge of an embedding adapter and a full checkpoint (every tensor changes: matrices, the embedding, the norms),
    // written in bfloat16 over a float32 base, so that each value is rounded before its Δ is taken.
    private static MergePlan Plan(string dtype) => MergePlanner.Create(MergeConfigParser.Parse($"""
        merge_method: ties
        base_model: llama
        models:
          - model: adapters/llama-embedding
            parameters: {"{"}weight: 0.9, density: 0.6{"}"}
          - model: folded/llama-plain
            parameters: {"{"}weight: 0.5, density: 0.5{"}"}
        dtype: {dtype}
        """, "sink-test.yml"), LoraFixtures.Root);

    [Theory]
    [InlineData("bfloat16")]
    [InlineData("float32")]
    public void The_adapter_made_while_merging_is_the_adapter_of_the_written_checkpoint(string dtype)
    {
        using var plan = Plan(dtype);
        var options = new MergeOptions { Threads = 2, Seed = 9 };
        var streamed = AdapterOutput.FromMerge(plan, new AdapterOutputRequest(_temp["streamed/adapter"], 2), options, mergedDirectory: null);

        MergeExecutor.Run(plan, _temp["merged"], options);
        var fromCheckpoint = AdapterOutput.FromMerge(plan, new AdapterOutputRequest(_temp["from-checkpoint"], 2), options, _temp["merged"]);

        Assert.False(streamed.Exact);
        Assert.True(streamed.FullTensors > 0); // the embedding and the norms changed, so they are saved in full
        Assert.Equal(fromCheckpoint with { Directory = "" }, streamed with { Directory = "" });
        foreach (string file in new[] { LoraAdapter.WeightsFileName, LoraConfig.FileName, "swarmmerge_config.yml" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(fromCheckpoint.Directory, file)), File.ReadAllBytes(Path.Combine(streamed.Directory, file)));
        }
        // Nothing else was left beside the adapter: no merged checkpoint, no spill folder.
        Assert.Equal(["adapter"], Directory.EnumerateFileSystemEntries(_temp["streamed"]).Select(Path.GetFileName));
    }

    [Fact]
    public void A_base_tensor_that_never_comes_is_named_and_nothing_is_written()
    {
        using var opener = new ModelOpener();
        var baseModel = opener.Checkpoint(LoraFixtures.Path("llama"));
        var outputs = baseModel.Tensors.Select(t => new OutputTensor(t.Name, t.DType, t.Shape)).ToList();
        using (var adapter = new TruncatedAdapter(baseModel, outputs, "the test's merge", 2, _temp["partial"], new MergeOptions(), []))
        {
            var first = baseModel.Tensors[0];
            using (var view = baseModel.OpenTensor(first.Name))
            {
                adapter.Copy(first.Name, view);
            }
            var refused = Assert.Throws<SafetensorsFormatException>(() => adapter.Complete());
            Assert.Contains("the test's merge", refused.Message);
            Assert.Contains(baseModel.Tensors[1].Name, refused.Message);
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Path));
    }

    [Fact]
    public void A_merge_whose_output_lacks_a_base_tensor_is_refused_before_any_work()
    {
        using var opener = new ModelOpener();
        var baseModel = opener.Checkpoint(LoraFixtures.Path("llama"));
        var outputs = baseModel.Tensors.Skip(1).Select(t => new OutputTensor(t.Name, t.DType, t.Shape)).ToList();
        var refused = Assert.Throws<SafetensorsFormatException>(() => new TruncatedAdapter(baseModel, outputs, "the test's merge", 2, _temp["lacking"], new MergeOptions(), []));
        Assert.Contains(baseModel.Tensors[0].Name, refused.Message);
        Assert.Contains("missing or shaped differently", refused.Message);
    }

    [Fact]
    public void A_folder_that_may_not_be_replaced_is_refused_before_the_merge_runs()
    {
        Directory.CreateDirectory(_temp["taken"]);
        File.WriteAllText(Path.Combine(_temp["taken"], "keep.txt"), "mine");
        using var plan = Plan("float32");
        // With the merge cancelled from the start, only a check made before it can answer.
        var refused = Assert.Throws<IOException>(() => AdapterOutput.FromMerge(plan, new AdapterOutputRequest(_temp["taken"], 2), new MergeOptions { Threads = 2 }, null, new CancellationToken(true)));
        Assert.Contains("already exists and is not empty", refused.Message);
        Assert.Equal(["keep.txt"], Directory.EnumerateFileSystemEntries(_temp["taken"]).Select(Path.GetFileName));
    }
}
