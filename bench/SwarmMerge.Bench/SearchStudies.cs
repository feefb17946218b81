using System.Globalization;
using System.Text;
using ScottPlot;
using SwarmMerge.Search.Runs;
using SwarmMerge.Search;

namespace SwarmMerge.Bench;

/// <summary>
/// The search studies on a model family: every method and baseline over several seeds (test scores with
/// spread, evaluations, time), best fitness against evaluations used, and PSO ablations. Each writes a
/// Markdown table and PNG plots under <c>--dir</c>.
/// </summary>
internal static class SearchStudies
{
    // Every search, PSO twice: SwarmMerge's default and the paper's algorithm.
    private static readonly SearchMethodConfig[] AllMethods =
    [
        new(SearchKind.Pso, new Dictionary<string, object?>()),
        // The default before tuned anchors and the task floor, and the default without its floor.
        new(SearchKind.Pso, new Dictionary<string, object?> { ["tuned_anchors"] = false, ["floor"] = "none" }) { Name = "pso-previous" },
        new(SearchKind.Pso, new Dictionary<string, object?> { ["floor"] = "none" }) { Name = "pso-no-floor" },
        new(SearchKind.Pso, new Dictionary<string, object?> { ["holdout"] = 0.3 }) { Name = "pso-holdout" },
        new(SearchKind.Pso, new Dictionary<string, object?> { ["preset"] = "paper" }) { Name = "pso-paper" },
        new(SearchKind.CmaEs, new Dictionary<string, object?>()),
        new(SearchKind.Evo, new Dictionary<string, object?>()),
        new(SearchKind.ModelSwarms, new Dictionary<string, object?>()),
        new(SearchKind.Random, new Dictionary<string, object?>()),
    ];

    private static readonly string[] DefaultBaselines = ["task_arithmetic", "ties", "dare_ties", "della"];

    // The grids a user tunes by hand (DELLA's density stops at 0.7: with its ε 0.1, density + ε must stay below 1).
    private static readonly (string, IReadOnlyDictionary<string, object?>)[] DefaultTunedBaselines =
    [
        ("task_arithmetic", new Dictionary<string, object?> { ["lambda"] = new List<object?> { 0.3, 0.5, 0.7, 1.0 } }),
        ("ties", new Dictionary<string, object?> { ["density"] = new List<object?> { 0.3, 0.5, 0.7, 0.9 } }),
        ("dare_ties", new Dictionary<string, object?> { ["density"] = new List<object?> { 0.3, 0.5, 0.7, 0.9 } }),
        ("della", new Dictionary<string, object?> { ["density"] = new List<object?> { 0.3, 0.5, 0.7 } }),
    ];

    /// <summary><c>methods</c>: every search and baseline, <c>--seeds</c> seeds; also writes the fitness-against-evaluations curves.</summary>
    public static int Methods(string[] args)
    {
        var o = BenchOptions.Parse(args);
        var config = SearchConfigParser.Load(o.Text("config", "examples/light-family/search.yml"), Environment.CurrentDirectory);
        int seeds = o.Int("seeds", 3);
        string dir = Path.GetFullPath(o.Text("dir", "bench/out/search"));
        string loadAtStart = MachineInfo.LoadAverage();
        config = config with
        {
            Methods = AllMethods.Select(m => config.Methods.FirstOrDefault(c => c.Name == m.Name) ?? m).ToList(),
            Baselines = config.Baselines.Count > 0 ? config.Baselines : [.. DefaultBaselines.Select(b => (b, (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>()))],
            TunedBaselines = config.TunedBaselines.Count > 0 ? config.TunedBaselines : DefaultTunedBaselines,
            EarlyStopping = true,
        };
        var runs = new List<SearchRunResult>();
        var fullScoring = new List<SearchRunResult>();
        for (int seed = 0; seed < seeds; seed++)
        {
            string run = Fresh(Path.Combine(dir, "methods", $"seed-{seed}"));
            Console.Error.WriteLine($"seed {seed}: {run}");
            runs.Add(SearchRun.Execute(config with { Seed = (ulong)seed }, run, null, default));
            if (o.Text("early-stopping", "") == "compare")
            {
                // The same run with every candidate scored in full, side by side: what early stopping saves.
                string full = Fresh(Path.Combine(dir, "methods", $"seed-{seed}-full-scoring"));
                Console.Error.WriteLine($"seed {seed}, full scoring: {full}");
                fullScoring.Add(SearchRun.Execute(config with { Seed = (ulong)seed, EarlyStopping = false, Baselines = [], TunedBaselines = [] }, full, null, default));
            }
        }

        var tasks = runs[0].TestScores.Values.First().Keys.ToList();
        var text = new StringBuilder();
        text.AppendLine($"# Methods × tasks: {config.Experts.Count} experts of `{Path.GetFileName(Path.GetDirectoryName(config.BaseModel))}`, {seeds} seeds");
        text.AppendLine();
        text.AppendLine(Machine(config, loadAtStart));
        text.AppendLine($"Budget {runs[0].Searches[0].Evaluations} evaluations per search. Test-split scores: mean ± standard deviation over seeds (data-free rows and the base/experts do not depend on the seed, except DARE's masks). Peak RSS of the whole benchmark process: {PageCache.PeakResidentBytes() / 1e6:F0} MB.");
        text.AppendLine();
        text.AppendLine("Δ best data-free: the row's test mean minus that of the best data-free merge of the same seed (tuned ones included, picked by test mean, "
            + "so the comparison is against the best a user could have had); worst task Δ: the row's largest drop below that merge on one task (mean over seeds of each seed's worst). "
            + "Gap: optimization mean (a search's on the rows it searched with) minus test mean. Evaluations: a search's budget; a tuned baseline's grid.");
        text.AppendLine();
        text.AppendLine($"| model | kind | {string.Join(" | ", tasks)} | mean | normalized mean | Δ best data-free | worst task Δ | gap | evaluations | scoring time (s) |");
        text.AppendLine($"|---|---|{string.Concat(tasks.Select(_ => "---:|"))}---:|---:|---:|---:|---:|---:|---:|");
        foreach (string row in runs[0].TestScores.Keys)
        {
            var perSeed = runs.Select(r => r.TestScores[row]).ToList();
            var searches = runs.Select(r => r.Searches.FirstOrDefault(s => s.Method == row)).Where(s => s is not null).ToList();
            var tuned = runs.Select(r => r.TunedBaselines.FirstOrDefault(t => t.Name == row)).Where(t => t is not null).ToList();
            string cost = searches.Count > 0 ? $"| {searches.Average(s => s!.Evaluations):F0} | {Spread(searches.Select(s => s!.ScoringSeconds))} "
                : tuned.Count > 0 ? $"| {tuned.Average(t => t!.Evaluations):F0} | {Spread(tuned.Select(t => t!.Seconds))} "
                : "| | ";
            var best = runs.Select(BestDataFree).ToList();
            string delta = Spread(runs.Select((r, i) => r.TestScores[row].Values.Average() - r.TestScores[best[i]].Values.Average()));
            string worst = Spread(runs.Select((r, i) => tasks.Min(t => r.TestScores[row][t] - r.TestScores[best[i]][t])));
            string gap = runs.All(r => r.OptimizationScores.ContainsKey(row))
                ? Spread(runs.Select(r => r.OptimizationScores[row].Values.Average() - r.TestScores[row].Values.Average())) : "";
            text.AppendLine($"| {row} | {runs[0].RowKinds[row]} | {string.Join(" | ", tasks.Select(t => Spread(perSeed.Select(s => s[t]))))} | {Spread(perSeed.Select(s => s.Values.Average()))} | {Spread(runs.Select(r => r.NormalizedMean(row)))} | {delta} | {worst} | {gap} {cost}|");
        }
        text.AppendLine();
        text.AppendLine($"Best data-free merge per seed: {string.Join("; ", runs.Select((r, i) => $"seed {i} {BestDataFree(r)} {r.TestScores[BestDataFree(r)].Values.Average():F1}"))}.");
        text.AppendLine();
        if (fullScoring.Count > 0)
        {
            text.AppendLine(EarlyStoppingTable(runs, fullScoring));
        }
        text.AppendLine("![best fitness against evaluations](curves.png)");
        text.AppendLine();
        text.AppendLine(Curves(runs, config, Path.Combine(dir, "curves.png")));
        string table = Path.Combine(dir, "methods.md");
        File.WriteAllText(table, text.ToString());
        Console.WriteLine(text);
        Console.Error.WriteLine($"written to {table}");
        return 0;
    }

    // The data-free row (tuned or not) with the best test mean, first of equals.
    private static string BestDataFree(SearchRunResult run) =>
        run.RowKinds.Where(k => k.Value.StartsWith("data-free", StringComparison.Ordinal)).Select(k => k.Key)
            .OrderByDescending(r => run.TestScores[r].Values.Average()).First();

    // Scoring time of every search with early stopping and with full scoring, and whether both gave the same result.
    private static string EarlyStoppingTable(List<SearchRunResult> early, List<SearchRunResult> full)
    {
        var table = new StringBuilder();
        table.AppendLine("## Early stopping");
        table.AppendLine();
        table.AppendLine("Each seed run twice, one after the other on the same machine: candidates scored in rounds of 8 rows per task and stopped once they cannot beat their threshold, and every candidate scored in full. "
            + "Scoring time: mean ± sd over seeds; same result: the search's best candidate and its test scores are identical in both runs, on every seed.");
        table.AppendLine();
        table.AppendLine("| search | stopped early | scoring time, early stopping (s) | scoring time, full (s) | ratio | same result |");
        table.AppendLine("|---|---:|---:|---:|---:|---|");
        for (int i = 0; i < early[0].Searches.Count; i++)
        {
            string name = early[0].Searches[i].Method;
            bool same = early.Zip(full).All(p => p.First.Searches[i].Best!.Candidate.Values.SequenceEqual(p.Second.Searches[i].Best!.Candidate.Values)
                && p.First.TestScores[name].OrderBy(t => t.Key).SequenceEqual(p.Second.TestScores[name].OrderBy(t => t.Key)));
            double ratio = early.Sum(r => r.Searches[i].ScoringSeconds) / full.Sum(r => r.Searches[i].ScoringSeconds);
            table.AppendLine($"| {name} | {early.Average(r => r.Searches[i].StoppedEarly):F1} of {early[0].Searches[i].Evaluations} | {Spread(early.Select(r => r.Searches[i].ScoringSeconds))} | "
                + $"{Spread(full.Select(r => r.Searches[i].ScoringSeconds))} | {ratio:F2} | {(same ? "yes" : "**no**")} |");
        }
        return table.ToString();
    }

    /// <summary><c>ablations</c>: PSO with one setting changed at a time.</summary>
    public static int Ablations(string[] args)
    {
        var o = BenchOptions.Parse(args);
        var config = SearchConfigParser.Load(o.Text("config", "examples/light-family/search.yml"), Environment.CurrentDirectory);
        string dir = Path.GetFullPath(o.Text("dir", "bench/out/search"));
        int seeds = o.Int("seeds", 2);
        string loadAtStart = MachineInfo.LoadAverage();
        // One change at a time from the default preset, towards the paper: which of the default's departures pays.
        (string Name, Dictionary<string, object?> Settings)[] variants =
        [
            ("default preset", []),
            ("the paper's w = 0.2, c1 = c2 = 2", new() { ["w"] = 0.2, ["c1"] = 2.0, ["c2"] = 2.0 }),
            ("start at the members (the paper), anchors kept", new() { ["start"] = "members" }),
            ("no anchor members", new() { ["anchors"] = new List<object?>() }),
            ("no task-arithmetic starts (lambdas: [])", new() { ["lambdas"] = new List<object?>() }),
            ("without sparsified experts", new() { ["sparsified"] = false }),
            ("granularity: layer, tied_steps 2", new() { ["granularity"] = "layer", ["tied_steps"] = 2.0 }),
            ("r: coefficient", new() { ["r"] = "coefficient" }),
            ("preset: paper", new() { ["preset"] = "paper" }),
        ];
        var rows = new StringBuilder();
        for (int v = 0; v < variants.Length; v++)
        {
            var results = new List<SearchRunResult>();
            for (int seed = 0; seed < seeds; seed++)
            {
                var settings = new Dictionary<string, object?>(SpaceSettings.FirstPsoEntry(config).Values);
                foreach (var (key, value) in variants[v].Settings)
                {
                    settings[key] = value;
                }
                var variant = config with { Methods = [new SearchMethodConfig(SearchKind.Pso, settings)], Baselines = [], Seed = (ulong)seed };
                Console.Error.WriteLine($"{variants[v].Name}, seed {seed}");
                results.Add(SearchRun.Execute(variant, Fresh(Path.Combine(dir, "ablations", $"variant-{v}", $"seed-{seed}")), null, default));
            }
            rows.AppendLine($"| {variants[v].Name} | {results[0].Searches[0].Evaluations} | {Spread(results.Select(r => r.Searches[0].Best!.Fitness))} | {Spread(results.Select(r => r.TestScores[r.Searches[0].Method].Values.Average()))} | {Spread(results.Select(r => r.Searches[0].ScoringSeconds))} |");
        }
        var text = new StringBuilder();
        text.AppendLine("# PSO ablations");
        text.AppendLine();
        text.AppendLine(Machine(config, loadAtStart));
        text.AppendLine($"One setting changed at a time from the default preset ({PresetText(PsoPresets.Default)}); {seeds} seeds (mean ± standard deviation). Budget: the config's (else (2n+1)·(S+1) evaluations) for every variant; a variant with fewer particles ends at its steps first.");
        text.AppendLine();
        text.AppendLine("| variant | evaluations | best optimization fitness | test mean | scoring time (s) |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        text.Append(rows);
        string table = Path.Combine(dir, "ablations.md");
        File.WriteAllText(table, text.ToString());
        Console.WriteLine(text);
        Console.Error.WriteLine($"written to {table}");
        return 0;
    }

    // A preset's settings as "key value" pairs, lists in brackets.
    private static string PresetText(IReadOnlyDictionary<string, object?> preset) => string.Join(", ", preset.Select(p => p.Value switch
    {
        bool flag => $"{p.Key} {(flag ? "true" : "false")}",
        IEnumerable<object?> list when p.Value is not string => $"{p.Key} [{string.Join(", ", list.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)))}]",
        _ => $"{p.Key} {Convert.ToString(p.Value, CultureInfo.InvariantCulture)}",
    }));

    /// <summary>Best fitness so far against evaluations used, mean over seeds, per search; returns a table of it at a few budgets.</summary>
    private static string Curves(List<SearchRunResult> runs, SearchConfig config, string png)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var table = new StringBuilder();
        var marks = new[] { 0.25, 0.5, 0.75, 1.0 };
        table.AppendLine($"| search | {string.Join(" | ", marks.Select(m => $"best fitness after {m:P0} of the budget"))} |");
        table.AppendLine($"|---|{string.Concat(marks.Select(_ => "---:|"))}");
        for (int i = 0; i < config.Methods.Count; i++)
        {
            var curves = runs.Select(run =>
            {
                string folder = i == 0 ? run.Directory : Path.Combine(run.Directory, "methods", config.Methods[i].Name);
                double best = double.NegativeInfinity;
                return EvaluationLog.Read(Path.Combine(folder, EvaluationLog.FileName)).Select(r => best = Math.Max(best, r.Fitness ?? double.NegativeInfinity)).ToArray();
            }).ToList();
            int length = curves.Min(c => c.Length);
            var mean = Enumerable.Range(0, length).Select(k => curves.Average(c => c[k])).ToArray();
            var line = plot.Add.Scatter(Enumerable.Range(1, length).Select(k => (double)k).ToArray(), mean);
            line.LegendText = runs[0].Searches[i].Method;
            line.Color = palette.GetColor(i);
            line.MarkerSize = 0;
            table.AppendLine($"| {runs[0].Searches[i].Method} | {string.Join(" | ", marks.Select(m => mean[Math.Max(0, (int)Math.Ceiling(m * length) - 1)].ToString("F1", CultureInfo.InvariantCulture)))} |");
        }
        plot.Title("Best optimization fitness against evaluations used (mean over seeds)");
        plot.XLabel("evaluations");
        plot.YLabel("best fitness so far");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(png, 900, 450);
        return table.ToString();
    }

    private static string Spread(IEnumerable<double> values)
    {
        var list = values.ToList();
        double mean = list.Average();
        double sd = list.Count > 1 ? Math.Sqrt(list.Sum(x => (x - mean) * (x - mean)) / (list.Count - 1)) : 0;
        return list.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $"{mean:F1} ± {sd:F1}") : mean.ToString("F1", CultureInfo.InvariantCulture);
    }

    private static string Fresh(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
        return folder;
    }

    private static string Machine(SearchConfig config, string loadAtStart) =>
        $"Machine: {MachineInfo.Describe()}; {config.Threads} threads. Load average at start {loadAtStart}, at the end {MachineInfo.LoadAverage()}.";
}
