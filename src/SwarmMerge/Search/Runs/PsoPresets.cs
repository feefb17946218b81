namespace SwarmMerge.Search.Runs;

/// <summary>
/// Named sets of PSO settings a config entry starts from (<c>preset: paper</c>); the entry's own settings override
/// them. <c>paper</c> is exactly the paper's algorithm. <c>default</c> is SwarmMerge's measured improvement,
/// chosen on the benchmarks in docs/search.md: still a swarm with personal and global bests, but it starts where
/// good merges are (the experts, data-free merges of them as anchor members, with the strengths the run's tuned
/// baselines picked, and task arithmetic over a grid of λ) instead of only at the members, which good merges lie far
/// outside of; holds each task to a floor under the best tuned baseline or expert; and moves with Clerc and Kennedy's
/// constriction constants (w = 0.7298, c₁ = c₂ = 1.49618), which converge where the paper's w = 0.2, c₁ = c₂ = 2
/// lose the swarm's spread (measured: the same mean from these starts, a smaller spread over seeds).
/// </summary>
public static class PsoPresets
{
    /// <summary>The preset an entry without <c>preset</c> uses.</summary>
    public const string DefaultName = "default";

    /// <summary>The paper: 2n+1 particles on base, experts and DARE-sparsified experts (p = 0.8), w = 0.2, c₁ = c₂ = 2, 5 steps, one coefficient per member.</summary>
    public static readonly IReadOnlyDictionary<string, object?> Paper = new Dictionary<string, object?>
    {
        ["steps"] = 5.0,
        ["w"] = 0.2,
        ["c1"] = 2.0,
        ["c2"] = 2.0,
        ["drop_rate"] = 0.8,
        ["sparsified"] = true,
        ["granularity"] = "model",
        ["start"] = "members",
        ["tied_steps"] = 0.0,
    };

    /// <summary>SwarmMerge's default (see docs/search.md for the measurements behind each value).</summary>
    public static readonly IReadOnlyDictionary<string, object?> Default = new Dictionary<string, object?>
    {
        ["steps"] = 5.0,
        ["w"] = 0.7298,
        ["c1"] = 1.49618,
        ["c2"] = 1.49618,
        ["drop_rate"] = 0.8,
        ["sparsified"] = true,
        ["granularity"] = "model",
        ["start"] = "merges",
        ["lambdas"] = new List<object?> { 0.3, 0.5, 0.7, 1.0 },
        ["anchors"] = new List<object?> { "ties", "dare_ties", "della" },
        ["tuned_anchors"] = true,
        ["floor"] = 2.0,
        ["floor_penalty"] = 1.0,
        ["tied_steps"] = 0.0,
    };

    /// <summary>The preset names.</summary>
    public static IReadOnlyList<string> Names => ["default", "paper"];

    /// <summary>The preset called <paramref name="name"/>, or null.</summary>
    public static IReadOnlyDictionary<string, object?>? Get(string name) => name switch
    {
        "default" => Default,
        "paper" => Paper,
        _ => null,
    };
}
