using SwarmMerge.Merging;

namespace SwarmMerge.Search;

/// <summary>
/// The one list of merge methods the search runs use without data, each checked against <see cref="MergeMethods"/>:
/// baselines' default parameters, the default tuning grids, the merges PSO may add as anchors and the ones Evo
/// searches. The order is the order messages list them in.
/// </summary>
public static class DataFreeMerges
{
    private static readonly double[] Densities = [0.3, 0.5, 0.7, 0.9];

    /// <summary>Every one, in order.</summary>
    public static IReadOnlyList<DataFreeMerge> All { get; } =
    [
        Of("ties", ("weight", 1.0), ("density", 0.5)) with { TuningGrid = ("density", Densities), Anchor = true, Evo = true },
        Of("dare_ties", ("weight", 1.0), ("density", 0.5), ("normalize", true)) with { TuningGrid = ("density", Densities), Anchor = true, Evo = true },
        Of("dare_linear", ("weight", 1.0), ("density", 0.5), ("normalize", true)) with { TuningGrid = ("density", Densities), Anchor = true, Evo = true },
        // DELLA's ε 0.1 must keep density + ε below 1.
        Of("della", ("weight", 1.0), ("density", 0.5), ("epsilon", 0.1)) with { TuningGrid = ("density", [0.3, 0.5, 0.7]), Anchor = true },
        Of("breadcrumbs_ties", ("weight", 1.0), ("density", 0.9), ("normalize", true)) with { Anchor = true },
        Of("task_arithmetic", ("weight", 1.0), ("lambda", 0.5)) with { TuningGrid = ("lambda", [0.3, 0.5, 0.7, 1.0]), Anchor = true },
        Of("linear", ("weight", 1.0)),
        Of("model_stock"),
    ];

    /// <summary>The names of the merges PSO may add as anchor members.</summary>
    public static IReadOnlyList<string> AnchorNames { get; } = [.. All.Where(m => m.Anchor).Select(m => m.Name)];

    /// <summary>The names of the merges Evo searches.</summary>
    public static IReadOnlyList<string> EvoNames { get; } = [.. All.Where(m => m.Evo).Select(m => m.Name)];

    /// <summary>The one called <paramref name="name"/>, or null.</summary>
    public static DataFreeMerge? Get(string name) => All.FirstOrDefault(m => m.Name == name);

    private static DataFreeMerge Of(string name, params (string Key, object Value)[] defaults) =>
        new(MergeMethods.Get(name).Name, defaults.ToDictionary(d => d.Key, d => (object?)d.Value, StringComparer.Ordinal));
}
