using SwarmMerge.IO;

namespace SwarmMerge.Inference;

/// <summary>
/// What every model of the engine shares: a graph (one ONNX Runtime session per graph) built once from
/// <c>config.json</c> and weight buffers that candidates fill. Switching candidates means writing into
/// <see cref="Weights"/> (e.g. <see cref="ModelWeights.LoadFrom"/>, or merged values through
/// <see cref="ModelWeights.GetSpan"/>) or switching to another buffer set with <see cref="UseWeights"/>.
/// Models are not thread-safe: run one call at a time.
/// </summary>
public abstract class InferenceModel : IDisposable
{
    private readonly IReadOnlyList<WeightSpec> _specs;
    private readonly IReadOnlyDictionary<string, string> _tied;
    private readonly List<ModelWeights> _created = [];

    private protected InferenceModel(string modelType, IReadOnlyList<WeightSpec> specs, IReadOnlyDictionary<string, string> tied, InferenceOptions options)
    {
        ModelType = modelType;
        Options = options;
        _specs = specs;
        _tied = tied;
        Weights = CreateWeights();
    }

    /// <summary>The config's <c>model_type</c>.</summary>
    public string ModelType { get; }

    /// <summary>How the model runs.</summary>
    public InferenceOptions Options { get; }

    /// <summary>The weights the next call runs with.</summary>
    public ModelWeights Weights { get; private set; }

    /// <summary>A new, zeroed set of weight buffers for this model (e.g. one per candidate); the model disposes it.</summary>
    public ModelWeights CreateWeights()
    {
        var weights = new ModelWeights(ModelType, _specs, _tied);
        _created.Add(weights);
        return weights;
    }

    /// <summary>Runs later calls with <paramref name="weights"/> (from <see cref="CreateWeights"/>); nothing is copied.</summary>
    public void UseWeights(ModelWeights weights)
    {
        if (!_created.Contains(weights))
        {
            throw new ArgumentException("These weights were not created by this model (use CreateWeights()).", nameof(weights));
        }
        Weights = weights;
    }

    /// <summary>Loads <paramref name="checkpoint"/> into <see cref="Weights"/>, disposing the model on failure (for factory methods).</summary>
    private protected static TModel Loaded<TModel>(TModel model, Checkpoint checkpoint) where TModel : InferenceModel
    {
        try
        {
            model.Weights.LoadFrom(checkpoint);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Releases the sessions.</summary>
    protected abstract void DisposeSessions();

    /// <inheritdoc />
    public void Dispose()
    {
        DisposeSessions();
        foreach (var weights in _created)
        {
            weights.Dispose();
        }
        GC.SuppressFinalize(this);
    }
}
