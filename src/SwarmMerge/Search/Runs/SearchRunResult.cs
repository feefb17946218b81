using SwarmMerge.Search;

namespace SwarmMerge.Search.Runs;

/// <summary>What a <c>swarmmerge search</c> run produced: each search's result, and held-out test scores of everything compared.</summary>
/// <param name="Directory">The run folder.</param>
/// <param name="Searches">Each search's result, in config order.</param>
/// <param name="TestScores">Test-split scores (task → score ×100) by row name: base, experts, baselines, searches' bests.</param>
/// <param name="RowKinds">What each row is: base, expert, data-free, data-free (tuned) or search.</param>
/// <param name="MergedDirectory">Where the first search's best model was written.</param>
public sealed record SearchRunResult(
    string Directory,
    IReadOnlyList<SearchResult> Searches,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> TestScores,
    IReadOnlyDictionary<string, string> RowKinds,
    string MergedDirectory)
{
    /// <summary>
    /// Optimization-split scores by row: base, experts and baselines on the whole split, each search's result on the
    /// rows it searched with (so that their difference from <see cref="TestScores"/> is what each believed it would get).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> OptimizationScores { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, double>>();

    /// <summary>The tuned baselines: the values tried and the one picked.</summary>
    public IReadOnlyList<TunedBaseline> TunedBaselines { get; init; } = [];

    /// <summary>
    /// The test-split normalized mean of <paramref name="row"/>: each task's score divided by the best expert's
    /// score on that task, ×100, averaged over tasks (NaN when a task has no expert with a positive score).
    /// </summary>
    public double NormalizedMean(string row)
    {
        var experts = RowKinds.Where(k => k.Value == "expert").Select(k => TestScores[k.Key]).ToList();
        var scores = TestScores[row];
        return scores.Keys.Average(task =>
        {
            double reference = experts.Count == 0 ? double.NaN : experts.Max(e => e[task]);
            return reference > 0 ? 100 * scores[task] / reference : double.NaN;
        });
    }
}
