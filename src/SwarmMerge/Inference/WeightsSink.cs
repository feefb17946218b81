using System.Buffers;
using SwarmMerge.IO;

namespace SwarmMerge.Inference;

/// <summary>
/// A merge's output written straight into the engine's weight buffers, exactly as loading the merged checkpoint would
/// fill them (<see cref="ModelWeights.LoadFrom"/>): each buffer from the output tensor of its name (or else of one of
/// its alternative names), computed values rounded to the tensor's dtype first, copied tensors decoded as stored.
/// Output tensors no buffer takes are dropped.
/// </summary>
public sealed class WeightsSink : ITensorSink
{
    private readonly ModelWeights _weights;
    private readonly Dictionary<string, (string Buffer, TensorDType DType)> _targets = new(StringComparer.Ordinal);

    /// <summary>A sink into <paramref name="weights"/> for a merge whose output tensors are <paramref name="tensors"/>.</summary>
    public WeightsSink(ModelWeights weights, IReadOnlyList<OutputTensor> tensors)
    {
        _weights = weights;
        var outputs = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var spec in weights.Specs)
        {
            string? name = outputs.ContainsKey(spec.Name) ? spec.Name : spec.AlternativeNames.FirstOrDefault(outputs.ContainsKey);
            if (name is null)
            {
                continue;
            }
            var output = outputs[name];
            if (!output.Shape.SequenceEqual(spec.Shape))
            {
                throw new SafetensorsFormatException(name, name, $"shape [{string.Join(", ", output.Shape)}] does not match {spec.ShapeText}, the shape '{weights.ModelType}' needs");
            }
            _targets[name] = (spec.Name, output.DType);
        }
    }

    /// <inheritdoc />
    public void Write(string tensor, long start, ReadOnlySpan<float> values)
    {
        if (!_targets.TryGetValue(tensor, out var target))
        {
            return;
        }
        var destination = _weights.GetSpan(target.Buffer).Slice((int)start, values.Length);
        if (target.DType == TensorDType.F32)
        {
            values.CopyTo(destination);
            return;
        }
        int size = target.DType.SizeOf();
        byte[] encoded = ArrayPool<byte>.Shared.Rent(values.Length * size);
        try
        {
            FloatConversion.Encode(target.DType, values, encoded.AsSpan(0, values.Length * size));
            FloatConversion.Decode(target.DType, encoded.AsSpan(0, values.Length * size), destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(encoded);
        }
    }

    /// <inheritdoc />
    public void Copy(string tensor, TensorView stored)
    {
        if (_targets.TryGetValue(tensor, out var target))
        {
            stored.ReadFloats(0, _weights.GetSpan(target.Buffer));
        }
    }
}
