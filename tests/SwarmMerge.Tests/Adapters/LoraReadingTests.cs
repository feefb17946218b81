using SwarmMerge.IO;
using SwarmMerge.Merging;
using SwarmMerge.Models;

namespace SwarmMerge.Tests.Adapters;

/// <summary>PEFT adapters read as base+adapter models, against the dense folds and merges of tools/make_lora_fixtures.py.</summary>
public sealed class LoraReadingTests
{
    public static TheoryData<string> AdapterNames() => [.. LoraFixtures.Adapters];

    public static TheoryData<string> MergeNames() => [.. LoraFixtures.MergeCases()];

    [Theory]
    [MemberData(nameof(AdapterNames))]
    public void Base_plus_adapter_equals_the_dense_fold(string adapter)
    {
        using var opener = new ModelOpener();
        var model = (AdaptedModel)opener.Open($"{LoraFixtures.BaseOf(adapter)}+{LoraFixtures.Path("adapters", adapter)}", LoraFixtures.Root);
        using var folded = Checkpoint.Open(LoraFixtures.Path("folded", adapter));

        // The scales follow PEFT's rules (rank_pattern, alpha_pattern, rsLoRA) as the Python generator applied them.
        var scales = LoraFixtures.Scales(adapter);
        Assert.Equal(scales.Keys.Order(), model.Deltas.Keys.Order());
        foreach (var (tensor, scale) in scales)
        {
            Assert.Equal(scale, model.Deltas[tensor].Scale, 12);
        }
        foreach (var info in folded.Tensors)
        {
            var expected = TestModels.ReadFloats(folded, info.Name);
            LoraFixtures.AssertClose(expected, TestModels.ReadFloats(model, info.Name), $"{adapter}: {info.Name}");
            // Read in pieces that cut rows, as merge chunks may: the same values.
            var pieces = new float[expected.Length];
            using var values = model.OpenValues(info.Name);
            for (int start = 0; start < pieces.Length; start += 5)
            {
                values.ReadFloats(start, pieces.AsSpan(start, Math.Min(5, pieces.Length - start)));
            }
            LoraFixtures.AssertClose(expected, pieces, $"{adapter}: {info.Name} in pieces");
        }
    }

    [Theory]
    [MemberData(nameof(MergeNames))]
    public void Merges_of_adapters_equal_the_reference_merge_of_the_folded_experts(string name)
    {
        using var temp = new TestModels.TempFolder();
        var config = MergeConfigParser.Load(LoraFixtures.Path("merges", name + ".yml"));
        using (var plan = MergePlanner.Create(config, LoraFixtures.Root))
        {
            MergeExecutor.Run(plan, temp["out"], new MergeOptions { Threads = 2 });
        }
        using var actual = Checkpoint.Open(temp["out"]);
        using var expected = SafetensorsFile.Open(LoraFixtures.Path("expected", name + ".safetensors"));
        Assert.Equal(expected.Tensors.Select(t => t.Name).Order(), actual.Tensors.Select(t => t.Name).Order());
        foreach (var want in expected.Tensors)
        {
            LoraFixtures.AssertClose(LoraFixtures.Values(expected, want.Name), TestModels.ReadFloats(actual, want.Name), $"{name}: {want.Name}", 2e-6);
        }
    }

    [Fact]
    public void A_task_vector_is_the_fold_minus_the_base_and_untouched_tensors_are_the_origin()
    {
        using var opener = new ModelOpener();
        var baseModel = opener.Checkpoint(LoraFixtures.Path("llama"));
        var model = opener.Open($"llama+adapters/llama-plain", LoraFixtures.Root);
        using var folded = Checkpoint.Open(LoraFixtures.Path("folded", "llama-plain"));
        foreach (var info in baseModel.Tensors)
        {
            var baseValues = TestModels.ReadFloats(baseModel, info.Name);
            var expected = TestModels.ReadFloats(folded, info.Name).Zip(baseValues, (f, b) => f - b).ToArray();
            using var values = model.OpenValues(info.Name, baseModel);
            Assert.Equal(!info.Name.Contains("q_proj") && !info.Name.Contains("v_proj") && !info.Name.Contains("down_proj"), values.SameAsOrigin);
            var delta = new float[expected.Length];
            values.ReadTaskVector(0, baseValues, delta);
            LoraFixtures.AssertClose(expected, delta, info.Name);
        }
    }

    [Fact]
    public void A_base_model_may_itself_be_base_plus_adapter()
    {
        // Task vectors are taken from llama+plain, so one expert with weight 1 and lambda 1 lands on that expert.
        using var temp = new TestModels.TempFolder();
        var config = MergeConfigParser.Parse("merge_method: task_arithmetic\nbase_model: llama+adapters/llama-plain\nmodels:\n  - model: llama+adapters/llama-patterns\n    parameters: {weight: 1}\n", "test.yml");
        using (var plan = MergePlanner.Create(config, LoraFixtures.Root))
        {
            MergeExecutor.Run(plan, temp["out"], new MergeOptions { Threads = 2 });
        }
        using var merged = Checkpoint.Open(temp["out"]);
        using var folded = Checkpoint.Open(LoraFixtures.Path("folded", "llama-patterns"));
        foreach (var info in folded.Tensors)
        {
            LoraFixtures.AssertClose(TestModels.ReadFloats(folded, info.Name), TestModels.ReadFloats(merged, info.Name), info.Name, 1e-6, 1e-6);
        }
    }

    [Fact]
    public void A_fan_in_fan_out_that_contradicts_the_layer_layout_is_overridden_with_a_warning()
    {
        using var opener = new ModelOpener();
        opener.Open("gpt2+adapters/gpt2-mlp", LoraFixtures.Root);
        var warning = Assert.Single(opener.Warnings);
        Assert.Contains("fan_in_fan_out is false", warning);
        Assert.Contains("'h.0.mlp.c_fc.weight' [8, 32] (Conv1D)", warning);
    }
}
