using SwarmMerge.Merging;

namespace SwarmMerge.Tests;

/// <summary>Identities every correct merge satisfies, on a Llama-shaped family stored in BF16 (where the identities hold bit for bit).</summary>
public sealed class MergeInvariantTests
{
    private const string TwoExperts = "base_model: base\nmodels:\n  - model: expert1\n    parameters: {weight: 0.7}\n  - model: expert2\n    parameters: {weight: 0.4}\n";

    [Fact]
    public void Task_arithmetic_with_lambda_zero_returns_the_base()
    {
        using var bench = new MergeTestBench();
        bench.Family(2);
        bench.Merge("merge_method: task_arithmetic\nparameters: {lambda: 0}\n" + TwoExperts, "out");
        Assert.Equal(bench.AllBytes("base"), bench.AllBytes("out"));
    }

    [Fact]
    public void Ties_with_one_expert_at_full_density_returns_that_expert()
    {
        using var bench = new MergeTestBench();
        bench.Family(1);
        bench.Merge("merge_method: ties\nbase_model: base\nmodels:\n  - model: expert1\n    parameters: {weight: 1, density: 1}\n", "out");
        var expert = bench.AllBytes("expert1");
        var merged = bench.AllBytes("out");
        foreach (var (name, bytes) in merged)
        {
            Assert.True(name == "model.extra_ids" || expert[name].SequenceEqual(bytes), name); // non-float tensors come from the base
        }
    }

    [Fact]
    public void Dare_at_density_one_is_task_arithmetic()
    {
        using var bench = new MergeTestBench();
        bench.Family(2);
        bench.Merge("merge_method: dare_linear\nparameters: {density: 1}\n" + TwoExperts, "dare");
        bench.Merge("merge_method: task_arithmetic\n" + TwoExperts, "ta");
        Assert.Equal(bench.AllBytes("ta"), bench.AllBytes("dare"));
    }

    [Fact]
    public void Linear_of_identical_models_is_that_model()
    {
        using var bench = new MergeTestBench();
        bench.Family(1);
        // (x + x) / 2 is exact in fp32, so the identity holds bit for bit.
        bench.Merge("merge_method: linear\nmodels:\n  - model: expert1\n    parameters: {weight: 1}\n  - model: expert1\n    parameters: {weight: 1}\n", "out");
        Assert.Equal(bench.AllBytes("expert1"), bench.AllBytes("out"));
    }

    [Fact]
    public void Linear_of_identical_models_with_any_weights_is_that_model_to_rounding()
    {
        using var bench = new MergeTestBench();
        bench.Family(1);
        bench.Merge("merge_method: linear\nmodels:\n  - model: expert1\n    parameters: {weight: 0.3}\n  - model: expert1\n    parameters: {weight: 0.9}\n  - model: expert1\n    parameters: {weight: 0.15}\n", "out");
        var expected = bench.Read("expert1", "model.layers.0.input_layernorm.weight");
        var actual = bench.Read("out", "model.layers.0.input_layernorm.weight");
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], Math.Abs(expected[i]) * 4e-7f);
        }
    }

    [Theory]
    [InlineData("dare_ties")]
    [InlineData("della")]
    public void The_same_seed_gives_identical_bytes_whatever_the_thread_count(string method)
    {
        using var bench = new MergeTestBench();
        bench.Family(3);
        string epsilon = method == "della" ? ", epsilon: 0.1" : "";
        string yaml = $"merge_method: {method}\nbase_model: base\nparameters: {{weight: 1, density: 0.4{epsilon}}}\nmodels: [expert1, expert2, expert3]\n";
        bench.Merge(yaml, "one", new MergeOptions { Seed = 11, Threads = 1 });
        bench.Merge(yaml, "two", new MergeOptions { Seed = 11, Threads = 2 });
        bench.Merge(yaml, "other", new MergeOptions { Seed = 12, Threads = 2 });
        Assert.Equal(bench.AllBytes("one"), bench.AllBytes("two"));
        Assert.NotEqual(bench.AllBytes("one")["model.layers.0.mlp.up_proj.weight"], bench.AllBytes("other")["model.layers.0.mlp.up_proj.weight"]);
    }

    [Fact]
    public void A_sharded_output_holds_the_same_tensors_as_a_single_file()
    {
        using var bench = new MergeTestBench();
        bench.Family(2);
        string yaml = "merge_method: ties\nparameters: {density: 0.5}\n" + TwoExperts;
        bench.Merge(yaml, "single");
        var result = bench.Merge(yaml, "sharded", new MergeOptions { MaxShardBytes = 1500, Threads = 2 });
        Assert.True(result.Shards.Count >= 3, $"{result.Shards.Count} shards");
        Assert.True(File.Exists(Path.Combine(bench["sharded"], "model.safetensors.index.json")));
        Assert.Equal(bench.AllBytes("single"), bench.AllBytes("sharded"));
    }

    [Fact]
    public void Non_float_tensors_are_copied_from_the_base()
    {
        using var bench = new MergeTestBench();
        bench.Family(2);
        bench.Merge("merge_method: ties\n" + TwoExperts, "out");
        Assert.Equal(TestModels.Int64Bytes(4, 5, 6), bench.AllBytes("out")["model.extra_ids"]);
    }
}
