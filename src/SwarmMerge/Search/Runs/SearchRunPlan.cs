using SwarmMerge.Evaluation;
using SwarmMerge.IO;
using SwarmMerge.Merging;
using SwarmMerge.Search.Scoring;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Search.Runs;

/// <summary>
/// Everything a search run needs, opened and checked before the run folder is made or anything is scored: the run
/// folder is not an input; the task file and both splits' data (the test rows are checked, then dropped: only the
/// report reads them, after the searches); every checkpoint's headers and every expert's shapes against the base;
/// the engine on the base (its config.json, tokenizer and weights); every search, built on its space (see
/// <see cref="MethodSpaces.Check"/>); every baseline's and anchor's merge plan; and, when resuming, each search's
/// state and log. A mistake fails here, in seconds, and costs nothing.
/// </summary>
internal sealed class SearchRunPlan : IDisposable
{
    /// <summary>The scratch folder of the candidates the scorer writes to disk, inside the run folder.</summary>
    public const string CandidateFolder = ".candidate";

    private readonly List<IDisposable> _owned = [];

    private SearchRunPlan(SearchConfig config, string runDirectory)
    {
        Config = config;
        RunDirectory = runDirectory;
    }

    /// <summary>The run's config.</summary>
    public SearchConfig Config { get; }

    /// <summary>The run folder (absolute).</summary>
    public string RunDirectory { get; }

    /// <summary>The task file.</summary>
    public TaskFile TaskFile { get; private set; } = null!;

    /// <summary>The optimization split: all the searches see.</summary>
    public OptimizationTasks Optimization { get; private set; } = null!;

    /// <summary>Evaluations per search.</summary>
    public int Budget { get; private set; }

    /// <summary>The searches' coefficient spaces (anchor members are written only when the run asks for them).</summary>
    public MethodSpaces Spaces { get; private set; } = null!;

    /// <summary>How candidates and checkpoints are scored.</summary>
    public ICandidateScorer Scorer { get; private set; } = null!;

    /// <summary>Each search of the config, in order, with its folder.</summary>
    public IReadOnlyList<(SearchMethodConfig Method, string Directory)> Searches { get; private set; } = [];

    /// <summary>
    /// The share of the optimization split <paramref name="method"/> holds back to select its result on, and how it
    /// selects (see <see cref="SearchMethods.SelectionOf"/>). An external evaluator scores its own data, so with one no
    /// rows are held back (an entry that asks for it explicitly fails when the plan is checked).
    /// </summary>
    public (double HeldOutShare, ResultSelection? Selection) SelectionOf(SearchMethodConfig method) =>
        Scorer.ScoresRows ? SearchMethods.SelectionOf(method) : (0, null);

    /// <summary>Opens and checks everything <paramref name="config"/> needs for a run in <paramref name="runDirectory"/>; writes nothing.</summary>
    /// <exception cref="SearchConfigException">A setting, baseline or the run folder is wrong; other input errors keep their own types.</exception>
    public static SearchRunPlan Open(SearchConfig config, string runDirectory, CancellationToken cancellation)
    {
        var plan = new SearchRunPlan(config, Path.GetFullPath(runDirectory));
        try
        {
            plan.Check(cancellation);
            return plan;
        }
        catch
        {
            plan.Dispose();
            throw;
        }
    }

    private void Check(CancellationToken cancellation)
    {
        OutputPaths.CheckOutsideInputs(RunDirectory, Config.ModelFolders);
        TaskFile = TaskFile.Load(Config.Tasks);
        Optimization = TaskFile.LoadOptimization();
        TaskFile.CheckTest(Config.TestLimit);
        Budget = Config.Budget ?? InConfig(() => SearchMethods.DefaultBudget(Config));
        Spaces = Own(InConfig(() => new MethodSpaces(Config, RunDirectory, cancellation)));
        foreach (var (method, parameters) in Config.Baselines)
        {
            InConfig(() => BaselinePlans.Of(Config, method, parameters)).Dispose();
        }
        foreach (var (method, grid) in Config.TunedBaselines)
        {
            foreach (var parameters in InConfig(() => TunedBaseline.Points(method, grid)))
            {
                InConfig(() =>
                {
                    try
                    {
                        BaselinePlans.Of(Config, method, parameters).Dispose();
                    }
                    catch (SearchConfigException e)
                    {
                        throw new SearchConfigException($"tuned_baselines: {method} at {TunedBaseline.Describe(parameters, grid)}: {e.Message}");
                    }
                });
            }
        }
        var searches = new List<(SearchMethodConfig, string)>();
        for (int i = 0; i < Config.Methods.Count; i++)
        {
            var method = Config.Methods[i];
            // Each search is built once here for its settings, and again by the run over its space.
            InConfig(() => Spaces.Check(method, space => SearchMethods.Create(method, Config, space, Budget)));
            if (method.Kind == SearchKind.Pso)
            {
                InConfig(() => PsoMethod.FloorSetting(method, Config));
            }
            var evo = method.Kind == SearchKind.Evo ? InConfig(() => EvoMethod.SpaceOf(method, Config)) : null;
            if (evo is not null)
            {
                using var _ = InConfig(() => MergePlanner.Create(evo.ToMergeConfig(evo.Initial()), Environment.CurrentDirectory));
            }
            string directory = i == 0 ? RunDirectory : Path.Combine(RunDirectory, "methods", method.Name);
            CheckResumable(directory);
            searches.Add((method, directory));
        }
        Searches = searches;
        Scorer = Own(RunScoring.OpenScorer(TaskFile, Config.BaseModel, Optimization, Path.Combine(RunDirectory, CandidateFolder), Config.Threads, cancellation));
        foreach (var method in Config.Methods)
        {
            if (!Scorer.ScoresRows && method.Settings.ContainsKey("holdout"))
            {
                throw new SearchConfigException($"{Config.Source ?? "the search config"}: {method.Name}: 'holdout' needs the built-in engine: the task file's evaluator scores its own data, so no rows can be held back.");
            }
            var (share, _) = InConfig(() => SelectionOf(method));
            if (share > 0)
            {
                InConfig(() => RunRows.Of(Optimization, share, Config.Seed));
            }
        }
    }

    /// <summary>A resumed search's state and log must be readable: a corrupt one fails now, not after the other searches ran.</summary>
    private static void CheckResumable(string directory)
    {
        SearchState.Load(directory);
        EvaluationLog.Read(Path.Combine(directory, EvaluationLog.FileName));
    }

    private void InConfig(Action step) => InConfig(() =>
    {
        step();
        return true;
    });

    /// <summary>Runs a step that reads the config's settings, naming the config file in its error.</summary>
    private T InConfig<T>(Func<T> step)
    {
        try
        {
            return step();
        }
        catch (Exception e) when (e is SearchConfigException or MergeConfigException)
        {
            throw new SearchConfigException(Config.Source is null ? e.Message : $"{Config.Source}: {e.Message}");
        }
    }

    private T Own<T>(T resource) where T : IDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
    }
}
