using System.Text.Json.Nodes;
using SwarmMerge.Adapters;
using SwarmMerge.IO;
using SwarmMerge.Merging;
using SwarmMerge.Models;

namespace SwarmMerge.Tests.Adapters;

/// <summary>Merges written as PEFT adapters: read back (with the same strict checks as any adapter) and folded, they give the reference merges.</summary>
public sealed class AdapterOutputTests : IDisposable
{
    private readonly TestModels.TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static MergePlan Plan(string name) => MergePlanner.Create(MergeConfigParser.Load(LoraFixtures.Path("merges", name + ".yml")), LoraFixtures.Root);

    private AdapterOutputResult WriteAdapter(string name, int? rank = null)
    {
        using var plan = Plan(name);
        return AdapterOutput.FromMerge(plan, new AdapterOutputRequest(_temp[name], rank), new MergeOptions { Threads = 2, Seed = 5 }, null);
    }

    // The adapter folded onto its base, tensor by tensor, against the reference merge. The merge rounds each expert to
    // fl(θ₀ + ΔW) before taking its task vector (mergekit folds base+adapter first); the adapter carries ΔW itself, so
    // they differ by rounding at the experts' magnitude (up to ~10 here), ~1e-6, whatever the result's magnitude.
    private static void AssertFoldsTo(string adapter, string baseModel, string expectedFile, double relative)
    {
        using var opener = new ModelOpener();
        var folded = opener.Open(new ModelReference(baseModel, adapter));
        using var expected = SafetensorsFile.Open(expectedFile);
        foreach (var info in expected.Tensors)
        {
            LoraFixtures.AssertClose(LoraFixtures.Values(expected, info.Name), TestModels.ReadFloats(folded, info.Name), info.Name, relative, absolute: 2e-6);
        }
    }

    [Theory]
    [InlineData("llama_task_arithmetic", "llama", 4)]
    [InlineData("llama_linear", "llama", 6)]
    [InlineData("gpt2_task_arithmetic", "gpt2", 3)]
    public void A_linear_merge_of_adapters_is_written_as_the_exact_stacked_adapter(string name, string baseModel, int rank)
    {
        var result = WriteAdapter(name);

        Assert.True(result.Exact);
        Assert.Equal(rank, result.Rank);
        AssertFoldsTo(result.Directory, LoraFixtures.Path(baseModel), LoraFixtures.Path("expected", name + ".safetensors"), 2e-6);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(result.Directory, LoraConfig.FileName)))!.AsObject();
        Assert.Equal(rank, config["r"]!.GetValue<int>());
        Assert.Equal(rank, config["lora_alpha"]!.GetValue<int>());
        Assert.Equal("LORA", config["peft_type"]!.GetValue<string>());
    }

    [Fact]
    public void Stacking_puts_each_experts_factors_side_by_side_with_its_coefficient_and_scale_in_B()
    {
        var result = WriteAdapter("gpt2_task_arithmetic");
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(result.Directory, LoraConfig.FileName)))!.AsObject();
        // GPT-2: Conv1D layers, PEFT keys with "transformer.", every module of each kind targeted (so by suffix), saved biases under base_layer.
        Assert.True(config["fan_in_fan_out"]!.GetValue<bool>());
        Assert.Equal(["c_attn", "c_fc", "c_proj"], config["target_modules"]!.AsArray().Select(n => n!.GetValue<string>()));
        using var file = SafetensorsFile.Open(Path.Combine(result.Directory, LoraAdapter.WeightsFileName));
        Assert.True(file.Contains("base_model.model.transformer.h.0.attn.c_attn.base_layer.bias"));
        // c_fc comes from gpt2-mlp alone (rank 3, scale 2, weight 1.5): B' = 3·B in its 3 columns, padded to rank 3.
        using var mlp = SafetensorsFile.Open(LoraFixtures.Path("adapters", "gpt2-mlp", LoraAdapter.WeightsFileName));
        var b = LoraFixtures.Values(mlp, "base_model.model.transformer.h.1.mlp.c_fc.lora_B.weight");
        var stacked = LoraFixtures.Values(file, "base_model.model.transformer.h.1.mlp.c_fc.lora_B.weight");
        Assert.Equal(b.Select(x => 3 * x), stacked);
    }

    [Fact]
    public void A_nonlinear_merge_is_refused_with_the_reason_and_given_a_rank_becomes_a_truncated_svd_with_its_measured_error()
    {
        var refused = Assert.Throws<NotSupportedException>(() => WriteAdapter("llama_ties"));
        Assert.Contains("ties trims or drops task-vector entries one by one and elects a sign per entry", refused.Message);
        Assert.False(Directory.Exists(_temp["llama_ties"]));

        var result = WriteAdapter("llama_ties", rank: 3);
        Assert.False(result.Exact);
        Assert.Equal(3, result.Rank);

        // The reported error is the one the folded adapter really has on the low-rank tensors; the rest is exact.
        using var opener = new ModelOpener();
        var baseModel = opener.Checkpoint(LoraFixtures.Path("llama"));
        var folded = (AdaptedModel)opener.Open(new ModelReference(LoraFixtures.Path("llama"), result.Directory));
        using var expected = SafetensorsFile.Open(LoraFixtures.Path("expected", "llama_ties.safetensors"));
        double error = 0, norm = 0, worst = 0;
        foreach (var info in expected.Tensors)
        {
            var want = LoraFixtures.Values(expected, info.Name);
            var got = TestModels.ReadFloats(folded, info.Name);
            var original = TestModels.ReadFloats(baseModel, info.Name);
            if (!folded.Deltas.ContainsKey(info.Name))
            {
                LoraFixtures.AssertClose(want, got, info.Name);
                continue;
            }
            double e = 0, n = 0;
            for (int i = 0; i < want.Length; i++)
            {
                e += (double)(want[i] - got[i]) * (want[i] - got[i]);
                n += (double)(want[i] - original[i]) * (want[i] - original[i]);
            }
            error += e;
            norm += n;
            worst = Math.Max(worst, Math.Sqrt(e / n));
        }
        Assert.Equal(Math.Sqrt(error / norm), result.RelativeError, 3);
        Assert.Equal(worst, result.WorstRelativeError, 3);
        Assert.InRange(result.RelativeError, 1e-4, 0.9); // the TIES delta of three adapters has rank above 3 on some tensors
    }

    [Fact]
    public void A_truncated_svd_of_enough_rank_is_the_merge_and_an_exact_adapter_over_the_rank_budget_is_truncated()
    {
        // llama_task_arithmetic needs rank 4 exactly; asked for at most 2, it is a truncated SVD; asked for 8, exact.
        var small = WriteAdapter("llama_task_arithmetic", rank: 2);
        Assert.False(small.Exact);
        Assert.True(small.RelativeError > 0.01);
        Assert.True(WriteAdapter("llama_linear", rank: 8).Exact);

        // The TIES result at full rank (8 ≥ every matrix's smaller side) is recovered to rounding.
        using var plan = Plan("llama_ties");
        var full = AdapterOutput.FromMerge(plan, new AdapterOutputRequest(_temp["full-rank"], 8), new MergeOptions { Threads = 2 }, null);
        Assert.InRange(full.RelativeError, 0, 1e-5);
        AssertFoldsTo(full.Directory, LoraFixtures.Path("llama"), LoraFixtures.Path("expected", "llama_ties.safetensors"), 1e-4);
    }

    [Fact]
    public void A_full_checkpoint_expert_has_no_exact_adapter()
    {
        var refused = Assert.Throws<NotSupportedException>(() => WriteAdapter("llama_mixed"));
        Assert.Contains("folded/llama-plain' is a full checkpoint: its task vector is dense", refused.Message);
        var result = WriteAdapter("llama_mixed", rank: 8);
        AssertFoldsTo(result.Directory, LoraFixtures.Path("llama"), LoraFixtures.Path("expected", "llama_mixed.safetensors"), 1e-4);
    }
}
