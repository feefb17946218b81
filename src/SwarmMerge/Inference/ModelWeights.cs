using Microsoft.ML.OnnxRuntime;
using SwarmMerge.IO;

namespace SwarmMerge.Inference;

/// <summary>
/// The fp32 weight buffers of one candidate model, keyed by Hugging Face checkpoint names. The buffers are
/// pinned and the inference session reads them in place, so writing a span (for example a merged tensor)
/// changes what the next run computes, with no copy and no new graph. Tied tensors (a tied <c>lm_head.weight</c>)
/// are names of the buffer they are tied to.
/// </summary>
public sealed class ModelWeights : IDisposable
{
    private readonly Dictionary<string, WeightSpec> _specs;
    private readonly Dictionary<string, float[]> _buffers;
    private readonly Dictionary<string, OrtValue> _values;
    private readonly Dictionary<string, string> _tied;

    internal ModelWeights(string modelType, IReadOnlyList<WeightSpec> specs, IReadOnlyDictionary<string, string> tied)
    {
        ModelType = modelType;
        Specs = specs;
        _specs = specs.ToDictionary(s => s.Name, StringComparer.Ordinal);
        _tied = new Dictionary<string, string>(tied, StringComparer.Ordinal);
        _buffers = new Dictionary<string, float[]>(StringComparer.Ordinal);
        _values = new Dictionary<string, OrtValue>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            if (spec.ElementCount > Array.MaxLength)
            {
                throw new NotSupportedException($"Weight '{spec.Name}' {spec.ShapeText} has more elements than one buffer can hold.");
            }
            var buffer = GC.AllocateArray<float>((int)spec.ElementCount, pinned: true);
            _buffers[spec.Name] = buffer;
            _values[spec.Name] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(buffer), spec.Shape);
        }
    }

    /// <summary>The <c>model_type</c> these weights are for.</summary>
    public string ModelType { get; }

    /// <summary>Every distinct weight buffer, in graph order.</summary>
    public IReadOnlyList<WeightSpec> Specs { get; }

    /// <summary>Tied names and the buffer each one shares (e.g. <c>lm_head.weight</c> → <c>model.embed_tokens.weight</c>).</summary>
    public IReadOnlyDictionary<string, string> TiedNames => _tied;

    /// <summary>True when <paramref name="name"/> is a weight buffer or a name tied to one.</summary>
    public bool Contains(string name) => _specs.ContainsKey(name) || _tied.ContainsKey(name);

    /// <summary>The spec of buffer <paramref name="name"/> (a tied name gives the spec of the buffer it shares).</summary>
    public WeightSpec Spec(string name) => _specs[Resolve(name)];

    /// <summary>The fp32 buffer of <paramref name="name"/> in Hugging Face layout (row-major, checkpoint shape).</summary>
    /// <exception cref="KeyNotFoundException">The model has no such weight.</exception>
    public Span<float> GetSpan(string name) => _buffers[Resolve(name)];

    /// <summary>
    /// Fills every buffer from <paramref name="checkpoint"/>, decoding F32/F16/BF16 to fp32. Tensors the model
    /// does not use are ignored; tied tensors may be absent.
    /// </summary>
    /// <param name="checkpoint">The model to read: a checkpoint, or a base with an adapter (whose update is computed into the buffers).</param>
    /// <param name="only">When given, only the weights it accepts (by their name or one of their alternative names) are loaded (e.g. a body without its head).</param>
    /// <exception cref="SafetensorsFormatException">A tensor is missing, misshaped or not a float tensor; the message names it.</exception>
    public void LoadFrom(IModelSource checkpoint, Func<string, bool>? only = null)
    {
        var sources = Specs.Where(spec => only is null || only(spec.Name) || spec.AlternativeNames.Any(only)).Select(spec => (Spec: spec, Name: FindInCheckpoint(checkpoint, spec))).ToList();
        foreach (var (spec, name) in sources)
        {
            var info = checkpoint.Info(name);
            if (!info.Shape.SequenceEqual(spec.Shape))
            {
                throw new SafetensorsFormatException(checkpoint.Name, name,
                    $"shape {info.ShapeText} does not match {spec.ShapeText}, the shape '{ModelType}' with this config.json needs");
            }
            if (!info.DType.IsMergeable())
            {
                throw new SafetensorsFormatException(checkpoint.Name, name, $"dtype {info.DType.SafetensorsName()} is not a float type (F32, F16 or BF16)");
            }
        }
        Parallel.ForEach(sources, source =>
        {
            using var values = checkpoint.OpenValues(source.Name);
            values.ReadFloats(0, _buffers[source.Spec.Name]);
        });
    }

    /// <summary>Copies every buffer from <paramref name="other"/>, which must be weights of the same model.</summary>
    public void CopyFrom(ModelWeights other)
    {
        foreach (var spec in Specs)
        {
            other.GetSpan(spec.Name).CopyTo(GetSpan(spec.Name));
        }
    }

    internal OrtValue Value(string name) => _values[name];

    private string Resolve(string name) =>
        _tied.TryGetValue(name, out var target) ? target
        : _specs.ContainsKey(name) ? name
        : throw new KeyNotFoundException($"'{ModelType}' has no weight named '{name}'.");

    private string FindInCheckpoint(IModelSource checkpoint, WeightSpec spec)
    {
        if (checkpoint.Contains(spec.Name))
        {
            return spec.Name;
        }
        return spec.AlternativeNames.FirstOrDefault(checkpoint.Contains)
            ?? throw new SafetensorsFormatException(checkpoint.Name, spec.Name,
                $"missing; '{ModelType}' with this config.json needs it with shape {spec.ShapeText}");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var value in _values.Values)
        {
            value.Dispose();
        }
    }
}
