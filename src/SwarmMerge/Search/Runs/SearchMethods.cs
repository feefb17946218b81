using SwarmMerge.Evaluation;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Search.Runs;

/// <summary>Every search a config can list, by kind (<see cref="ISearchMethod"/>), and what a run asks of an entry whatever its kind.</summary>
public static class SearchMethods
{
    private static readonly IReadOnlyList<ISearchMethod> All = [new PsoMethod(), new CmaEsMethod(), new EvoMethod(), new ModelSwarmsMethod(), new RandomMethod()];

    /// <summary>The kinds' config names, in the order messages list them.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(m => m.Kind.ConfigName())];

    /// <summary>The search of kind <paramref name="kind"/>.</summary>
    public static ISearchMethod Get(SearchKind kind) => All.First(m => m.Kind == kind);

    /// <summary>The swarm members (drop rate, with or without sparsified experts) of the config's first PSO entry; the other searches share them.</summary>
    public static SwarmMembers Members(SearchConfig config) => SpaceSettings.Members(SpaceSettings.FirstPsoEntry(config), config);

    /// <summary>The coefficient granularity of the config's first PSO entry; the other searches over the coefficient space share it.</summary>
    public static Granularity Granularity(SearchConfig config) => SpaceSettings.Granularity(SpaceSettings.FirstPsoEntry(config));

    /// <summary>The coefficient space <paramref name="entry"/> searches (see <see cref="ISearchMethod.SpaceOf"/>).</summary>
    public static (SwarmMembers Members, Granularity Granularity, IReadOnlyList<AnchorSpec> Anchors) SpaceOf(SearchMethodConfig entry, SearchConfig config) =>
        Get(entry.Kind).SpaceOf(entry, config);

    /// <summary>The budget every search of a run gets unless the config sets one: PSO-Merging's own evaluation count in the paper, (2n+1)·(S+1), with S the first PSO entry's steps.</summary>
    public static int DefaultBudget(SearchConfig config) => (2 * config.Experts.Count + 1) * (PsoMethod.Settings(config).Steps + 1);

    /// <summary>The search of <paramref name="entry"/> over <paramref name="materializer"/>'s coefficient space.</summary>
    public static ISearch Create(SearchMethodConfig entry, SearchConfig config, SwarmMaterializer materializer, int budget) =>
        Get(entry.Kind).Create(entry, config, materializer, budget);

    /// <summary>
    /// The floor <paramref name="entry"/>'s fitness has under each task (<see cref="TaskFloor"/>), relative to the
    /// optimization scores of <paramref name="referenceName"/> (the best tuned baseline or expert); null when the entry
    /// sets none (only PSO entries can) or the run has no tuned baseline.
    /// </summary>
    public static TaskFloor? FloorOf(SearchMethodConfig entry, SearchConfig config, string referenceName, IReadOnlyDictionary<string, double> referenceScores) =>
        entry.Kind == SearchKind.Pso && PsoMethod.FloorSetting(entry, config) is { } floor
            ? new TaskFloor(referenceScores, floor.Points, floor.Penalty, referenceName)
            : null;

    /// <summary>
    /// The share of the optimization split <paramref name="entry"/> holds back to select its result on (0: none, the
    /// result is the search's best), and how it selects (<see cref="ResultSelection"/>). A PSO entry takes them from its
    /// preset too; the other searches hold nothing back unless their entry says so.
    /// </summary>
    public static (double HeldOutShare, ResultSelection? Selection) SelectionOf(SearchMethodConfig entry)
    {
        var s = new SearchSettings(Get(entry.Kind).SelectionSettings(entry), entry.Name);
        double share = s.Number("holdout", 0, new SettingBound(0, 1, UpperOpen: true));
        double floor = s.Number("task_floor", double.PositiveInfinity, SettingBound.AtLeast(0));
        if (share == 0)
        {
            return entry.Settings.ContainsKey("task_floor")
                ? throw new SearchConfigException($"{entry.Name}: 'task_floor' selects the result on held-back rows, but 'holdout' holds none back.")
                : (0, null);
        }
        return (share, new ResultSelection { TaskFloor = floor });
    }
}
