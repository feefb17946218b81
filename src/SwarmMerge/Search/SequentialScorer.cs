using SwarmMerge.Evaluation;

namespace SwarmMerge.Search;

/// <summary>Scores a generation in this process, one candidate after another, in candidate order.</summary>
/// <param name="fitness">Scores one candidate; it must be deterministic for resumed runs to equal uninterrupted ones.</param>
/// <param name="clock">Times each candidate (tests pass a fixed clock for byte-identical logs).</param>
public sealed class SequentialScorer(Func<Candidate, EvaluationOutcome> fitness, TimeProvider? clock = null) : IBatchScorer
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <inheritdoc />
    public void Score(IReadOnlyList<Candidate> candidates, Action<int, TimedOutcome> scored, CancellationToken cancellation)
    {
        for (int i = 0; i < candidates.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            long start = _clock.GetTimestamp();
            var outcome = fitness(candidates[i]);
            scored(i, new TimedOutcome(outcome, _clock.GetElapsedTime(start).TotalSeconds));
        }
    }
}
