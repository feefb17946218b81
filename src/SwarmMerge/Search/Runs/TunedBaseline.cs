using System.Globalization;

namespace SwarmMerge.Search.Runs;

/// <summary>
/// A data-free merge tuned on the optimization split, the way users run one: every combination of the values listed
/// for its parameters is merged and scored on the whole optimization split (one evaluation each), and the first with
/// the best fitness is the baseline scored on the test split.
/// </summary>
/// <param name="Name">Its row in the report: <c>METHOD (tuned)</c>.</param>
/// <param name="Method">The merge method.</param>
/// <param name="Chosen">The parameters picked.</param>
/// <param name="Grid">Every combination tried, with its fitness (null when its scoring failed).</param>
/// <param name="Seconds">Time spent merging and scoring the grid.</param>
public sealed record TunedBaseline(
    string Name,
    string Method,
    IReadOnlyDictionary<string, object?> Chosen,
    IReadOnlyList<(IReadOnlyDictionary<string, object?> Parameters, double? Fitness)> Grid,
    double Seconds)
{
    /// <summary>The picked merge's scores on the optimization split (null for a baseline built by hand, not tuned by a run).</summary>
    public IReadOnlyDictionary<string, double>? ChosenScores { get; init; }

    /// <summary>The evaluations the tuning cost: one per combination.</summary>
    public int Evaluations => Grid.Count;

    /// <summary>
    /// The grids a run tunes when its config sets no <c>tuned_baselines</c>: for each listed baseline with a
    /// strength to choose, the values users try by hand: task arithmetic's λ ∈ {0.3, 0.5, 0.7, 1}; the density of
    /// TIES, DARE (TIES and linear) ∈ {0.3, 0.5, 0.7, 0.9}, and of DELLA ∈ {0.3, 0.5, 0.7} (its ε 0.1 must keep
    /// density + ε below 1). Linear, model stock and breadcrumbs (two coupled fractions) are not tuned.
    /// </summary>
    public static IReadOnlyList<(string Method, IReadOnlyDictionary<string, object?> Grid)> DefaultGrids(IEnumerable<string> baselines) =>
        baselines.Distinct().Select(method => (method, DataFreeMerges.Get(method)?.TuningGrid)).Where(g => g.TuningGrid is not null)
            .Select(g => (g.method, (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                [g.TuningGrid!.Value.Key] = g.TuningGrid.Value.Values.Select(v => (object?)v).ToList(),
            })).ToList();

    /// <summary>The row name of a tuned <paramref name="method"/>.</summary>
    public static string RowName(string method) => $"{method} (tuned)";

    /// <summary>
    /// Every combination of <paramref name="grid"/>'s listed values (in the order the parameters and values are
    /// written), each over the baseline's default parameters of <paramref name="method"/>.
    /// </summary>
    /// <exception cref="SearchConfigException">A parameter lists no value.</exception>
    public static IReadOnlyList<IReadOnlyDictionary<string, object?>> Points(string method, IReadOnlyDictionary<string, object?> grid)
    {
        var points = new List<Dictionary<string, object?>>
        {
            new(DataFreeMerges.Get(method)?.Defaults ?? new Dictionary<string, object?>(), StringComparer.Ordinal),
        };
        foreach (var (key, value) in grid)
        {
            var values = value as IReadOnlyList<object?> ?? [value];
            if (values.Count == 0)
            {
                throw new SearchConfigException($"tuned_baselines: {method}: '{key}' lists no value to try.");
            }
            points = points.SelectMany(point => values.Select(v => new Dictionary<string, object?>(point, StringComparer.Ordinal) { [key] = v })).ToList();
        }
        return points;
    }

    /// <summary>Parameters as the report writes them (<c>lambda 0.7</c>).</summary>
    public static string Describe(IReadOnlyDictionary<string, object?> parameters, IReadOnlyDictionary<string, object?> grid) =>
        string.Join(", ", grid.Keys.Select(k => $"{k} {Convert.ToString(parameters[k], CultureInfo.InvariantCulture)}"));
}
