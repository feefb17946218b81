using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.Json;
using SwarmMerge.Evaluation;
using SwarmMerge.IO;
using SwarmMerge.Merging;
using SwarmMerge.Search.Scoring;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Search.Runs;

/// <summary>
/// A whole <c>swarmmerge search</c> run: every search of the config under one evaluation budget, on the
/// optimization split only; then the best model written to <c>merged/</c>, and base, experts, data-free
/// baselines and each search's best scored on the held-out test split for the report.
/// <para>The run folder holds <c>search.yml</c> (the config), the first search's <c>evaluations.jsonl</c> and
/// <c>state.json</c>, the other searches' under <c>methods/NAME/</c>, <c>test_scores.json</c>, <c>merged/</c>
/// and <c>report.md</c> with its plots. A killed run resumes from its folder (<see cref="Resume"/>) without
/// scoring finished evaluations again, and ends as an uninterrupted run would.</para>
/// </summary>
public static class SearchRun
{
    /// <summary>The copy of the config in a run folder.</summary>
    public const string ConfigFileName = "search.yml";

    private const string RunInfoFileName = "run.json";

    /// <summary>Starts a run of <paramref name="configPath"/> in the new (or empty) folder <paramref name="runDirectory"/>.</summary>
    /// <remarks>Every input is checked first (see <see cref="SearchRunPlan"/>); the folder is made only when all is valid.</remarks>
    /// <exception cref="SearchConfigException">The folder already holds a run (resume it instead) or the config is invalid.</exception>
    /// <param name="configPath">The search config.</param>
    /// <param name="runDirectory">The run folder.</param>
    /// <param name="progress">Told of every evaluation.</param>
    /// <param name="cancellation">Stops the run between evaluations (it can be resumed).</param>
    /// <param name="remote">Scores the searches' candidates elsewhere (on a cluster's workers); null: in this process.</param>
    public static SearchRunResult Start(string configPath, string runDirectory, IProgress<SearchProgress>? progress = null, CancellationToken cancellation = default, IRemoteScoring? remote = null)
    {
        runDirectory = Path.GetFullPath(runDirectory);
        if (File.Exists(Path.Combine(runDirectory, ConfigFileName)))
        {
            throw new SearchConfigException($"'{runDirectory}' already holds a search run; continue it with --resume, or choose another folder.");
        }
        var config = SearchConfigParser.Load(configPath, Environment.CurrentDirectory);
        using var plan = SearchRunPlan.Open(config, runDirectory, cancellation);
        Directory.CreateDirectory(runDirectory);
        File.Copy(configPath, Path.Combine(runDirectory, ConfigFileName));
        File.WriteAllText(Path.Combine(runDirectory, RunInfoFileName), new JsonObject { ["working_directory"] = Environment.CurrentDirectory }.ToJsonString());
        return Run(plan, progress, cancellation, remote);
    }

    /// <summary>Continues the run in <paramref name="runDirectory"/> with the config it was started with.</summary>
    /// <param name="runDirectory">The run folder.</param>
    /// <param name="progress">Told of every evaluation.</param>
    /// <param name="cancellation">Stops the run between evaluations (it can be resumed).</param>
    /// <param name="remote">Scores the searches' candidates elsewhere (on a cluster's workers); null: in this process.</param>
    public static SearchRunResult Resume(string runDirectory, IProgress<SearchProgress>? progress = null, CancellationToken cancellation = default, IRemoteScoring? remote = null)
    {
        var (configPath, workingDirectory) = Origin(runDirectory);
        using var plan = SearchRunPlan.Open(SearchConfigParser.Load(configPath, workingDirectory), runDirectory, cancellation);
        return Run(plan, progress, cancellation, remote);
    }

    /// <summary>The config copy in the run folder <paramref name="runDirectory"/>, and the working directory its paths resolve against.</summary>
    /// <exception cref="SearchConfigException">The folder holds no search run, or its run.json is unreadable.</exception>
    public static (string ConfigPath, string WorkingDirectory) Origin(string runDirectory)
    {
        runDirectory = Path.GetFullPath(runDirectory);
        string configPath = Path.Combine(runDirectory, ConfigFileName);
        string infoPath = Path.Combine(runDirectory, RunInfoFileName);
        if (!File.Exists(configPath) || !File.Exists(infoPath))
        {
            throw new SearchConfigException($"'{runDirectory}' holds no search run ({ConfigFileName} and {RunInfoFileName} are missing).");
        }
        string workingDirectory;
        try
        {
            workingDirectory = Checkpoint.ReadJsonObject(infoPath)["working_directory"] is JsonValue value && value.TryGetValue(out string? folder)
                ? folder : throw new SearchConfigException($"{infoPath}: no working_directory.");
        }
        catch (SafetensorsFormatException e)
        {
            throw new SearchConfigException(e.Message);
        }
        return (configPath, workingDirectory);
    }

    /// <summary>Runs <paramref name="config"/> in <paramref name="runDirectory"/> (resuming what is there), after checking every input.</summary>
    /// <remarks>With <paramref name="remote"/>, only the searches' optimization-split candidates go elsewhere: the expert
    /// reference of the normalized fitness, the baselines and the test split are scored here, after the searches.</remarks>
    public static SearchRunResult Execute(SearchConfig config, string runDirectory, IProgress<SearchProgress>? progress, CancellationToken cancellation, IRemoteScoring? remote = null)
    {
        using var plan = SearchRunPlan.Open(config, runDirectory, cancellation);
        return Run(plan, progress, cancellation, remote);
    }

    // The scratch folders a run writes candidates and baselines to; a killed run's are removed when it starts again.
    // .evo-candidate and .evo-best are where earlier versions scored Evo candidates for an external evaluator: a run
    // folder they left may still hold them.
    private static readonly string[] ScratchFolders = [SearchRunPlan.CandidateFolder, ".evo-candidate", ".evo-best", ".baseline", ".baseline-best"];

    private static SearchRunResult Run(SearchRunPlan plan, IProgress<SearchProgress>? progress, CancellationToken cancellation, IRemoteScoring? remote)
    {
        var config = plan.Config;
        string runDirectory = plan.RunDirectory;
        RemoveScratch(runDirectory);
        var fitness = new Fitness(config.Fitness, config.Fitness == FitnessKind.NormalizedMean ? ExpertReference(config, plan.Scorer, plan.Optimization) : null);

        // Tuned baselines are picked on the optimization split before the searches: a PSO entry may start from them
        // (tuned anchors) and hold its tasks to the scores of the best of them or of the experts (floor). Their test
        // scores come after the searches.
        var tuned = TuneBaselines(plan, fitness, cancellation);
        plan.Spaces.UseTuned(tuned);
        var expertScores = new Dictionary<string, EvaluationOutcome>(StringComparer.Ordinal);
        var reference = config.Methods.Any(m => m.Kind == SearchKind.Pso && PsoMethod.FloorSetting(m, config) is not null)
            ? FloorReference(plan, fitness, tuned, expertScores) : null;

        var results = new List<SearchResult>();
        for (int i = 0; i < plan.Searches.Count; i++)
        {
            var (method, directory) = plan.Searches[i];
            var materializer = plan.Spaces.Of(method);
            var candidates = plan.Spaces.CandidatesOf(method);
            var search = SearchMethods.Create(method, config, materializer, plan.Budget);
            var (heldOut, selection) = plan.SelectionOf(method);
            var rows = RunRows.Of(plan.Optimization, heldOut, config.Seed);
            var searchFitness = reference is { } r && SearchMethods.FloorOf(method, config, r.Name, r.Scores) is { } floor ? fitness.WithFloor(floor) : fitness;
            var options = new SearchOptions
            {
                Fitness = searchFitness,
                RunDirectory = directory,
                MaxEvaluations = plan.Budget,
                Progress = Report(progress, method.Name, i, plan.Searches.Count, plan.Budget),
                Cancellation = cancellation,
                EarlyStopping = config.EarlyStopping,
                Selection = selection,
            };
            var batch = remote?.For(config, method, materializer, searchFitness, heldOut)
                ?? new SequentialScorer(candidate => RunScoring.Score(plan.Scorer, candidates, candidate, rows, searchFitness, cancellation), options.Clock);
            results.Add(SearchSession.Run(search, batch, options) with { Method = method.Name, Floor = searchFitness.Floor });
        }

        // The held-out test split: only now, after every search has finished.
        var test = plan.TaskFile.LoadTest(config.TestLimit);
        string merged = Path.Combine(runDirectory, "merged");
        var compared = ScoreRows(plan, results, tuned, expertScores, test, merged, cancellation);
        var json = new JsonSerializerOptions { WriteIndented = true };
        File.WriteAllText(Path.Combine(runDirectory, "test_scores.json"), JsonSerializer.Serialize(compared.Test, json));
        File.WriteAllText(Path.Combine(runDirectory, "optimization_scores.json"), JsonSerializer.Serialize(compared.Optimization, json));
        var result = new SearchRunResult(runDirectory, results, compared.Test, compared.Kinds, merged)
        {
            OptimizationScores = compared.Optimization,
            TunedBaselines = compared.Tuned,
        };
        SearchReport.Write(result, config, plan.Budget);
        return result;
    }

    /// <summary>Removes what a killed run may have left: scratch checkpoints and the temporary folders of unfinished outputs.</summary>
    private static void RemoveScratch(string runDirectory)
    {
        foreach (string name in ScratchFolders)
        {
            string folder = Path.Combine(runDirectory, name);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
            AtomicDirectory.RemoveLeftovers(folder);
        }
        AtomicDirectory.RemoveLeftovers(Path.Combine(runDirectory, "merged"));
    }

    /// <summary>What the report compares: every row's scores on both splits, its kind, and the tuned baselines' grids.</summary>
    private sealed class Rows
    {
        public Dictionary<string, IReadOnlyDictionary<string, double>> Test { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, IReadOnlyDictionary<string, double>> Optimization { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Kinds { get; } = new(StringComparer.Ordinal);

        public List<TunedBaseline> Tuned { get; } = [];

        public void Add(string row, string kind, EvaluationOutcome optimization, EvaluationOutcome test)
        {
            Kinds[row] = kind;
            Optimization[row] = optimization.Success ? optimization.Scores : throw new InvalidOperationException($"Scoring {row} on the optimization split failed: {optimization.Error}");
            Test[row] = test.Success ? test.Scores : throw new InvalidOperationException($"Scoring {row} on the test split failed: {test.Error}");
        }
    }

    /// <summary>
    /// Every tuned baseline of the config, tuned on the optimization split: each combination of its grid merged and
    /// scored (one evaluation each), the first with the best fitness picked.
    /// </summary>
    private static List<TunedBaseline> TuneBaselines(SearchRunPlan plan, Fitness fitness, CancellationToken cancellation)
    {
        var config = plan.Config;
        string folder = Path.Combine(plan.RunDirectory, ".baseline");
        var tuned = new List<TunedBaseline>();
        foreach (var (method, grid) in config.TunedBaselines)
        {
            var clock = Stopwatch.StartNew();
            var tried = new List<(IReadOnlyDictionary<string, object?>, double?)>();
            (IReadOnlyDictionary<string, object?> Parameters, double Fitness, EvaluationOutcome Scores)? chosen = null;
            foreach (var parameters in TunedBaseline.Points(method, grid))
            {
                MergeBaseline(config, method, parameters, folder, cancellation);
                var outcome = plan.Scorer.Score(folder, plan.Optimization);
                Directory.Delete(folder, recursive: true);
                double? value = outcome.Success ? fitness.Of(outcome.Scores) : null;
                tried.Add((parameters, value));
                if (value > (chosen?.Fitness ?? double.NegativeInfinity))
                {
                    chosen = (parameters, value.Value, outcome);
                }
            }
            var picked = chosen ?? throw new InvalidOperationException($"Tuning {method} on the optimization split failed for every value tried.");
            tuned.Add(new TunedBaseline(TunedBaseline.RowName(method), method, picked.Parameters, tried, clock.Elapsed.TotalSeconds)
            {
                ChosenScores = picked.Scores.Scores,
            });
        }
        return tuned;
    }

    /// <summary>
    /// What a task floor holds a search to: the best, on the optimization split, of what a user has without a search,
    /// the tuned baselines' picks and the experts themselves (where every merge collapses, an expert); the first of
    /// equals, tuned baselines first. The experts' scores go into <paramref name="expertScores"/> for the report.
    /// </summary>
    private static (string Name, IReadOnlyDictionary<string, double> Scores)? FloorReference(SearchRunPlan plan, Fitness fitness, IReadOnlyList<TunedBaseline> tuned,
        Dictionary<string, EvaluationOutcome> expertScores)
    {
        var options = tuned.Where(t => t.ChosenScores is not null).Select(t => (t.Name, t.ChosenScores!)).ToList();
        if (options.Count == 0)
        {
            return null;
        }
        foreach (string expert in plan.Config.Experts)
        {
            var outcome = expertScores[expert] = plan.Scorer.Score(expert, plan.Optimization);
            if (outcome.Success)
            {
                options.Add((Path.GetFileName(expert), outcome.Scores));
            }
        }
        return options.Aggregate((best, next) => fitness.Of(next.Item2) > fitness.Of(best.Item2) ? next : best);
    }

    private static void MergeBaseline(SearchConfig config, string method, IReadOnlyDictionary<string, object?> parameters, string into, CancellationToken cancellation)
    {
        using var baseline = BaselinePlans.Of(config, method, parameters);
        MergeExecutor.Run(baseline, into, new MergeOptions { Overwrite = true, Threads = config.Threads, Seed = config.Seed }, cancellation: cancellation);
    }

    /// <summary>
    /// Base, experts, baselines (tuned ones as <paramref name="tuned"/> picked them on the optimization split) and each
    /// search's best on both splits; writes the first search's best to <paramref name="merged"/>. A search's
    /// optimization scores are its result's scores on the rows it searched with.
    /// </summary>
    private static Rows ScoreRows(SearchRunPlan plan, List<SearchResult> results, IReadOnlyList<TunedBaseline> tuned, IReadOnlyDictionary<string, EvaluationOutcome> expertScores,
        TaskSet test, string merged, CancellationToken cancellation)
    {
        var (config, runDirectory, scorer) = (plan.Config, plan.RunDirectory, plan.Scorer);
        var optimization = plan.Optimization;
        var rows = new Rows();
        void AddCheckpoint(string row, string kind, string folder) => rows.Add(row, kind, scorer.Score(folder, optimization), scorer.Score(folder, test));
        AddCheckpoint("base", "base", config.BaseModel);
        foreach (string expert in config.Experts)
        {
            // An expert scored on the optimization split for a task floor keeps those scores (the same model, the same rows).
            rows.Add(Path.GetFileName(expert), "expert", expertScores.GetValueOrDefault(expert) ?? scorer.Score(expert, optimization), scorer.Score(expert, test));
        }
        string folder = Path.Combine(runDirectory, ".baseline");
        foreach (var (method, parameters) in config.Baselines)
        {
            MergeBaseline(config, method, parameters, folder, cancellation);
            AddCheckpoint(method, "data-free", folder);
            Directory.Delete(folder, recursive: true);
        }
        foreach (var baseline in tuned)
        {
            rows.Tuned.Add(baseline);
            var scores = EvaluationOutcome.Succeeded(baseline.ChosenScores!);
            if (plan.Spaces.WrittenTunedAnchor(baseline.Method) is { } anchor)
            {
                rows.Add(baseline.Name, "data-free (tuned)", scores, scorer.Score(anchor, test));
                continue;
            }
            // The same method, parameters and seed give the same bytes as the merge scored while tuning.
            MergeBaseline(config, baseline.Method, baseline.Chosen, folder, cancellation);
            rows.Add(baseline.Name, "data-free (tuned)", scores, scorer.Score(folder, test));
            Directory.Delete(folder, recursive: true);
        }
        for (int i = 0; i < results.Count; i++)
        {
            var result = results[i].Best ?? throw new InvalidOperationException($"Search '{results[i].Method}' found no candidate that scored.");
            // The first search's result is the run's merged/; each result is scored on the test split as it was searched.
            var space = plan.Spaces.CandidatesOf(plan.Searches[i].Method);
            if (i == 0)
            {
                space.WriteCheckpoint(result.Candidate, merged, cancellation);
            }
            var testScores = i == 0 && space.ScoredAsWritten ? scorer.Score(merged, test) : scorer.Score(space, result.Candidate, test, cancellation: cancellation);
            rows.Add(results[i].Method, "search", result.Outcome, testScores);
        }
        return rows;
    }

    /// <summary>Each task's reference for the normalized mean: the best expert's optimization-split score on it.</summary>
    private static Dictionary<string, double> ExpertReference(SearchConfig config, ICandidateScorer scorer, TaskSet optimization)
    {
        var reference = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string expert in config.Experts)
        {
            var outcome = scorer.Score(expert, optimization);
            if (!outcome.Success)
            {
                throw new InvalidOperationException($"Scoring expert '{expert}' for the normalized fitness failed: {outcome.Error}");
            }
            foreach (var (task, score) in outcome.Scores)
            {
                reference[task] = Math.Max(reference.GetValueOrDefault(task), score);
            }
        }
        return reference;
    }

    private static IProgress<ScoredCandidate>? Report(IProgress<SearchProgress>? progress, string method, int index, int count, int budget)
    {
        if (progress is null)
        {
            return null;
        }
        var clock = Stopwatch.StartNew();
        int seen = 0, scoredHere = 0;
        double best = double.NegativeInfinity;
        return new SynchronousProgress<ScoredCandidate>(scored =>
        {
            seen++;
            scoredHere += scored.Record.Cached ? 0 : 1;
            bool heldOut = scored.Candidate.Rows == ScoringRows.Selection;
            best = heldOut ? best : Math.Max(best, scored.Fitness);
            double? left = scoredHere > 0 ? clock.Elapsed.TotalSeconds / seen * (budget - seen) : null;
            progress.Report(new SearchProgress(method, index, count, scored.Candidate.Step, seen, budget, scored.Fitness, best, left, scored.Outcome.Bounded, heldOut));
        });
    }
}
