using System.Text.Json.Nodes;
using SwarmMerge.Evaluation;
using SwarmMerge.Search.Runs;
using SwarmMerge.Search;
using SwarmMerge.Tests.Evaluation;

namespace SwarmMerge.Tests.Search;

/// <summary>A whole <c>swarmmerge search</c> run on a tiny Llama family (the reference fixture and two perturbed copies of it).</summary>
public sealed class SearchRunTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("swarmmerge-run-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Family() => RunFamily.Write(_folder);

    [Fact]
    public void A_run_writes_log_state_merged_model_and_report_and_resumes_to_the_same_result()
    {
        string config = Family();
        string run = Path.Combine(_folder, "run");

        var result = SearchRun.Start(config, run);

        // (2n+1)·(S+1) = 5·2 evaluations for PSO; the same budget for random search.
        Assert.All(result.Searches, s => Assert.Equal(10, s.Evaluations));
        Assert.Equal(10, File.ReadAllLines(Path.Combine(run, "evaluations.jsonl")).Length);
        Assert.Equal(10, File.ReadAllLines(Path.Combine(run, "methods", "random", "evaluations.jsonl")).Length);
        Assert.True(File.Exists(Path.Combine(run, "state.json")));
        foreach (string file in new[] { "report.md", "fitness_per_step.png", "test_scores.png", "cost.png", "test_scores.json", "merged/model.safetensors", "merged/config.json", "merged/tokenizer.model" })
        {
            Assert.True(File.Exists(Path.Combine(run, file)), file);
        }
        // A config without tuned_baselines tunes its baselines' strengths (λ, density) as users do by hand.
        Assert.Equal(["base", "expert1", "expert2", "task_arithmetic", "ties", "task_arithmetic (tuned)", "ties (tuned)", "pso", "random"], result.TestScores.Keys);
        Assert.Equal([4, 4], result.TunedBaselines.Select(t => t.Evaluations));
        string report = File.ReadAllText(Path.Combine(run, "report.md"));
        Assert.Contains("| pso | 10 |", report);

        // The merged model is PSO's best: scored on its own it gets the reported test score.
        using (var merged = EvaluationModel.Open(Path.Combine(run, "merged")))
        {
            var test = TaskFile.Load(Path.Combine(_folder, "tasks.yml")).LoadTest();
            Assert.Equal(result.TestScores["pso"]["words"], merged.Evaluate(test)["words"], 9);
        }

        // The best fitness is the best of the log.
        var fitnesses = File.ReadAllLines(Path.Combine(run, "evaluations.jsonl")).Select(l => JsonNode.Parse(l)!["fitness"]!.GetValue<double>());
        Assert.Equal(fitnesses.Max(), result.Searches[0].Best!.Fitness);

        // The default PSO holds each task to 2 points below its optimization score in the best tuned baseline or expert
        // (the first of equals, tuned baselines first): every logged fitness is the score less each point under that
        // floor; random search has no floor.
        var candidates = result.TunedBaselines.Select(t => (t.Name, Score: t.ChosenScores!["words"]))
            .Concat(new[] { "expert1", "expert2" }.Select(e => (Name: e, Score: result.OptimizationScores[e]["words"]))).ToList();
        var reference = candidates.First(c => c.Score == candidates.Max(o => o.Score));
        double floor = reference.Score - 2;
        Assert.Equal(reference.Name, result.Searches[0].Floor!.ReferenceName);
        Assert.Null(result.Searches[1].Floor);
        foreach (var record in File.ReadAllLines(Path.Combine(run, "evaluations.jsonl")).Select(l => JsonNode.Parse(l)!).Where(r => r["fitness"] is not null))
        {
            double score = record["scores"]!["words"]!.GetValue<double>();
            Assert.Equal(score - Math.Max(0, floor - score), record["fitness"]!.GetValue<double>(), 9);
        }
        Assert.Contains($"**pso: task floor.** Its fitness is the run's Mean fitness less 1 × the points by which a task falls more than 2 below its score in `{reference.Name}`", report);

        // A second start into the same folder is refused; resuming replays everything and scores nothing new.
        Assert.Throws<SearchConfigException>(() => SearchRun.Start(config, run));
        var resumed = SearchRun.Resume(run);
        Assert.All(resumed.Searches, s => Assert.Equal(10, s.Replayed));
        Assert.Equal(result.Searches[0].Best!.Candidate.Values, resumed.Searches[0].Best!.Candidate.Values);
        Assert.Equal(result.TestScores["pso"], resumed.TestScores["pso"]);
    }

    [Fact]
    public void Named_searches_share_a_run_and_a_pso_entrys_anchors_are_the_data_free_merges_of_that_name_tuned_when_the_run_tunes_them()
    {
        string config = Family();
        File.WriteAllText(config, File.ReadAllText(config).Replace("  - random: {}\n", "  - pso: {preset: paper, name: pso-paper, steps: 1}\n"));
        string run = Path.Combine(_folder, "run");

        var result = SearchRun.Start(config, run);

        Assert.Equal(["pso", "pso-paper"], result.Searches.Select(s => s.Method));
        Assert.Contains("pso-paper", result.TestScores.Keys);
        Assert.Equal(10, File.ReadAllLines(Path.Combine(run, "methods", "pso-paper", "evaluations.jsonl")).Length);
        // The paper's swarm starts at its 5 members; the default one at 2 experts, 3 anchors and 4 task-arithmetic points.
        var paperStart = EvaluationLog.Read(Path.Combine(run, "methods", "pso-paper", "evaluations.jsonl")).Where(r => r.Step == 0).ToList();
        Assert.Equal(5, paperStart.Count);
        var start = EvaluationLog.Read(Path.Combine(run, "evaluations.jsonl")).Where(r => r.Step == 0).ToList();
        Assert.Equal(9, start.Count);
        Assert.Equal([0, 0, 0, 0, 0, 1, 0, 0], start[2].Values);

        // Each anchor is byte for byte the data-free merge of that name with the run's seed: TIES, which the run tunes,
        // with the density its tuned baseline picked (so the anchor is that baseline); the others with the defaults.
        var parsed = SearchConfigParser.Load(config, Environment.CurrentDirectory);
        var tunedTies = result.TunedBaselines.Single(t => t.Method == "ties");
        Assert.Contains(tunedTies.Chosen["density"], new object?[] { 0.3, 0.5, 0.7, 0.9 });
        foreach (var (anchor, folder, parameters) in new[] { ("ties", "ties-tuned", tunedTies.Chosen), ("dare_ties", "dare_ties", new Dictionary<string, object?>()), ("della", "della", new Dictionary<string, object?>()) })
        {
            string again = Path.Combine(_folder, "again-" + anchor);
            using (var plan = BaselinePlans.Of(parsed, anchor, parameters))
            {
                Merging.MergeExecutor.Run(plan, again, new Merging.MergeOptions { Seed = parsed.Seed, Threads = 1 });
            }
            Assert.Equal(File.ReadAllBytes(Path.Combine(again, "model.safetensors")), File.ReadAllBytes(Path.Combine(run, "anchors", folder, "model.safetensors")));
        }
        Assert.False(Directory.Exists(Path.Combine(run, "anchors", "ties")));
        Assert.Equal(["base", "expert1", "expert2", "sparse1", "sparse2", "ties (tuned)", "dare_ties", "della"],
            JsonNode.Parse(File.ReadAllText(Path.Combine(run, "merged", "swarmmerge_candidate.json")))!["members"]!.AsArray().Select(m => m!.GetValue<string>()));

        // Resuming reuses the anchors and replays every evaluation.
        var resumed = SearchRun.Resume(run);
        Assert.All(resumed.Searches, s => Assert.Equal(10, s.Replayed));
    }

    [Fact]
    public void An_external_evaluator_scores_written_candidates_and_is_told_the_split()
    {
        string config = Family();
        string calls = Path.Combine(_folder, "calls.log");
        // A deterministic score from the candidate's bytes; every call logs the split it was asked for.
        string script = $"echo \"$2\" >> {calls}; h=$(sha256sum \"$1/model.safetensors\" | cut -c1-4); echo \"{{\\\"words\\\": $((0x$h % 100))}}\"";
        File.WriteAllText(Path.Combine(_folder, "tasks.yml"), $"evaluator:\n  command: [sh, -c, '{script}', sh, '{{model}}', '{{split}}']\n  timeout_seconds: 30\ntasks:\n  - {{name: words, metric: accuracy}}\n");
        File.WriteAllText(config, File.ReadAllText(config).Replace("  - random: {}\n", ""));

        var result = SearchRun.Start(config, Path.Combine(_folder, "run"));

        var lines = File.ReadAllLines(calls);
        // The search's candidates, each tuned baseline's grid, and each other row of the report (whose optimization-split scores it shows too).
        int grids = result.TunedBaselines.Sum(t => t.Evaluations);
        Assert.Equal(result.Searches[0].FitnessCalls + grids + result.TestScores.Count - 1 - result.TunedBaselines.Count, lines.Count(l => l == "optimization"));
        Assert.Equal(result.TestScores.Count, lines.Count(l => l == "test")); // base, 2 experts, 2 baselines, 2 tuned baselines, pso
        var log = File.ReadAllLines(Path.Combine(_folder, "run", "evaluations.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.All(log, record => Assert.InRange(record["scores"]!["words"]!.GetValue<double>(), 0, 99));
        Assert.False(Directory.Exists(Path.Combine(_folder, "run", ".candidate")));
    }

    [Fact]
    public void Config_errors_name_the_key()
    {
        string config = Family();
        File.AppendAllText(config, "\nbudgett: 4\n");
        var error = Assert.Throws<SearchConfigException>(() => SearchRun.Start(config, Path.Combine(_folder, "run")));
        Assert.Contains("unknown key 'budgett'", error.Message);

        File.WriteAllText(config, File.ReadAllText(config).Replace("\nbudgett: 4\n", "").Replace("steps: 1", "stepz: 1"));
        var settingError = Assert.Throws<SearchConfigException>(() => SearchRun.Start(config, Path.Combine(_folder, "run2")));
        Assert.True(settingError.Message.Contains("unknown setting 'stepz'"), settingError.Message);
    }
}
