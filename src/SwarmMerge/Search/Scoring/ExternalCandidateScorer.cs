using SwarmMerge.Evaluation;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Search.Scoring;

/// <summary>
/// Scores candidates with a task file's external evaluator: each candidate is written as a checkpoint to a
/// scratch folder of the run, and the command scores it (<c>{split}</c> tells it which data to use).
/// </summary>
public sealed class ExternalCandidateScorer(ExternalEvaluator evaluator, string scratchDirectory, CancellationToken cancellation = default) : ICandidateScorer
{
    /// <inheritdoc />
    public EvaluationOutcome Score(SwarmMaterializer materializer, Candidate candidate, TaskSet tasks)
    {
        materializer.WriteCheckpoint(candidate, scratchDirectory, overwrite: true);
        return Score(scratchDirectory, tasks);
    }

    /// <inheritdoc />
    public EvaluationOutcome Score(string directory, TaskSet tasks) =>
        evaluator.EvaluateAsync(directory, tasks.Tasks.Select(t => t.Spec).ToList(), tasks.SplitName, cancellation).GetAwaiter().GetResult();

    /// <summary>Removes the scratch checkpoint.</summary>
    public void Dispose()
    {
        if (Directory.Exists(scratchDirectory))
        {
            Directory.Delete(scratchDirectory, recursive: true);
        }
    }
}
