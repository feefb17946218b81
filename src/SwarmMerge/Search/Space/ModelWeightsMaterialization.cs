using SwarmMerge.Inference;
using SwarmMerge.Search;

namespace SwarmMerge.Search.Space;

/// <summary>Materializes candidates straight into the inference engine's weight buffers.</summary>
public static class ModelWeightsMaterialization
{
    /// <summary>
    /// Writes <paramref name="candidate"/>'s merged tensors into the buffers of <paramref name="weights"/> that hold
    /// them (by name or one of the buffer's alternative names). Buffers of unmerged tensors (task heads, tensors
    /// the experts lack) are left as they are: load them once, e.g. with <c>weights.LoadFrom(baseCheckpoint)</c>.
    /// </summary>
    /// <returns>The number of buffers written.</returns>
    public static int MaterializeInto(this SwarmMaterializer materializer, Candidate candidate, ModelWeights weights)
    {
        var bufferOfTensor = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var spec in weights.Specs)
        {
            if (new[] { spec.Name }.Concat(spec.AlternativeNames).FirstOrDefault(materializer.IsMerged) is { } tensor)
            {
                bufferOfTensor[tensor] = spec.Name;
            }
        }
        materializer.Materialize(candidate, name => bufferOfTensor.TryGetValue(name, out var buffer) ? weights.GetSpan(buffer) : Span<float>.Empty);
        return bufferOfTensor.Count;
    }
}
