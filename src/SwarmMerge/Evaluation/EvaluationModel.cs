using SwarmMerge.Inference;
using SwarmMerge.Inference.Tokenization;
using SwarmMerge.IO;
using SwarmMerge.Models;

namespace SwarmMerge.Evaluation;

/// <summary>
/// A checkpoint opened for scoring: its architecture on the engine and its own tokenizer. Tasks with
/// <see cref="TaskSpec.HeadFrom"/> are scored by this checkpoint's body under that expert's classification
/// head (heads are never merged): a model is built from the expert's config, given the expert's head and
/// this checkpoint's body.
/// </summary>
public sealed class EvaluationModel : IDisposable
{
    private readonly IModelSource _checkpoint;
    private readonly InferenceOptions _options;
    private readonly InferenceModel _model;
    private readonly Dictionary<string, (SequenceClassificationModel Model, CheckpointTokenizer Tokenizer)> _heads = new(StringComparer.Ordinal);

    private EvaluationModel(IModelSource checkpoint, InferenceModel model, CheckpointTokenizer tokenizer, InferenceOptions options)
    {
        _checkpoint = checkpoint;
        _model = model;
        _options = options;
        Tokenizer = tokenizer;
    }

    /// <summary>The checkpoint's tokenizer.</summary>
    public CheckpointTokenizer Tokenizer { get; }

    /// <summary>The checkpoint's model on the engine.</summary>
    public InferenceModel Model => _model;

    /// <summary>
    /// Opens <paramref name="directory"/> (config, weights, tokenizer) for scoring: a checkpoint folder, or
    /// <c>base+adapter</c> (the base's config and tokenizer; the adapter's updates computed into the engine's weights).
    /// </summary>
    public static EvaluationModel Open(string directory, InferenceOptions? options = null)
    {
        options ??= new InferenceOptions();
        var checkpoint = ModelOpener.OpenStandalone(directory, Environment.CurrentDirectory);
        try
        {
            var tokenizer = CheckpointTokenizer.Load(checkpoint.Directory);
            return new EvaluationModel(checkpoint, OpenModel(checkpoint, options), tokenizer, options);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    /// <summary>Builds the engine's model of <paramref name="source"/>: from its base checkpoint, then the adapter's changed tensors on top.</summary>
    public static InferenceModel OpenModel(IModelSource source, InferenceOptions options)
    {
        if (source is not AdaptedModel adapted)
        {
            return ModelFamilies.Open((Checkpoint)source, options);
        }
        var model = ModelFamilies.Open(adapted.Base, options);
        try
        {
            model.Weights.LoadFrom(adapted, only: adapted.Changes);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The model as a language model, or null for an encoder.</summary>
    public ITextScorer? Text => _model switch
    {
        CausalLanguageModel causal => new CausalTextScorer(causal, Tokenizer),
        Seq2SeqLanguageModel seq2seq => new Seq2SeqTextScorer(seq2seq, Tokenizer),
        _ => null,
    };

    /// <summary>Scores every task of <paramref name="tasks"/> (×100, by task name).</summary>
    public Dictionary<string, double> Evaluate(TaskSet tasks) => TaskEvaluator.Evaluate(tasks, Text, HeadFor);

    /// <summary>Scores the tasks of <paramref name="tasks"/>, stopping early when <paramref name="goal"/> allows (see <see cref="ScoringGoal"/>).</summary>
    public TaskSetScores Evaluate(TaskSet tasks, ScoringGoal? goal) => TaskEvaluator.Evaluate(tasks, Text, HeadFor, goal);

    private IHeadScorer HeadFor(TaskSpec task)
    {
        string expert = task.HeadFrom!;
        if (!_heads.TryGetValue(expert, out var head))
        {
            using var expertCheckpoint = Checkpoint.Open(expert);
            var model = SequenceClassificationModel.Open(expertCheckpoint, _options);
            try
            {
                model.Weights.LoadFrom(_checkpoint, only: name => !TensorNames.IsHead(name));
            }
            catch
            {
                model.Dispose();
                throw;
            }
            head = (model, CheckpointTokenizer.Load(expert));
            _heads[expert] = head;
        }
        return new EncoderHeadScorer(head.Model, head.Tokenizer);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (model, _) in _heads.Values)
        {
            model.Dispose();
        }
        _model.Dispose();
        _checkpoint.Dispose();
    }
}
