using SwarmMerge.Evaluation;

namespace SwarmMerge.Search;

/// <summary>
/// Scores a whole generation of candidates for a <see cref="SearchSession"/>: one process scoring them one after
/// another (<see cref="SequentialScorer"/>), or many workers scoring them at once. Whatever the order in which
/// candidates finish, the session logs them in candidate order, so results never depend on it.
/// </summary>
public interface IBatchScorer
{
    /// <summary>
    /// Scores every candidate of <paramref name="candidates"/>, calling <paramref name="scored"/> once per candidate
    /// (its index and outcome) as soon as it is known, from any thread, in any order. Returns when all are scored.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> fired; candidates already reported stay reported.</exception>
    void Score(IReadOnlyList<Candidate> candidates, Action<int, TimedOutcome> scored, CancellationToken cancellation);

    /// <summary>
    /// True when this scorer scores one candidate after another, so that a search loses nothing by asking for one at a
    /// time (and can give each a threshold that depends on the ones before it); false when it scores many at once.
    /// </summary>
    bool ScoresOneAtATime => true;
}

/// <summary>What scoring one candidate gave, and the seconds it took.</summary>
/// <param name="Outcome">Per-task scores, or the error.</param>
/// <param name="Seconds">Time spent scoring it.</param>
public sealed record TimedOutcome(EvaluationOutcome Outcome, double Seconds);
