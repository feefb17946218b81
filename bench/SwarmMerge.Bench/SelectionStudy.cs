using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SwarmMerge.Evaluation;
using SwarmMerge.Inference;
using SwarmMerge.IO;
using SwarmMerge.Merging;
using SwarmMerge.Search;
using SwarmMerge.Search.Runs;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Bench;

/// <summary>
/// <c>selection-study</c>: the raw material for choosing how a search selects its result. One PSO run per seed and
/// held-out share, its fitness on the search rows only; every candidate is also scored, row by row, on the held-back
/// rows and on the test split, and so are data-free merges over parameter grids. Writes one JSON line per model, for
/// selection rules to be compared offline (tools/selection_rules.py).
/// </summary>
internal static class SelectionStudy
{
    public static int Run(string[] args)
    {
        var o = BenchOptions.Parse(args);
        var config = SearchConfigParser.Load(o.Text("config", "examples/light-family/search.yml"), Environment.CurrentDirectory);
        if (o.Text("experts", "") is { Length: > 0 } pick)
        {
            var names = pick.Split(',');
            config = config with { Experts = config.Experts.Where(e => names.Any(n => Path.GetFileName(e) == "expert-" + n)).ToList() };
        }
        int seeds = o.Int("seeds", 3);
        var shares = o.Text("holdout", "0,0.4").Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToList();
        string dir = Path.GetFullPath(o.Text("dir", "bench/out/selection"));
        var psoSettings = new Dictionary<string, object?>();
        foreach (var kv in o.Text("pso", "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = (kv[..kv.IndexOf('=')], kv[(kv.IndexOf('=') + 1)..]);
            psoSettings[key] = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) ? x : value;
        }
        var method = new SearchMethodConfig("pso", psoSettings);
        Directory.CreateDirectory(dir);
        for (int seed = 0; seed < seeds; seed++)
        {
            var run = config with { Seed = (ulong)seed, Methods = [method], Baselines = [] };
            Once(Path.Combine(dir, $"seed-{seed}-grids.jsonl"), output => Grids(run, Path.Combine(dir, "runs", $"seed-{seed}-grids"), output));
            foreach (double share in shares)
            {
                string name = string.Create(CultureInfo.InvariantCulture, $"seed-{seed}-holdout-{share}");
                Once(Path.Combine(dir, name + ".jsonl"), output => Pso(run, method, share, Path.Combine(dir, "runs", name), output));
            }
        }
        return 0;
    }

    // Writes OUTPUT through a partial file, once: a finished file is kept, so the study resumes where it stopped.
    private static void Once(string output, Action<StreamWriter> write)
    {
        if (File.Exists(output))
        {
            return;
        }
        Console.Error.WriteLine(output);
        using (var writer = new StreamWriter(output + ".partial"))
        {
            write(writer);
        }
        File.Move(output + ".partial", output);
    }

    private static JsonObject Rows(TaskSetScores scores) => new(scores.Correct.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)string.Concat(c.Value.Select(b => b ? '1' : '0')))));

    private static JsonObject Scores(TaskSetScores scores) => new(scores.Scores.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value)));

    private static void Write(StreamWriter writer, JsonObject record, TaskSetScores optimization, TaskSetScores test)
    {
        record["O"] = Rows(optimization);
        record["T"] = Scores(test);
        writer.WriteLine(record.ToJsonString());
        writer.Flush();
    }

    // One PSO run whose fitness is the search rows' share of right rows; every candidate's rows on the whole optimization split and its test scores are written.
    private static void Pso(SearchConfig config, SearchMethodConfig method, double share, string runDir, StreamWriter writer)
    {
        using var plan = SearchRunPlan.Open(config, Fresh(runDir), default);
        var materializer = plan.Spaces.Of(method);
        var optimization = plan.Optimization;
        var heldBack = optimization.Tasks.ToDictionary(t => t.Spec.Name, t => new HashSet<int>());
        if (share > 0)
        {
            var (_, held) = optimization.HoldOut(share, config.Seed);
            foreach (var task in held.Tasks)
            {
                var all = optimization.Tasks.First(t => t.Spec.Name == task.Spec.Name).Rows;
                foreach (var row in task.Rows)
                {
                    heldBack[task.Spec.Name].Add(all.ToList().IndexOf(row));
                }
            }
        }
        writer.WriteLine(new JsonObject { ["kind"] = "split", ["held"] = new JsonObject(heldBack.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)new JsonArray(h.Value.Order().Select(i => (JsonNode)i).ToArray())))) }.ToJsonString());
        var test = plan.TaskFile.LoadTest(null);
        using var model = EvaluationModel.Open(config.BaseModel, new InferenceOptions { Threads = config.Threads });
        var pso = SearchMethods.Create(method, config, materializer, plan.Budget);
        SearchSession.Run(pso, candidate =>
        {
            materializer.MaterializeInto(candidate, model.Model.Weights);
            var o = model.Evaluate(optimization, null);
            var t = model.Evaluate(test, null);
            Write(writer, new JsonObject { ["kind"] = "candidate", ["step"] = candidate.Step, ["member"] = candidate.Member,
                ["values"] = new JsonArray(candidate.Values.Select(v => (JsonNode)v).ToArray()) }, o, t);
            var scores = o.Correct.ToDictionary(c => c.Key, c =>
            {
                var rows = c.Value.Where((_, i) => !heldBack[c.Key].Contains(i)).ToList();
                return 100.0 * rows.Count(b => b) / rows.Count;
            });
            return EvaluationOutcome.Succeeded(scores);
        }, new SearchOptions { MaxEvaluations = plan.Budget });
    }

    // Data-free merges over grids of their parameters, on the whole optimization split and the test split.
    private static void Grids(SearchConfig config, string runDir, StreamWriter writer)
    {
        using var plan = SearchRunPlan.Open(config, Fresh(runDir), default);
        var test = plan.TaskFile.LoadTest(null);
        using var model = EvaluationModel.Open(config.BaseModel, new InferenceOptions { Threads = config.Threads });
        var grids = new List<(string Method, Dictionary<string, object?> Parameters)>();
        foreach (double lambda in new[] { 0.3, 0.5, 0.7, 1.0 })
        {
            grids.Add(("task_arithmetic", new() { ["weight"] = 1.0, ["lambda"] = lambda }));
        }
        foreach (double density in new[] { 0.3, 0.5, 0.7, 0.9 })
        {
            grids.Add(("ties", new() { ["weight"] = 1.0, ["density"] = density }));
            grids.Add(("dare_ties", new() { ["weight"] = 1.0, ["density"] = density, ["normalize"] = true }));
            if (density < 0.9)
            {
                grids.Add(("della", new() { ["weight"] = 1.0, ["density"] = density, ["epsilon"] = 0.1 }));
            }
        }
        grids.Add(("linear", new() { ["weight"] = 1.0 }));
        foreach (string expert in config.Experts)
        {
            grids.Add((expert, []));
        }
        string folder = Path.Combine(runDir, ".grid");
        foreach (var (name, parameters) in grids)
        {
            string source = folder;
            if (parameters.Count == 0)
            {
                source = name;
            }
            else
            {
                using var merge = SearchRun.BaselinePlan(config, name, parameters);
                MergeExecutor.Run(merge, folder, new MergeOptions { Overwrite = true, Threads = config.Threads, Seed = config.Seed });
            }
            using (var checkpoint = Checkpoint.Open(source))
            {
                model.Model.Weights.LoadFrom(checkpoint);
            }
            Write(writer, new JsonObject { ["kind"] = parameters.Count == 0 ? "expert" : "baseline", ["method"] = parameters.Count == 0 ? Path.GetFileName(name) : name,
                ["parameters"] = JsonSerializer.SerializeToNode(parameters) }, model.Evaluate(plan.Optimization, null), model.Evaluate(test, null));
        }
    }

    private static string Fresh(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
        return folder;
    }
}
