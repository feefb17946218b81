namespace SwarmMerge.Search;

/// <summary>
/// How a session selects its result when part of the optimization split is held back from the search (the rows a
/// search sees are then the <see cref="ScoringRows.Search"/> rows only). A search that compares many candidates on
/// few rows ends at one that wins partly by noise on those rows; the held-back rows are new to every candidate. So
/// the search's best is returned only if it also beats, on the held-back rows, the incumbent: the best candidate of
/// the search's starting step (for PSO's default preset, the best of its data-free starting merges).
/// </summary>
public sealed record ResultSelection
{
    /// <summary>Evaluations selection takes from the budget: the incumbent and the search's best, on the held-back rows.</summary>
    public const int Evaluations = 2;

    /// <summary>Points by which the search's best must beat the incumbent's held-back fitness (0: any strict win).</summary>
    public double Margin { get; init; }

    /// <summary>The search's best is refused when on any task its held-back score is more than this many points below the incumbent's (∞: no floor).</summary>
    public double TaskFloor { get; init; } = double.PositiveInfinity;
}

/// <summary>How a session selected its result on the held-back rows.</summary>
/// <param name="Incumbent">The best candidate of the search's starting step.</param>
/// <param name="SearchBest">The search's best on its own rows.</param>
/// <param name="IncumbentHeldOut">The incumbent's scores on the held-back rows (null when the two are the same candidate, or it failed).</param>
/// <param name="SearchBestHeldOut">The search's best's scores on the held-back rows (null when the two are the same candidate, or it failed).</param>
/// <param name="Chosen">The result: <paramref name="SearchBest"/> or <paramref name="Incumbent"/>.</param>
/// <param name="Reason">Why, in words.</param>
public sealed record SelectionReport(
    ScoredCandidate Incumbent,
    ScoredCandidate SearchBest,
    IReadOnlyDictionary<string, double>? IncumbentHeldOut,
    IReadOnlyDictionary<string, double>? SearchBestHeldOut,
    ScoredCandidate Chosen,
    string Reason);
