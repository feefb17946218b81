namespace SwarmMerge.Search;

/// <summary>A merge method as a search run uses it, without data: a baseline, a tuned baseline, a PSO anchor member, Evo's merge.</summary>
/// <param name="Name">The merge method (its <c>merge_method:</c> name).</param>
/// <param name="Defaults">Its parameters when the config names it without any.</param>
public sealed record DataFreeMerge(string Name, IReadOnlyDictionary<string, object?> Defaults)
{
    /// <summary>The parameter tuned by hand and the values tried (<c>tuned_baselines</c>' default grid), or null when it is not tuned.</summary>
    public (string Key, double[] Values)? TuningGrid { get; init; }

    /// <summary>True when it merges the experts' task vectors, so PSO can add it as an anchor member.</summary>
    public bool Anchor { get; init; }

    /// <summary>True when it has a weight and a density per model, the numbers Evo searches.</summary>
    public bool Evo { get; init; }
}
