namespace SwarmMerge.Search;

/// <summary>What a search found and what it cost.</summary>
/// <param name="Method">The search's name.</param>
/// <param name="Best">The result: the best candidate ever evaluated (the first of equals), or what selection on held-back rows chose; null when none succeeded.</param>
/// <param name="Evaluations">Candidates evaluated, cache hits and replayed ones included (what budgets count).</param>
/// <param name="FitnessCalls">Candidates actually scored, over the whole run (replayed ones included, cache hits not).</param>
/// <param name="Replayed">Evaluations answered from the log of an earlier, interrupted run.</param>
/// <param name="StoppedBy">Why it stopped: the search's own reason (<c>steps</c>, <c>patience</c>, <c>generations</c>…) or <c>budget</c>.</param>
/// <param name="WallSeconds">Wall time of this process's part of the run.</param>
/// <param name="ScoringSeconds">Time spent scoring over the whole run, from the log.</param>
/// <param name="BestByStep">The best fitness seen up to the end of each step (index = step).</param>
public sealed record SearchResult(
    string Method,
    ScoredCandidate? Best,
    int Evaluations,
    int FitnessCalls,
    int Replayed,
    string StoppedBy,
    double WallSeconds,
    double ScoringSeconds,
    IReadOnlyList<double> BestByStep)
{
    /// <summary>The search's best on its own rows (the first of equals); <see cref="Best"/> differs from it when selection on held-back rows chose the incumbent.</summary>
    public ScoredCandidate? SearchBest { get; init; }

    /// <summary>How the result was selected on held-back rows, or null when no rows were held back.</summary>
    public SelectionReport? Selection { get; init; }

    /// <summary>The floor under each task its fitness had (<see cref="Evaluation.TaskFloor"/>), or null for none.</summary>
    public Evaluation.TaskFloor? Floor { get; init; }

    /// <summary>Candidates whose scoring stopped early (see <see cref="Candidate.Threshold"/>), replayed ones included.</summary>
    public int StoppedEarly { get; init; }
}
