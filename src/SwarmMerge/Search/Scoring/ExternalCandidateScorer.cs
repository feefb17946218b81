using SwarmMerge.Adapters;
using SwarmMerge.Evaluation;
using SwarmMerge.Merging;
using SwarmMerge.Models;
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
    /// <remarks>The command scores its own data for the split it is told, so it cannot score held-back rows.</remarks>
    public bool ScoresRows => false;

    /// <inheritdoc />
    /// <remarks>The command scores every row: it cannot stop early.</remarks>
    public EvaluationOutcome Score(ICandidateSpace space, Candidate candidate, TaskSet tasks, ScoringGoal? goal = null, CancellationToken cancellation = default)
    {
        space.WriteCheckpoint(candidate, scratchDirectory, cancellation);
        return Score(scratchDirectory, tasks);
    }

    /// <inheritdoc />
    /// <remarks>A <c>base+adapter</c> is first folded into a checkpoint in the scratch folder: the evaluator is given a folder it can load.
    /// The command scores every row: it cannot stop early.</remarks>
    public EvaluationOutcome Score(string directory, TaskSet tasks, ScoringGoal? goal = null)
    {
        if (ModelReference.Parse(directory, Environment.CurrentDirectory).Adapter is not null)
        {
            directory = AdapterFolding.WriteCheckpoint(directory, scratchDirectory, new MergeOptions { Overwrite = true });
        }
        return evaluator.EvaluateAsync(directory, tasks.Tasks.Select(t => t.Spec).ToList(), tasks.SplitName, cancellation).GetAwaiter().GetResult();
    }

    /// <summary>Removes the scratch checkpoint.</summary>
    public void Dispose()
    {
        if (Directory.Exists(scratchDirectory))
        {
            Directory.Delete(scratchDirectory, recursive: true);
        }
    }
}
