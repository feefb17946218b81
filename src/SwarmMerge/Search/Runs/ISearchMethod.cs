using SwarmMerge.Search.Space;

namespace SwarmMerge.Search.Runs;

/// <summary>
/// A search a config can list under <c>methods:</c>: its kind, the settings its entry may have, and how it reads them
/// and builds itself. Every one is registered in <see cref="SearchMethods"/>, as merge methods are in
/// <see cref="Merging.MergeMethods"/>.
/// </summary>
public interface ISearchMethod
{
    /// <summary>The kind, whose config name is the entry's key (<c>- model_swarms: {…}</c>).</summary>
    SearchKind Kind { get; }

    /// <summary>
    /// The coefficient space the entry searches: its members (without anchors), granularity and the data-free merges to
    /// add as anchor members. Unless a search has its own, the shared one (<see cref="SpaceSettings.Shared"/>).
    /// </summary>
    (SwarmMembers Members, Granularity Granularity, IReadOnlyList<AnchorSpec> Anchors) SpaceOf(SearchMethodConfig entry, SearchConfig config) =>
        SpaceSettings.Shared(config);

    /// <summary>The settings that choose the entry's result selection (<c>holdout</c>, <c>task_floor</c>): its own, unless the search has defaults for them.</summary>
    IReadOnlyDictionary<string, object?> SelectionSettings(SearchMethodConfig entry) => entry.Settings;

    /// <summary>The search of <paramref name="entry"/> over <paramref name="space"/>, with <paramref name="budget"/> evaluations.</summary>
    /// <exception cref="SearchConfigException">A setting is unknown or out of range.</exception>
    ISearch Create(SearchMethodConfig entry, SearchConfig config, SwarmMaterializer space, int budget);
}
