using SwarmMerge.IO;
using SwarmMerge.Merging;

namespace SwarmMerge.Tests;

/// <summary>Inputs that cannot be merged fail before anything is written, naming the model, tensor or parameter.</summary>
public sealed class MergeErrorTests
{
    private static Exception PlanError(MergeTestBench bench, string yaml) =>
        Assert.ThrowsAny<Exception>(() => bench.Plan(yaml).Dispose());

    [Fact]
    public void A_tensor_missing_from_an_expert_is_named()
    {
        using var bench = new MergeTestBench();
        TestModels.Write(bench["base"], [new("a", TensorDType.F32, [2], [1, 2]), new("b", TensorDType.F32, [2], [1, 2])]);
        TestModels.Write(bench["expert1"], [new("a", TensorDType.F32, [2], [1, 2])]);
        var error = Assert.IsType<SafetensorsFormatException>(PlanError(bench, "merge_method: task_arithmetic\nbase_model: base\nparameters: {weight: 1}\nmodels: [expert1]\n"));
        Assert.Equal("b", error.Tensor);
        Assert.Contains("expert1", error.Message);
    }

    [Fact]
    public void A_shape_mismatch_is_named_with_both_shapes()
    {
        using var bench = new MergeTestBench();
        TestModels.Write(bench["base"], [new("model.layers.0.mlp.up_proj.weight", TensorDType.F32, [2, 2], new float[4])]);
        TestModels.Write(bench["expert1"], [new("model.layers.0.mlp.up_proj.weight", TensorDType.F32, [2, 3], new float[6])]);
        var error = PlanError(bench, "merge_method: ties\nbase_model: base\nparameters: {weight: 1}\nmodels: [expert1]\n");
        Assert.Contains("[2, 3]", error.Message);
        Assert.Contains("[2, 2]", error.Message);
    }

    [Fact]
    public void An_expert_vocabulary_smaller_than_the_base_is_refused()
    {
        using var bench = new MergeTestBench();
        TestModels.Write(bench["base"], [new("model.embed_tokens.weight", TensorDType.F32, [4, 2], new float[8])]);
        TestModels.Write(bench["expert1"], [new("model.embed_tokens.weight", TensorDType.F32, [3, 2], new float[6])]);
        var error = PlanError(bench, "merge_method: ties\nbase_model: base\nparameters: {weight: 1}\nmodels: [expert1]\n");
        Assert.Contains("fewer than the base", error.Message);
    }

    [Fact]
    public void An_extra_tensor_in_an_expert_is_named()
    {
        using var bench = new MergeTestBench();
        TestModels.Write(bench["base"], [new("a", TensorDType.F32, [2], [1, 2])]);
        TestModels.Write(bench["expert1"], [new("a", TensorDType.F32, [2], [1, 2]), new("extra", TensorDType.F32, [1], [1])]);
        var error = Assert.IsType<SafetensorsFormatException>(PlanError(bench, "merge_method: task_arithmetic\nbase_model: base\nparameters: {weight: 1}\nmodels: [expert1]\n"));
        Assert.Equal("extra", error.Tensor);
    }

    [Fact]
    public void A_missing_required_weight_names_the_parameter_model_and_tensor()
    {
        using var bench = new MergeTestBench();
        bench.Vector("base", 1);
        bench.Vector("expert1", 2);
        var error = PlanError(bench, "merge_method: ties\nbase_model: base\nmodels: [expert1]\n");
        Assert.Contains("'weight'", error.Message);
        Assert.Contains("expert1", error.Message);
        Assert.Contains("'w'", error.Message);
    }

    [Theory]
    [InlineData("merge_method: frankenmerge\nbase_model: base\nmodels: [expert1]\n", "unknown method 'frankenmerge'")]
    [InlineData("merge_method: ties\nmodels: [expert1]\nparameters: {weight: 1}\n", "needs 'base_model'")]
    [InlineData("merge_method: slerp\nbase_model: base\nmodels: [expert1, expert2]\nparameters: {t: 0.5}\n", "exactly one other model")]
    [InlineData("merge_method: model_stock\nbase_model: base\nmodels: [expert1]\n", "at least two models")]
    [InlineData("merge_method: della\nbase_model: base\nmodels: [expert1]\nparameters: {weight: 1, density: 0.1, epsilon: 0.2}\n", "epsilon")]
    [InlineData("merge_method: ties\nbase_model: base\nmodels: [expert1]\nparameters: {weight: 1, sparsify_scope: layer}\n", "sparsify_scope")]
    [InlineData("merge_method: ties\nbase_model: base\nmodels: [expert1]\nparameters: {weight: 1, normalize: perhaps}\n", "normalize")]
    [InlineData("merge_method: linear\nmodels: [expert1]\nparameters: {weight: 0}\n", "sum to 0")]
    [InlineData("merge_method: ties\nbase_model: base\nmodels: [nowhere]\nparameters: {weight: 1}\n", "not found")]
    [InlineData("merge_method: ties\nbase_model: base\nmodels: [expert1]\nparameters: {weight: 1}\nout_dtype: int8\n", "out_dtype")]
    [InlineData("merge_method: ties\nbase_model: base\nmodels: [expert1]\nparameters: {weight: 1}\ntokenizer_source: union\n", "union")]
    public void Configs_that_cannot_run_say_why(string yaml, string expected)
    {
        using var bench = new MergeTestBench();
        bench.Family(2);
        Assert.Contains(expected, PlanError(bench, yaml).Message);
    }

    [Fact]
    public void A_misspelled_parameter_is_an_error_with_its_line()
    {
        using var bench = new MergeTestBench();
        bench.Family(1);
        var error = Assert.IsType<MergeConfigException>(PlanError(bench, "merge_method: ties\nbase_model: base\nmodels:\n  - model: expert1\n    parameters:\n      weight: 1\n      desnity: 0.5\n"));
        Assert.Contains("line 7: unknown parameter 'desnity'", error.Message);
        Assert.Contains("density", error.Message); // the parameters it reads
    }
}
