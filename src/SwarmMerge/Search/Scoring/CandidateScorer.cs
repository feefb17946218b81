using SwarmMerge.Evaluation;
using SwarmMerge.Inference;
using SwarmMerge.Models;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Search.Scoring;

/// <summary>
/// Scores search candidates with the built-in engine: one model (built once from the base's config) whose
/// weight buffers each candidate overwrites, straight from its space (<see cref="ICandidateSpace.WriteWeights"/>: no checkpoint
/// written), or from a checkpoint folder. Failures become failed outcomes, so a search goes on; data this architecture
/// cannot take at all (<see cref="TaskDataException"/>, e.g. a prompt beyond its positions) stops the run at once.
/// </summary>
public sealed class CandidateScorer : ICandidateScorer
{
    private readonly EvaluationModel _model;

    private CandidateScorer(EvaluationModel model) => _model = model;

    /// <summary>Opens the engine on <paramref name="baseModel"/> (its config, tokenizer and weights).</summary>
    /// <exception cref="NotSupportedException">A task is scored by a classification head (not yet supported in searches).</exception>
    public static CandidateScorer Open(string baseModel, TaskSet tasks, int threads, CancellationToken cancellation = default)
    {
        var head = tasks.Tasks.FirstOrDefault(t => t.Spec.UsesHead);
        if (head is not null)
        {
            throw new NotSupportedException($"Task '{head.Spec.Name}' is scored by a classification head (head_from); searches support prompt-scored tasks (decoders, T5) only so far.");
        }
        var model = EvaluationModel.Open(baseModel, new Inference.InferenceOptions { Threads = threads, Cancellation = cancellation });
        if (model.Text is null)
        {
            model.Dispose();
            throw new NotSupportedException($"'{model.Model.ModelType}' is an encoder; searches score decoder or T5 models on prompt-scored tasks.");
        }
        return new CandidateScorer(model);
    }

    /// <inheritdoc />
    public bool ScoresRows => true;

    /// <inheritdoc />
    public EvaluationOutcome Score(ICandidateSpace space, Candidate candidate, TaskSet tasks, ScoringGoal? goal = null, CancellationToken cancellation = default) => Guard(() =>
    {
        space.WriteWeights(candidate, _model.Model.Weights, cancellation);
        return _model.Evaluate(tasks, goal);
    });

    /// <inheritdoc />
    public EvaluationOutcome Score(string directory, TaskSet tasks, ScoringGoal? goal = null) => Guard(() =>
    {
        using var model = ModelOpener.OpenStandalone(directory, Environment.CurrentDirectory);
        _model.Model.Weights.LoadFrom(model);
        return _model.Evaluate(tasks, goal);
    });

    private static EvaluationOutcome Guard(Func<TaskSetScores> score)
    {
        try
        {
            return EvaluationOutcome.Of(score());
        }
        // Data that no model of this architecture can score fails every candidate alike: it stops the run at once.
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException or TaskDataException))
        {
            return EvaluationOutcome.Failed($"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _model.Dispose();
}
