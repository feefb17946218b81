using System.Globalization;
using System.Text;
using ScottPlot;
using SwarmMerge.Search;

namespace SwarmMerge.Search.Runs;

/// <summary>
/// Writes a run's <c>report.md</c> and its PNG plots: best and mean fitness per step of each search, held-out
/// test scores per task of base, experts, data-free merges and searched merges, and the cost of each search.
/// </summary>
public static class SearchReport
{
    /// <summary>Writes the report into the run folder.</summary>
    public static void Write(SearchRunResult result, SearchConfig config, int budget)
    {
        string directory = result.Directory;
        var tasks = result.TestScores.Values.First().Keys.ToList();
        var text = new StringBuilder();
        text.AppendLine("# Search report");
        text.AppendLine();
        text.AppendLine($"- Base: `{config.BaseModel}`");
        text.AppendLine($"- Experts ({config.Experts.Count}): {string.Join(", ", config.Experts.Select(e => $"`{Path.GetFileName(e)}`"))}");
        text.AppendLine($"- Tasks: `{config.Tasks}` ({string.Join(", ", tasks)}); fitness: {config.Fitness} of optimization-split scores");
        text.AppendLine($"- Budget: {budget} evaluations per search; seed {config.Seed}; {config.Threads} threads on {Environment.ProcessorCount} cores");
        text.AppendLine($"- Best model of `{result.Searches[0].Method}` written to `merged/`");
        text.AppendLine();

        text.AppendLine("## Searches (optimization split)");
        text.AppendLine();
        text.AppendLine("| search | evaluations | scored | stopped early | stopped by | best fitness | result | scoring time (s) | wall time (s) |");
        text.AppendLine("|---|---:|---:|---:|---|---:|---|---:|---:|");
        foreach (var s in result.Searches)
        {
            string chosen = s.Selection is null ? "its best" : ReferenceEquals(s.Selection.Chosen, s.Selection.SearchBest) ? "its best (held-back rows agree)" : "the incumbent (held-back rows)";
            text.AppendLine(Invariant($"| {s.Method} | {s.Evaluations} | {s.FitnessCalls} | {s.StoppedEarly} | {s.StoppedBy} | {s.SearchBest?.Fitness ?? s.Best?.Fitness:F2} | {chosen} | {s.ScoringSeconds:F1} | {s.WallSeconds:F1} |"));
        }
        text.AppendLine();
        text.AppendLine("Wall time is this process's part of the run (a resumed run replays finished evaluations from the log); scoring time covers the whole run. "
            + "Stopped early: candidates whose scoring stopped once they could no longer beat the threshold their search gave them (the log records their bound).");
        text.AppendLine();
        foreach (var s in result.Searches.Where(s => s.Selection is not null))
        {
            var sel = s.Selection!;
            string outcome = ReferenceEquals(sel.Chosen, sel.SearchBest) ? "the search's best" : "the incumbent";
            text.AppendLine(Invariant($"**{s.Method}: selection on held-back rows.** The incumbent (the best of step 0: member {sel.Incumbent.Candidate.Member}, fitness {sel.Incumbent.Fitness:F2} on the search rows) against the search's best (step {sel.SearchBest.Candidate.Step}, member {sel.SearchBest.Candidate.Member}, fitness {sel.SearchBest.Fitness:F2}): {sel.Reason}; the result is {outcome}."));
            text.AppendLine();
        }
        foreach (var s in result.Searches.Where(s => s.Floor is not null))
        {
            var floor = s.Floor!;
            string reference = string.Join(", ", floor.Reference.Select(r => Invariant($"{r.Key} {r.Value:F1}")));
            string shortfall = s.Best is { Outcome.Success: true } best ? Invariant($"{floor.Shortfall(best.Outcome.Scores):F1}") : "—";
            text.AppendLine(Invariant($"**{s.Method}: task floor.** Its fitness is the run's {config.Fitness} fitness less {floor.Penalty:G4} × the points by which a task falls more than {floor.Points:G4} below its score in `{floor.ReferenceName}`, the best tuned baseline or expert on the optimization split ({reference}); its result falls {shortfall} points below that floor in all."));
            text.AppendLine();
        }
        if (result.TunedBaselines.Count > 0)
        {
            text.AppendLine("## Tuned baselines (optimization split)");
            text.AppendLine();
            text.AppendLine("| baseline | values tried (fitness) | picked | evaluations | time (s) |");
            text.AppendLine("|---|---|---|---:|---:|");
            var grids = config.TunedBaselines.ToDictionary(b => TunedBaseline.RowName(b.Method), b => b.Grid, StringComparer.Ordinal);
            foreach (var tuned in result.TunedBaselines)
            {
                var grid = grids[tuned.Name];
                string tried = string.Join("; ", tuned.Grid.Select(g => $"{TunedBaseline.Describe(g.Parameters, grid)}: {(g.Fitness is double f ? f.ToString("F2", CultureInfo.InvariantCulture) : "failed")}"));
                text.AppendLine(Invariant($"| {tuned.Name} | {tried} | {TunedBaseline.Describe(tuned.Chosen, grid)} | {tuned.Evaluations} | {tuned.Seconds:F1} |"));
            }
            text.AppendLine();
        }

        text.AppendLine("## Held-out test split");
        text.AppendLine();
        text.AppendLine($"| model | kind | {string.Join(" | ", tasks)} | mean | normalized mean | optimization mean | gap |");
        text.AppendLine($"|---|---|{string.Concat(tasks.Select(_ => "---:|"))}---:|---:|---:|---:|");
        foreach (var (row, scores) in result.TestScores)
        {
            string optimization = result.OptimizationScores.TryGetValue(row, out var o) ? Invariant($"{o.Values.Average():F1} | {o.Values.Average() - scores.Values.Average():+0.0;-0.0}") : " | ";
            text.AppendLine(Invariant($"| {row} | {result.RowKinds[row]} | {string.Join(" | ", tasks.Select(t => scores[t].ToString("F1", CultureInfo.InvariantCulture)))} | {scores.Values.Average():F1} | {result.NormalizedMean(row):F1} | {optimization} |"));
        }
        text.AppendLine();
        text.AppendLine("Normalized mean: each task's score divided by the best expert's score on that task, ×100, averaged over tasks. "
            + "Optimization mean: the mean on the optimization split (for a search, on the rows it searched with); gap: optimization mean minus test mean, how much the selection over-rated it.");
        text.AppendLine();

        text.AppendLine("## Plots");
        text.AppendLine();
        text.AppendLine("![Fitness per step](fitness_per_step.png)");
        text.AppendLine();
        text.AppendLine("![Test scores](test_scores.png)");
        text.AppendLine();
        text.AppendLine("![Cost](cost.png)");
        File.WriteAllText(Path.Combine(directory, "report.md"), text.ToString());

        FitnessPlot(result, config).SavePng(Path.Combine(directory, "fitness_per_step.png"), 900, 450);
        TestPlot(result, tasks).SavePng(Path.Combine(directory, "test_scores.png"), 1000, 450);
        CostPlot(result).SavePng(Path.Combine(directory, "cost.png"), 800, 400);
    }

    private static Plot FitnessPlot(SearchRunResult result, SearchConfig config)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < result.Searches.Count; i++)
        {
            var search = result.Searches[i];
            string folder = i == 0 ? result.Directory : Path.Combine(result.Directory, "methods", config.Methods[i].Name);
            // Candidates stopped early have a bound, not a fitness: the mean is over the ones scored in full.
            var records = EvaluationLog.Read(Path.Combine(folder, EvaluationLog.FileName)).Where(r => r.Fitness is not null && r.Rows == ScoringRows.Search).ToList();
            var color = palette.GetColor(i);
            var best = plot.Add.Scatter(Enumerable.Range(0, search.BestByStep.Count).Select(x => (double)x).ToArray(), search.BestByStep.ToArray());
            best.LegendText = $"{search.Method}: best";
            best.Color = color;
            var steps = records.GroupBy(r => r.Step).OrderBy(g => g.Key).ToList();
            if (steps.Count > 0)
            {
                var mean = plot.Add.Scatter(steps.Select(g => (double)g.Key).ToArray(), steps.Select(g => g.Average(r => r.Fitness!.Value)).ToArray());
                mean.LegendText = $"{search.Method}: mean of those scored in full";
                mean.Color = color;
                mean.LinePattern = LinePattern.Dashed;
            }
        }
        plot.Title("Fitness per step (optimization split)");
        plot.XLabel("step / iteration / generation");
        plot.YLabel("fitness");
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    private static Plot TestPlot(SearchRunResult result, List<string> tasks)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var rows = result.TestScores.Keys.ToList();
        double width = 0.8 / rows.Count;
        for (int r = 0; r < rows.Count; r++)
        {
            var bars = tasks.Select((t, i) => new Bar
            {
                Position = i + (r - (rows.Count - 1) / 2.0) * width,
                Value = result.TestScores[rows[r]][t],
                Size = width,
                FillColor = palette.GetColor(r),
            }).ToList();
            plot.Add.Bars(bars).LegendText = rows[r];
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(Enumerable.Range(0, tasks.Count).Select(i => (double)i).ToArray(), tasks.ToArray());
        plot.Title("Held-out test scores per task");
        plot.YLabel("score");
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    private static Plot CostPlot(SearchRunResult result)
    {
        var plot = new Plot();
        var names = result.Searches.Select(s => s.Method).ToArray();
        var evaluations = plot.Add.Bars(result.Searches.Select((s, i) => new Bar { Position = i - 0.2, Value = s.Evaluations, Size = 0.4, FillColor = Colors.SteelBlue }).ToList());
        evaluations.LegendText = "evaluations";
        var seconds = plot.Add.Bars(result.Searches.Select((s, i) => new Bar { Position = i + 0.2, Value = s.ScoringSeconds, Size = 0.4, FillColor = Colors.Orange }).ToList());
        seconds.LegendText = "scoring time (s)";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(Enumerable.Range(0, names.Length).Select(i => (double)i).ToArray(), names);
        plot.Title("Cost per search");
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
