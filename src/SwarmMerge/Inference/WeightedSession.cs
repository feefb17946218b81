using Microsoft.ML.OnnxRuntime;

namespace SwarmMerge.Inference;

/// <summary>
/// An ONNX Runtime session whose graph takes the weights as inputs. Each run passes the per-run inputs plus
/// the given <see cref="ModelWeights"/> buffers, which ONNX Runtime reads in place (no copy on the CPU).
/// </summary>
internal sealed class WeightedSession(byte[] graph, IReadOnlyList<WeightSpec> specs, InferenceOptions options) : IDisposable
{
    private readonly InferenceSession _session = OrtSessions.Create(graph, options);
    private readonly RunOptions _runOptions = new();

    /// <summary>Runs with <paramref name="inputs"/> (name, value) plus the weights; the caller disposes the outputs.</summary>
    public IDisposableReadOnlyCollection<OrtValue> Run(ModelWeights weights, IReadOnlyList<(string Name, OrtValue Value)> inputs, IReadOnlyCollection<string> outputs)
    {
        var names = new List<string>(inputs.Count + specs.Count);
        var values = new List<OrtValue>(inputs.Count + specs.Count);
        foreach (var (name, value) in inputs)
        {
            names.Add(name);
            values.Add(value);
        }
        foreach (var spec in specs)
        {
            names.Add(spec.Name);
            values.Add(weights.Value(spec.Name));
        }
        return _session.Run(_runOptions, names, values, outputs);
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}
