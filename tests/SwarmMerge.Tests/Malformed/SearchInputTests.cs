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

    [Theory]
    [InlineData("- pso: {steps: -2}", "pso: 'steps' must be an integer ≥ 0, not -2.")]
    [InlineData("- pso: {steps: 1.5}", "pso: 'steps' must be an integer ≥ 0, not 1.5.")]
    [InlineData("- pso: {tied_steps: -1}", "pso: 'tied_steps' must be an integer ≥ 0, not -1.")]
    [InlineData("- pso: {w: -1}", "pso: 'w' must be a number ≥ 0, not -1.")]
    [InlineData("- pso: {c1: 1e400}", "pso: 'c1' must be a number ≥ 0, not Infinity.")]
    [InlineData("- pso: {c2: -0.5}", "pso: 'c2' must be a number ≥ 0, not -0.5.")]
    [InlineData("- pso: {drop_rate: 1.5}", "pso: 'drop_rate' must be a number in [0, 1), not 1.5.")]
    [InlineData("- pso: {drop_rate: 1}", "pso: 'drop_rate' must be a number in [0, 1), not 1.")]
    [InlineData("- pso: {velocity_clamp: -1}", "pso: 'velocity_clamp' must be a number > 0, not -1.")]
    [InlineData("- pso: {memory_limit_gb: 0}", "pso: 'memory_limit_gb' must be a number in (0, 1000000000], not 0.")]
    [InlineData("- pso: {r: elementwise, memory_limit_gb: 0.0001}", "pso: r: elementwise keeps")]
    [InlineData("- pso: {lambdas: [0.5, 1e400]}", "pso: 'lambdas' must be a list of numbers (a finite number each)")]
    [InlineData("- pso: {granularity: neuron}", "pso: unknown granularity 'neuron'")]
    [InlineData("- pso: {anchors: [linear]}", "pso: anchor 'linear' is not a merge")]
    [InlineData("- cma_es: {sigma0: 0}", "cma_es: 'sigma0' must be a number > 0, not 0.")]
    [InlineData("- cma_es: {population: 1}", "cma_es: 'population' must be an integer ≥ 2, not 1.")]
    [InlineData("- evo: {merge_method: slerp}", "evo: 'merge_method' must be one of ties, dare_ties, dare_linear")]
    [InlineData("- evo: {layer_slices: 0}", "evo: 'layer_slices' must be an integer ≥ 1, not 0.")]
    [InlineData("- evo: {population: 2.5}", "evo: 'population' must be an integer ≥ 2, not 2.5.")]
    [InlineData("- model_swarms: {patience: -1}", "model_swarms: 'patience' must be an integer ≥ 1, not -1.")]
    [InlineData("- model_swarms: {max_iterations: -1}", "model_swarms: 'max_iterations' must be an integer ≥ 0, not -1.")]
    [InlineData("- model_swarms: {swarm_size: 0}", "model_swarms: 'swarm_size' must be an integer ≥ 1, not 0.")]
    [InlineData("- model_swarms: {inertia: -0.1}", "model_swarms: 'inertia' must be a number ≥ 0, not -0.1.")]
    [InlineData("- model_swarms: {inertia: 0, cognitive: 0, social: 0, repel: 0}", "at least one must be > 0")]
    [InlineData("- model_swarms: {step_length: 0}", "model_swarms: 'step_length' must be a number > 0, not 0.")]
    [InlineData("- model_swarms: {step_decay: 0}", "model_swarms: 'step_decay' must be a number in (0, 1], not 0.")]
    [InlineData("- model_swarms: {step_decay: 1.5}", "model_swarms: 'step_decay' must be a number in (0, 1], not 1.5.")]
    [InlineData("- model_swarms: {min_step_length: -1}", "model_swarms: 'min_step_length' must be a number ≥ 0, not -1.")]
    [InlineData("- model_swarms: {restart_patience: 0}", "model_swarms: 'restart_patience' must be a number > 0, not 0.")]
    [InlineData("- random: {concentration: 0}", "random: 'concentration' must be a number > 0, not 0.")]
    public void Every_search_setting_out_of_range_is_refused_naming_the_method_and_key(string methods, string fragment)
    {
        _family.WriteSearchConfig(methods);
        AssertRefusedWithoutARunFolder(fragment);
    }

    [Fact]
    public void Settings_at_their_bounds_run()
    {
        _family.WriteSearchConfig("- pso: {preset: paper, steps: 0, w: 0, c1: 0, c2: 0, drop_rate: 0, tied_steps: 0}\n  - random: {concentration: 1e-9}");
        var (code, _, error) = _family.Search();
        Assert.True(code == 0, error);
    }

    [Theory]
    [InlineData("threads: 0\n", "line 7: 'threads' must be an integer from 1 to 1024, not '0'.")]
    [InlineData("threads: 20000\n", "line 7: 'threads' must be an integer from 1 to 1024, not '20000'.")]
    [InlineData("budget: -3\n", "'budget' must be an integer ≥ 1, not '-3'.")]
    [InlineData("test_limit: many\n", "'test_limit' must be an integer ≥ 1, not 'many'.")]
    [InlineData("fitness: median\n", "unknown fitness 'median'")]
    public void A_run_setting_out_of_range_is_refused_with_its_line(string extra, string fragment)
    {
        _family.WriteSearchConfig("- pso: {steps: 0}");
        File.WriteAllText(_family.SearchConfig, File.ReadAllText(_family.SearchConfig).Replace("threads: 1\n", "").Replace("budget: 2\n", "") + extra);
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
