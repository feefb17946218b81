namespace SwarmMerge.Tests.Malformed;

/// <summary>Merge configs and output folders that cannot be right: refused by the dry run already, with exit 1 and the line, before a byte is written.</summary>
[Collection("Console")]
public sealed class MergeInputTests : IDisposable
{
    private readonly ValidFamily _family = new();

    public void Dispose() => _family.Dispose();

    private void WriteConfig(string parameters, string extra = "") =>
        File.WriteAllText(_family.MergeConfig, $"merge_method: ties\nbase_model: {_family.Base}\nmodels:\n  - model: {_family.Expert(1)}\n    parameters: {{{parameters}}}\n{extra}");

    [Theory]
    [InlineData("weight: 1, density: 2", "", "Parameter 'density' of model", "must be between 0 and 1; it is '2'")]
    [InlineData("weight: 1, density: -1", "", "Parameter 'density'", "must be between 0 and 1; it is '-1'")]
    [InlineData("weight: 1, dencity: 0.5", "", "merge.yml: line 5: unknown parameter 'dencity' for merge_method 'ties'", "density")]
    [InlineData("weight: .nan", "", "Parameter 'weight'", "must be a finite number")]
    [InlineData("weight: NaN", "", "Parameter 'weight'", "must be a finite number")]
    [InlineData("weight: 1", "dtype: float33\nout_dtype: bfloat16\n", "dtype: 'float33' is not a float dtype", "")]
    [InlineData("weight: 1", "tokenizer: {source: union}\n", "line 6: 'tokenizer' (vocabulary merging) is not supported", "")]
    [InlineData("weight: 1", "merge_methd: ties\n", "line 6: unknown key 'merge_methd'", "")]
    [InlineData("weight: 1", "[a, b]: 1\n", "line 6: expected a single value", "")]
    public void A_config_that_cannot_run_is_refused_with_its_line(string parameters, string extra, string fragment, string also)
    {
        WriteConfig(parameters, extra);
        var result = _family.MergeDryRun();
        CliHarness.AssertRefused(result, 1, fragment);
        Assert.Contains(also, result.Error);
    }

    [Fact]
    public void A_missing_model_folder_or_a_config_that_is_a_folder_is_refused()
    {
        File.WriteAllText(_family.MergeConfig, $"merge_method: ties\nbase_model: {_family.Base}\nmodels:\n  - model: {_family["nowhere"]}\n    parameters: {{weight: 1}}\n");
        CliHarness.AssertRefused(_family.MergeDryRun(), 1, "models[0]: model folder");
        CliHarness.AssertRefused(CliHarness.Run("merge", _family.Folder, "--out", _family["merged"]), 1, "is a folder, not a file");
    }

    [Theory]
    [InlineData("the base itself", "base", "is the base_model folder")]
    [InlineData("a folder inside an expert", "expert1/out", "is inside the model folder")]
    [InlineData("the folder that holds every input", ".", "holds the base_model folder")]
    public void An_output_over_an_input_is_refused_even_with_overwrite(string what, string output, string fragment)
    {
        _ = what;
        var before = Directory.GetFiles(_family.Folder, "*", SearchOption.AllDirectories).Order().ToList();
        var result = CliHarness.Run("merge", _family.MergeConfig, "--out", Path.Combine(_family.Folder, output), "--overwrite");
        CliHarness.AssertRefused(result, 1, fragment);
        Assert.Equal(before, Directory.GetFiles(_family.Folder, "*", SearchOption.AllDirectories).Order().ToList());
    }

    [Fact]
    public void An_output_that_reaches_an_input_through_a_symbolic_link_is_refused()
    {
        string link = _family["link"];
        Directory.CreateSymbolicLink(link, _family.Expert(2));
        CliHarness.AssertRefused(CliHarness.Run("merge", _family.MergeConfig, "--out", Path.Combine(link, "sub", "out"), "--dry-run"), 1, "is inside the model folder");
    }
}
