using SwarmMerge.Evaluation;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Search.Scoring;

/// <summary>How a search run scores candidates and checkpoints: the built-in engine, or a user's external evaluator.</summary>
public interface ICandidateScorer : IDisposable
{
    /// <summary>Scores <paramref name="candidate"/> of <paramref name="space"/> on <paramref name="tasks"/>.</summary>
    /// <param name="space">Turns the candidate into weights (the engine's) or a checkpoint (an external evaluator's).</param>
    /// <param name="candidate">The candidate.</param>
    /// <param name="tasks">The rows to score.</param>
    /// <param name="goal">When set, scoring may stop early (see <see cref="ScoringGoal"/>); a scorer that cannot stop early scores every row.</param>
    /// <param name="cancellation">Stops the merge.</param>
    EvaluationOutcome Score(ICandidateSpace space, Candidate candidate, TaskSet tasks, ScoringGoal? goal = null, CancellationToken cancellation = default);

    /// <summary>Scores the checkpoint in <paramref name="directory"/> on <paramref name="tasks"/>, stopping early when <paramref name="goal"/> allows.</summary>
    EvaluationOutcome Score(string directory, TaskSet tasks, ScoringGoal? goal = null);

    /// <summary>True when this scorer can score part of a split (its rows are its own choice otherwise: held-back rows need it).</summary>
    bool ScoresRows { get; }
}
