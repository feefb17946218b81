using SwarmMerge.Evaluation;

namespace SwarmMerge.Search;

/// <summary>How a <see cref="SearchSession"/> scores, logs and limits a search.</summary>
public sealed record SearchOptions
{
    /// <summary>How per-task scores combine into the fitness maximized (the paper: the plain mean).</summary>
    public Fitness Fitness { get; init; } = new(FitnessKind.Mean);

    /// <summary>Run folder for <c>evaluations.jsonl</c> and <c>state.json</c>; a folder that holds them is resumed. Null: no log.</summary>
    public string? RunDirectory { get; init; }

    /// <summary>At most this many evaluations (cache hits included); null: as many as the search makes.</summary>
    public int? MaxEvaluations { get; init; }

    /// <summary>Answer a candidate identical to an earlier one (bit for bit) with the earlier outcome instead of scoring it again.</summary>
    public bool ReuseScores { get; init; } = true;

    /// <summary>The clock that times scoring (tests pass a fixed one for byte-identical logs).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Told of every evaluation, replayed ones included.</summary>
    public IProgress<ScoredCandidate>? Progress { get; init; }

    /// <summary>Stops the run between evaluations; the log stays valid and the run can be resumed.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>
    /// Lets the scorer stop a candidate early once it cannot exceed the threshold its search gave it
    /// (<see cref="Candidate.Threshold"/>): the search, its log's candidates and its result are the same as with
    /// full scoring; the log records the bound instead of the fitness of such a candidate.
    /// </summary>
    public bool EarlyStopping { get; init; } = true;

    /// <summary>Selects the result on rows held back from the search (the scorer must know them: <see cref="ScoringRows.Selection"/>); null: the result is the search's best.</summary>
    public ResultSelection? Selection { get; init; }
}
