using SwarmMerge.Evaluation;
using SwarmMerge.Merging;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Search.Scoring;

/// <summary>
/// How a search run scores its candidates, shared by the process that runs the search and by cluster workers,
/// so that both give the same outcome for the same candidate.
/// </summary>
public static class RunScoring
{
    /// <summary>The run's scorer: the task file's external evaluator (through a scratch checkpoint), or the built-in engine on <paramref name="baseModel"/>.</summary>
    /// <param name="taskFile">The task file (its evaluator, if any).</param>
    /// <param name="baseModel">The base checkpoint, whose config and tokenizer the engine uses.</param>
    /// <param name="tasks">The tasks the engine will score (checked for support).</param>
    /// <param name="scratchDirectory">Where the external evaluator's candidate checkpoint is written.</param>
    /// <param name="threads">Engine threads.</param>
    /// <param name="cancellation">Stops a running external evaluator, or the engine before its next batch.</param>
    public static ICandidateScorer OpenScorer(TaskFile taskFile, string baseModel, TaskSet tasks, string scratchDirectory, int threads, CancellationToken cancellation = default) =>
        taskFile.Evaluator is { } evaluator
            ? new ExternalCandidateScorer(evaluator, scratchDirectory, cancellation)
            : CandidateScorer.Open(baseModel, tasks, threads, cancellation);

    /// <summary>
    /// Scores one candidate of <paramref name="space"/> on the rows it asks for; it may stop early once it cannot exceed
    /// its threshold.
    /// </summary>
    /// <returns>Per-task scores, or why the candidate failed (a merge the method refuses, as an Evo point may be).</returns>
    /// <param name="scorer">The run's scorer.</param>
    /// <param name="space">The search's space.</param>
    /// <param name="candidate">The candidate (its rows and threshold say what to score, and when it may stop).</param>
    /// <param name="rows">The search's rows of the optimization split.</param>
    /// <param name="fitness">How task scores combine (for stopping early).</param>
    /// <param name="cancellation">Stops the merge or the scoring.</param>
    public static EvaluationOutcome Score(ICandidateScorer scorer, ICandidateSpace space, Candidate candidate, RunRows rows, Fitness fitness,
        CancellationToken cancellation = default)
    {
        var goal = candidate.Threshold is double threshold ? new ScoringGoal(fitness, threshold) : null;
        try
        {
            return scorer.Score(space, candidate, rows.For(candidate), goal, cancellation);
        }
        catch (MergeConfigException e)
        {
            return EvaluationOutcome.Failed($"{e.GetType().Name}: {e.Message}");
        }
    }
}
