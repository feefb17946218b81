using SwarmMerge.Evaluation;
using SwarmMerge.Merging;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Search.Scoring;

/// <summary>How a search run scores candidates and checkpoints: the built-in engine, or a user's external evaluator.</summary>
public interface ICandidateScorer : IDisposable
{
    /// <summary>Scores the coefficient-space (or elementwise) <paramref name="candidate"/> on <paramref name="tasks"/>.</summary>
    /// <param name="materializer">Turns the candidate into weights.</param>
    /// <param name="candidate">The candidate.</param>
    /// <param name="tasks">The rows to score.</param>
    /// <param name="goal">When set, scoring may stop early (see <see cref="ScoringGoal"/>); a scorer that cannot stop early scores every row.</param>
    EvaluationOutcome Score(SwarmMaterializer materializer, Candidate candidate, TaskSet tasks, ScoringGoal? goal = null);

    /// <summary>Scores the checkpoint in <paramref name="directory"/> on <paramref name="tasks"/>, stopping early when <paramref name="goal"/> allows.</summary>
    EvaluationOutcome Score(string directory, TaskSet tasks, ScoringGoal? goal = null);

    /// <summary>
    /// Scores the merge <paramref name="plan"/> (an Evo candidate) on <paramref name="tasks"/>: the engine runs it
    /// into its own weights; a scorer that needs a checkpoint writes it to <paramref name="scratchDirectory"/> first.
    /// </summary>
    /// <param name="plan">The merge.</param>
    /// <param name="options">How it runs (threads, seed).</param>
    /// <param name="scratchDirectory">Where a checkpoint of it goes when one is needed (replaced).</param>
    /// <param name="tasks">The rows to score.</param>
    /// <param name="goal">When set, scoring may stop early.</param>
    /// <param name="cancellation">Stops the merge.</param>
    EvaluationOutcome Score(MergePlan plan, MergeOptions options, string scratchDirectory, TaskSet tasks, ScoringGoal? goal = null, CancellationToken cancellation = default);

    /// <summary>True when this scorer can score part of a split (its rows are its own choice otherwise: held-back rows need it).</summary>
    bool ScoresRows { get; }
}
