using SwarmMerge.Evaluation;

namespace SwarmMerge.Search.Scoring;

/// <summary>
/// The optimization split as one search of a run scores it: the rows its candidates are scored on and, when part of
/// the split is held back for selecting its result (<see cref="ResultSelection"/>), those rows.
/// </summary>
/// <param name="Search">The rows the search sees (the whole split when none are held back).</param>
/// <param name="Selection">The held-back rows, or null.</param>
public sealed record RunRows(OptimizationTasks Search, OptimizationTasks? Selection)
{
    /// <summary>The rows of <paramref name="optimization"/> a search with <paramref name="heldOutShare"/> of them held back (0: none) sees, split by <paramref name="seed"/>.</summary>
    public static RunRows Of(OptimizationTasks optimization, double heldOutShare, ulong seed)
    {
        if (heldOutShare == 0)
        {
            return new RunRows(optimization, null);
        }
        var (search, selection) = optimization.HoldOut(heldOutShare, seed);
        return new RunRows(search, selection);
    }

    /// <summary>The rows that score <paramref name="candidate"/>.</summary>
    public OptimizationTasks For(Candidate candidate) => candidate.Rows == ScoringRows.Search ? Search
        : Selection ?? throw new InvalidOperationException($"Candidate {candidate.Method}, step {candidate.Step}, member {candidate.Member} asks for held-back rows, but this search holds none back.");
}
