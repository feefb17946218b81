using System.Text.Json.Nodes;
using SwarmMerge.Evaluation;
using SwarmMerge.Merging;
using SwarmMerge.Search;
using SwarmMerge.Search.Runs;
using SwarmMerge.Tests.Evaluation;

namespace SwarmMerge.Tests.Search;

/// <summary>
/// Whole runs on the bundled light family (50 optimization rows per task, so scoring in rounds of 8 can stop early):
/// early stopping changes nothing but the time spent, selection on held-back rows keeps its promise, and tuned
/// baselines pick the best of their grid.
/// </summary>
public sealed class EarlyStoppingAndSelectionTests : IDisposable
{
    private static readonly string Family = Path.Combine(SharedData.RepositoryRoot, "examples", "light-family");
    private readonly TestModels.TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Config(string name, string methods, string extra = "")
    {
        string path = _temp[name + ".yml"];
        File.WriteAllText(path, $"""
            base_model: {Family}/base
            models: [{Family}/expert-sentiment, {Family}/expert-category, {Family}/expert-plural, {Family}/expert-antonym]
            tasks: {Family}/tasks.yml
            methods:
            {methods}
            budget: 24
            test_limit: 8
            seed: 1
            threads: 2
            {extra}
            """);
        return path;
    }

    private static List<JsonNode> Log(string run, string method, bool first) =>
        File.ReadAllLines(first ? Path.Combine(run, "evaluations.jsonl") : Path.Combine(run, "methods", method, "evaluations.jsonl"))
            .Select(l => JsonNode.Parse(l)!).ToList();

    [Fact]
    public void Early_stopping_gives_the_same_trajectory_and_result_as_full_scoring_and_logs_the_bounds()
    {
        const string methods = "  - pso: {}\n  - cma_es: {}\n  - random: {}";
        // A tuned baseline gives the default PSO its tuned anchor and its task floor, whose penalty the bounds carry.
        const string tuned = "baselines: [ties]\ntuned_baselines: {ties: {density: [0.3, 0.7]}}";
        var full = SearchRun.Start(Config("full", methods, tuned + "\nearly_stopping: false"), _temp["full"]);
        var early = SearchRun.Start(Config("early", methods, tuned), _temp["early"]);
        Assert.NotNull(early.Searches[0].Floor);
        Assert.Null(early.Searches[1].Floor);

        int stopped = 0;
        foreach (var (name, index) in new[] { ("pso", 0), ("cma_es", 1), ("random", 2) })
        {
            var a = Log(_temp["full"], name, index == 0);
            var b = Log(_temp["early"], name, index == 0);
            Assert.Equal(a.Count, b.Count);
            for (int i = 0; i < a.Count; i++)
            {
                // The same candidate at every position: the search moved exactly as with full scoring.
                Assert.Equal(a[i]["step"]!.GetValue<int>(), b[i]["step"]!.GetValue<int>());
                Assert.Equal(a[i]["member"]!.GetValue<int>(), b[i]["member"]!.GetValue<int>());
                Assert.Equal(a[i]["coefficients"]!.ToJsonString(), b[i]["coefficients"]!.ToJsonString());
                double exact = a[i]["fitness"]!.GetValue<double>();
                Assert.Null(a[i]["fitness_bound"]);
                if (b[i]["fitness_bound"] is { } bound)
                {
                    // Stopped: the bound is a true upper bound, and it proves the candidate could not beat its threshold.
                    stopped++;
                    double threshold = b[i]["threshold"]!.GetValue<double>();
                    Assert.Null(b[i]["fitness"]);
                    Assert.True(bound.GetValue<double>() >= exact - 1e-9, $"{name} #{i}: bound {bound} below the exact fitness {exact}");
                    Assert.True(bound.GetValue<double>() <= threshold + 1e-9, $"{name} #{i}: bound {bound} above its threshold {threshold}");
                    Assert.True(exact <= threshold + 1e-9);
                }
                else
                {
                    Assert.Equal(exact, b[i]["fitness"]!.GetValue<double>(), 12);
                }
            }
            Assert.Equal(full.Searches[index].Best!.Candidate.Values, early.Searches[index].Best!.Candidate.Values);
            Assert.Equal(full.Searches[index].Best!.Fitness, early.Searches[index].Best!.Fitness, 12);
            Assert.Equal(full.TestScores[name], early.TestScores[name]);
            Assert.Equal(0, full.Searches[index].StoppedEarly);
        }
        Assert.True(stopped > 0, "no candidate stopped early, so this test checked nothing");
        Assert.Equal(stopped, early.Searches.Sum(s => s.StoppedEarly));
    }

    [Fact]
    public void Held_back_rows_are_a_seeded_disjoint_part_of_every_task()
    {
        var tasks = TaskFile.Load(Path.Combine(Family, "tasks.yml")).LoadOptimization();
        var (search, selection) = tasks.HoldOut(0.3, 7);
        var again = tasks.HoldOut(0.3, 7);
        var other = tasks.HoldOut(0.3, 8);
        for (int t = 0; t < tasks.Tasks.Count; t++)
        {
            var all = tasks.Tasks[t].Rows;
            Assert.Equal(15, selection.Tasks[t].Rows.Count); // 30 % of 50
            Assert.Equal(35, search.Tasks[t].Rows.Count);
            Assert.Equal(all.Count, search.Tasks[t].Rows.Concat(selection.Tasks[t].Rows).Distinct().Count());
            Assert.Equal(selection.Tasks[t].Rows, again.Selection.Tasks[t].Rows);
            Assert.NotEqual(selection.Tasks[t].Rows, other.Selection.Tasks[t].Rows);
            // Both parts keep the file's order.
            Assert.Equal(search.Tasks[t].Rows, all.Where(r => search.Tasks[t].Rows.Contains(r)));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => tasks.HoldOut(1, 7));
    }

    [Fact]
    public void Selection_returns_the_search_best_only_when_it_beats_the_incumbent_on_the_held_back_rows()
    {
        var result = SearchRun.Start(Config("held", "  - pso: {holdout: 0.3}"), _temp["held"]);
        var search = result.Searches[0];
        var report = search.Selection!;
        Assert.Equal(24, search.Evaluations);
        var log = Log(_temp["held"], "pso", first: true);
        Assert.Equal(ResultSelection.Evaluations, log.Count(r => r["rows"]?.GetValue<string>() == "selection"));

        // Independently: score the incumbent and the search's best on the held-back rows from their records' fitness.
        var heldOut = log.Where(r => r["rows"]?.GetValue<string>() == "selection").Select(r => r["fitness"]!.GetValue<double>()).ToList();
        double incumbent = report.IncumbentHeldOut!.Values.Average(), best = report.SearchBestHeldOut!.Values.Average();
        Assert.Equal(heldOut.Order(), new[] { incumbent, best }.Order());
        Assert.Same(best > incumbent ? report.SearchBest : report.Incumbent, report.Chosen);
        Assert.Equal(report.Chosen.Candidate.Values, search.Best!.Candidate.Values);
        // The promise: never worse than the best starting merge on the held-back rows.
        Assert.True((search.Best == report.SearchBest ? best : incumbent) >= incumbent);
        // The incumbent is the best of step 0 on the search rows.
        double stepZero = log.Where(r => r["step"]!.GetValue<int>() == 0 && r["rows"] is null).Max(r => r["fitness"]!.GetValue<double>());
        Assert.Equal(stepZero, report.Incumbent.Fitness, 12);
    }

    [Fact]
    public void A_tuned_baseline_is_the_best_point_of_its_grid_scored_like_any_merge()
    {
        var result = SearchRun.Start(Config("tuned", "  - random: {}", "tuned_baselines: {task_arithmetic: {lambda: [0.3, 0.7]}}"), _temp["tuned"]);
        var tuned = Assert.Single(result.TunedBaselines);
        Assert.Equal("task_arithmetic (tuned)", tuned.Name);
        Assert.Equal(2, tuned.Evaluations);

        // Each grid point's fitness is the mean optimization score of that merge, made and scored here directly.
        var tasks = TaskFile.Load(Path.Combine(Family, "tasks.yml")).LoadOptimization();
        var expected = new List<double>();
        foreach (double lambda in new[] { 0.3, 0.7 })
        {
            string models = string.Concat(new[] { "sentiment", "category", "plural", "antonym" }.Select(s => $"  - model: {Family}/expert-{s}\n    parameters: {{weight: 1.0}}\n"));
            File.WriteAllText(_temp[$"ta-{lambda}.yml"], $"merge_method: task_arithmetic\nbase_model: {Family}/base\nmodels:\n{models}parameters: {{lambda: {lambda}}}\n");
            using (var plan = MergePlanner.Create(MergeConfigParser.Load(_temp[$"ta-{lambda}.yml"]), _temp.Path))
            {
                MergeExecutor.Run(plan, _temp[$"ta-{lambda}"], new MergeOptions { Threads = 2, Seed = 1 });
            }
            using var model = EvaluationModel.Open(_temp[$"ta-{lambda}"]);
            expected.Add(model.Evaluate(tasks).Values.Average());
        }
        Assert.Equal(expected[0], tuned.Grid[0].Fitness!.Value, 9);
        Assert.Equal(expected[1], tuned.Grid[1].Fitness!.Value, 9);
        Assert.Equal(expected[1] > expected[0] ? 0.7 : 0.3, (double)tuned.Chosen["lambda"]!);
        Assert.Equal("data-free (tuned)", result.RowKinds[tuned.Name]);
        Assert.Contains("| task_arithmetic (tuned) |", File.ReadAllText(Path.Combine(_temp["tuned"], "report.md")));
    }

    [Theory]
    [InlineData("  - pso: {task_floor: 5}", "", "'task_floor' selects the result on held-back rows, but 'holdout' holds none back")]
    [InlineData("  - pso: {holdout: 1}", "", "'holdout' must be")]
    [InlineData("  - cma_es: {holdout: -0.1}", "", "'holdout' must be")]
    [InlineData("  - pso: {}", "tuned_baselines: {ties: {density: []}}", "ties: 'density' lists no value to try")]
    [InlineData("  - pso: {}", "tuned_baselines: [ties]", "'tuned_baselines' maps merge methods to the values to try")]
    [InlineData("  - pso: {}", "early_stopping: maybe", "early_stopping")]
    public void Selection_and_tuning_settings_are_checked_before_any_work(string methods, string extra, string message)
    {
        string run = _temp["bad"];
        var error = Assert.Throws<SearchConfigException>(() => SearchRun.Start(Config("bad", methods, extra), run));
        Assert.Contains(message, error.Message);
        Assert.False(Directory.Exists(run));
    }
}
