using System.Text.Json.Nodes;
using SwarmMerge.IO;
using SwarmMerge.Merging;

namespace SwarmMerge.Tests;

/// <summary>What lands on disk: support files, dtypes, atomicity, tied heads.</summary>
public sealed class MergeOutputTests
{
    private const string Ties = "merge_method: ties\nbase_model: base\nparameters: {weight: 1, density: 0.5}\nmodels: [expert1, expert2]\n";

    [Fact]
    public void Output_has_config_with_the_new_dtype_tokenizer_files_and_the_config_used()
    {
        using var bench = new MergeTestBench();
        bench.Family(2);
        File.WriteAllText(Path.Combine(bench["base"], "tokenizer.json"), "{\"base\": true}");
        File.WriteAllText(Path.Combine(bench["expert1"], "tokenizer.json"), "{\"expert1\": true}");
        File.WriteAllText(Path.Combine(bench["expert1"], "generation_config.json"), "{\"eos_token_id\": 2}");
        bench.Merge(Ties + "out_dtype: bfloat16\ntokenizer_source: expert1\n", "out");

        var config = Checkpoint.ReadJsonObject(Path.Combine(bench["out"], "config.json"));
        Assert.Equal("bfloat16", config["torch_dtype"]!.GetValue<string>());
        Assert.Equal("llama", config["model_type"]!.GetValue<string>());
        Assert.Equal("{\"expert1\": true}", File.ReadAllText(Path.Combine(bench["out"], "tokenizer.json")));
        Assert.True(File.Exists(Path.Combine(bench["out"], "generation_config.json")));
        Assert.Contains("merge_method: ties", File.ReadAllText(Path.Combine(bench["out"], "swarmmerge_config.yml")));
        using var merged = Checkpoint.Open(bench["out"]);
        Assert.All(merged.Tensors.Where(t => t.Name != "model.extra_ids"), t => Assert.Equal(TensorDType.BF16, t.DType));
        Assert.Equal(TensorDType.I64, merged.Info("model.extra_ids").DType);
    }

    [Fact]
    public void Without_out_dtype_each_tensor_keeps_the_base_dtype()
    {
        using var bench = new MergeTestBench();
        bench.Family(2);
        bench.Merge(Ties, "out");
        using var merged = Checkpoint.Open(bench["out"]);
        using var baseModel = Checkpoint.Open(bench["base"]);
        Assert.All(merged.Tensors, t => Assert.Equal(baseModel.Info(t.Name).DType, t.DType));
    }

    [Fact]
    public void An_interrupted_merge_leaves_no_output_and_no_temporary_folder()
    {
        using var bench = new MergeTestBench();
        bench.Family(2);
        using var cancel = new CancellationTokenSource();
        var progress = new Callback(p =>
        {
            if (p.Done == 3)
            {
                cancel.Cancel();
            }
        });
        Assert.ThrowsAny<OperationCanceledException>(() => bench.Merge(Ties, "out", null, progress, cancel.Token));
        Assert.False(Directory.Exists(bench["out"]));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(bench.Root), e => Path.GetFileName(e).StartsWith(".out", StringComparison.Ordinal));
    }

    [Fact]
    public void An_interrupted_overwrite_leaves_the_existing_output_untouched()
    {
        using var bench = new MergeTestBench();
        bench.Family(2);
        Directory.CreateDirectory(bench["out"]);
        File.WriteAllText(Path.Combine(bench["out"], "keep.txt"), "previous result");
        using var cancel = new CancellationTokenSource();
        var progress = new Callback(p => cancel.Cancel());
        Assert.ThrowsAny<OperationCanceledException>(() => bench.Merge(Ties, "out", new MergeOptions { Overwrite = true }, progress, cancel.Token));
        Assert.Equal("previous result", File.ReadAllText(Path.Combine(bench["out"], "keep.txt")));
    }

    [Fact]
    public void A_non_empty_output_folder_is_refused_without_overwrite()
    {
        using var bench = new MergeTestBench();
        bench.Family(2);
        Directory.CreateDirectory(bench["out"]);
        File.WriteAllText(Path.Combine(bench["out"], "keep.txt"), "x");
        var error = Assert.Throws<IOException>(() => bench.Merge(Ties, "out"));
        Assert.Contains("--overwrite", error.Message);
    }

    [Fact]
    public void A_tied_base_keeps_its_head_tied_and_ignores_an_expert_head()
    {
        using var bench = new MergeTestBench();
        var embed = TestModels.Random(8, 1);
        TestModels.Write(bench["base"], [new TestTensor("model.embed_tokens.weight", TensorDType.F32, [4, 2], embed)], MergeTestBench.Config(tied: true));
        TestModels.Write(bench["expert1"],
        [
            new TestTensor("model.embed_tokens.weight", TensorDType.F32, [4, 2], TestModels.Random(8, 2)),
            new TestTensor("lm_head.weight", TensorDType.F32, [4, 2], TestModels.Random(8, 3)),
        ], MergeTestBench.Config(tied: false));
        using (var plan = bench.Plan("merge_method: task_arithmetic\nbase_model: base\nparameters: {weight: 1}\nmodels: [expert1]\n"))
        {
            Assert.Contains(plan.Warnings, w => w.Contains("lm_head.weight") && w.Contains("ignored"));
        }
        bench.Merge("merge_method: task_arithmetic\nbase_model: base\nparameters: {weight: 1}\nmodels: [expert1]\n", "out");
        using var merged = Checkpoint.Open(bench["out"]);
        Assert.False(merged.Contains("lm_head.weight"));
    }

    [Fact]
    public void A_tied_expert_without_a_head_contributes_its_embeddings_to_an_untied_head()
    {
        using var bench = new MergeTestBench();
        var embed = TestModels.Random(8, 1);
        var head = TestModels.Random(8, 2);
        var expertEmbed = TestModels.Random(8, 3);
        TestModels.Write(bench["base"],
        [
            new TestTensor("model.embed_tokens.weight", TensorDType.F32, [4, 2], embed),
            new TestTensor("lm_head.weight", TensorDType.F32, [4, 2], head),
        ], MergeTestBench.Config(tied: false));
        TestModels.Write(bench["expert1"], [new TestTensor("model.embed_tokens.weight", TensorDType.F32, [4, 2], expertEmbed)], MergeTestBench.Config(tied: true));
        bench.Merge("merge_method: task_arithmetic\nbase_model: base\nparameters: {weight: 1}\nmodels: [expert1]\n", "out");
        var mergedHead = bench.Read("out", "lm_head.weight");
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(head[i] + (expertEmbed[i] - head[i]), mergedHead[i], 1e-6f);
        }
    }

    private sealed class Callback(Action<MergeProgress> action) : IProgress<MergeProgress>
    {
        public void Report(MergeProgress value) => action(value);
    }
}
