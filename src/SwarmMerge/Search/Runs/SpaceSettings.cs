using SwarmMerge.Search.Space;

namespace SwarmMerge.Search.Runs;

/// <summary>
/// The settings of a coefficient space (<c>drop_rate</c>, <c>sparsified</c>, <c>granularity</c>), which a PSO entry sets
/// for itself; the other searches share the config's first PSO entry's (its own settings, without its preset's).
/// </summary>
internal static class SpaceSettings
{
    /// <summary>The keys.</summary>
    public static readonly string[] Keys = ["drop_rate", "sparsified", "granularity"];

    /// <summary>The shared space: the first PSO entry's members and granularity, without anchors.</summary>
    public static (SwarmMembers Members, Granularity Granularity, IReadOnlyList<AnchorSpec> Anchors) Shared(SearchConfig config)
    {
        var first = FirstPsoEntry(config);
        return (Members(first, config), Granularity(first), []);
    }

    /// <summary>The swarm members <paramref name="s"/> sets (drop rate, with or without the sparsified experts).</summary>
    public static SwarmMembers Members(SearchSettings s, SearchConfig config) =>
        new(config.BaseModel, config.Experts)
        {
            DropRate = s.Number("drop_rate", 0.8, new SettingBound(0, 1, UpperOpen: true)),
            IncludeSparsified = s.Flag("sparsified", true),
            SparsifySeed = config.Seed,
        };

    /// <summary>The coefficient granularity <paramref name="s"/> sets.</summary>
    public static Granularity Granularity(SearchSettings s) => s.Choice("granularity", "model", "model, layer or tensor_kind",
        ("model", Space.Granularity.Model), ("layer", Space.Granularity.Layer), ("tensor_kind", Space.Granularity.TensorKind));

    /// <summary>The settings of the config's first <c>pso</c> entry (empty without one: the shared settings then take their defaults).</summary>
    public static SearchSettings FirstPsoEntry(SearchConfig config) =>
        new(config.Methods.FirstOrDefault(m => m.Kind == SearchKind.Pso)?.Settings ?? new Dictionary<string, object?>(), SearchKind.Pso.ConfigName());
}
