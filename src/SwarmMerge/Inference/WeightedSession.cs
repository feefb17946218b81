using Microsoft.ML.OnnxRuntime;

namespace SwarmMerge.Inference;

/// <summary>
/// An ONNX Runtime session whose graph takes the weights as inputs, bound to the active <see cref="ModelWeights"/>.
/// Each run passes the per-run inputs plus the weight buffers (read in place, never copied on the CPU).
/// </summary>
internal sealed class WeightedSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly IReadOnlyList<WeightSpec> _specs;
    private readonly string _modelType;
    private readonly RunOptions _runOptions = new();

    public WeightedSession(byte[] graph, string modelType, IReadOnlyList<WeightSpec> specs, IReadOnlyDictionary<string, string> tied, InferenceOptions options)
    {
        _session = OrtSessions.Create(graph, options);
        _modelType = modelType;
        _specs = specs;
        Tied = tied;
        Weights = CreateWeights();
    }

    public IReadOnlyDictionary<string, string> Tied { get; }

    public ModelWeights Weights { get; private set; }

    public ModelWeights CreateWeights() => new(_modelType, _specs, Tied);

    public void UseWeights(ModelWeights weights)
    {
        if (!ReferenceEquals(weights.Specs, _specs))
        {
            throw new ArgumentException("These weights were not created by this model (use CreateWeights()).", nameof(weights));
        }
        Weights = weights;
    }

    /// <summary>Runs with <paramref name="inputs"/> (name, value) plus the weights; the caller disposes the outputs.</summary>
    public IDisposableReadOnlyCollection<OrtValue> Run(IReadOnlyList<(string Name, OrtValue Value)> inputs, IReadOnlyCollection<string> outputs)
    {
        var names = new List<string>(inputs.Count + _specs.Count);
        var values = new List<OrtValue>(inputs.Count + _specs.Count);
        foreach (var (name, value) in inputs)
        {
            names.Add(name);
            values.Add(value);
        }
        foreach (var spec in _specs)
        {
            names.Add(spec.Name);
            values.Add(Weights.Value(spec.Name));
        }
        return _session.Run(_runOptions, names, values, outputs);
    }

    public void Dispose()
    {
        Weights.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
