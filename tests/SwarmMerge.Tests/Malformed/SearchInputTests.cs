using System.Text.Json.Nodes;
using SwarmMerge.Search;
using SwarmMerge.Tests.Evaluation;

namespace SwarmMerge.Tests.Malformed;

/// <summary>
/// Search configs that cannot run: refused by the validation pass, in seconds, with exit 1 and the file and key;
/// the run folder is not created, so a corrected rerun into it works.
/// </summary>
[Collection("Console")]
public sealed class SearchInputTests : IDisposable
{
    private readonly ValidFamily _family = new();

    public void Dispose() => _family.Dispose();

    private void AssertRefusedWithoutARunFolder(string fragment)
    {
        CliHarness.AssertRefused(_family.Search(), 1, fragment);
        Assert.False(Directory.Exists(_family["run"]), "the run folder was made before validation passed");
    }

    [Theory]
    [InlineData("- pso: {steps: 0}", "[tie]", "search.yml: baseline tie: merge_method: unknown method 'tie'")]
    [InlineData("- pso: {steps: 0}", "{ties: {weight: 1, dencity: 0.5}}", "baseline ties: parameters: unknown parameter 'dencity'")]
    [InlineData("- pso: {steps: 0}", "{ties: {weight: 1, density: 2}}", "baseline ties: Parameter 'density'")]
    [InlineData("- pso: {stepz: 0}", "[]", "search.yml: pso: unknown setting 'stepz'")]
    [InlineData("- cma_es: {sigma: 0.3}", "[]", "search.yml: cma_es: unknown setting 'sigma'")]
    [InlineData("- annealing: {}", "[]", "unknown search 'annealing'")]
    [InlineData("- pso: {steps: many}", "[]", "pso: 'steps' must be a number, not 'many'")]
    public void A_setting_or_baseline_mistake_is_refused_before_any_search_runs(string methods, string baselines, string fragment)
    {
        _family.WriteSearchConfig(methods, baselines);
        AssertRefusedWithoutARunFolder(fragment);
    }

    [Fact]
    public void A_missing_model_folder_is_refused()
    {
        File.WriteAllText(_family.SearchConfig, File.ReadAllText(_family.SearchConfig).Replace(_family.Expert(2), _family["expert9"]));
        AssertRefusedWithoutARunFolder("expert9' does not exist");
    }

    [Fact]
    public void A_non_scalar_key_is_refused_with_its_line()
    {
        File.AppendAllText(_family.SearchConfig, "[seed]: 3\n");
        AssertRefusedWithoutARunFolder("line 9: 'key' must be a single value");
    }

    [Fact]
    public void A_missing_test_split_file_is_refused_before_the_searches()
    {
        File.Delete(_family["test.jsonl"]);
        AssertRefusedWithoutARunFolder("test.jsonl: data file not found");
    }

    [Fact]
    public void An_expert_with_one_transposed_tensor_is_refused_instead_of_being_left_unmerged()
    {
        _family.EditHeader(h => h.Replace("\"shape\":[64,176]", "\"shape\":[176,64]"), _family.Expert(2));
        AssertRefusedWithoutARunFolder("shape [176, 64] does not match the base model's [64, 176]");
    }

    [Fact]
    public void An_expert_of_another_model_is_refused()
    {
        Directory.Delete(_family.Expert(2), recursive: true);
        PairedFixtures.Create("gpt2", "gpt2_bpe", _family.Expert(2));
        AssertRefusedWithoutARunFolder("missing from this expert but present in the base model");
    }

    [Fact]
    public void A_run_folder_inside_an_input_is_refused()
    {
        var result = CliHarness.Run("search", _family.SearchConfig, "--out", Path.Combine(_family.Base, "run"));
        CliHarness.AssertRefused(result, 1, "is inside the base_model folder");
        Assert.False(Directory.Exists(Path.Combine(_family.Base, "run")));
    }

    [Theory]
    [InlineData(SearchState.FileName, "{\"search\": ", "state.json: not a search state")]
    [InlineData(SearchState.FileName, "{\"evaluations\": 3}", "state.json: not a search state (no 'search' description)")]
    [InlineData(EvaluationLog.FileName, "{\"sequence\": \n", "evaluations.jsonl, line 1: not an evaluation record")]
    [InlineData("run.json", "[1, 2]", "run.json: is not a JSON object")]
    public void A_corrupt_run_folder_is_refused_on_resume_before_anything_is_scored(string file, string content, string fragment)
    {
        string run = _family["run"];
        Directory.CreateDirectory(run);
        File.Copy(_family.SearchConfig, Path.Combine(run, "search.yml"));
        File.WriteAllText(Path.Combine(run, "run.json"), new JsonObject { ["working_directory"] = _family.Folder }.ToJsonString());
        File.WriteAllText(Path.Combine(run, file), content);
        CliHarness.AssertRefused(CliHarness.Run("search", "--resume", run), 1, fragment);
        Assert.False(File.Exists(Path.Combine(run, "test_scores.json")));
    }
}
