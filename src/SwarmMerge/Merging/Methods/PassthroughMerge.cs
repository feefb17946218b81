using System.Numerics.Tensors;

namespace SwarmMerge.Merging.Methods;

/// <summary>
/// mergekit's <c>passthrough</c>: one model's tensor unchanged, times its <c>scale</c> when given. With <c>slices</c>
/// (one source each) it stacks layer ranges into a new model ("frankenmerges", layer stacking).
/// </summary>
public sealed class PassthroughMerge : IMergeMethod
{
    /// <inheritdoc />
    public string Name => "passthrough";

    /// <inheritdoc />
    public bool RequiresBaseModel => false;

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> Parameters { get; } = [];

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> ModelParameters { get; } = [new("scale", 1.0)];

    /// <inheritdoc />
    public void ValidateModelCount(int count)
    {
        if (count != 1)
        {
            throw new MergeConfigException($"merge_method 'passthrough' takes exactly one model (per slice); it was given {count}.");
        }
    }

    /// <inheritdoc />
    public void ValidateParameters(TensorMergeJob job)
    {
        // mergekit adds a base_model missing from 'models:' to the inputs, and passthrough then has two.
        if (job.BaseInput is { } baseInput && !ReferenceEquals(baseInput.Source, job.Models[0].Source))
        {
            throw new MergeConfigException($"merge_method 'passthrough' takes exactly one model, but base_model '{baseInput.Source.Name}' would be a second one (mergekit adds it to the inputs); drop base_model.");
        }
        job.ModelNumber(0, "scale");
    }

    /// <inheritdoc />
    public void Merge(TensorMergeJob job)
    {
        float scale = (float)job.ModelNumber(0, "scale");
        job.ForEachChunk((start, count, scratch) =>
        {
            var values = job.OutputBuffer(start, count, scratch.Get(0, count));
            job.ReadModel(0, start, values);
            if (scale != 1)
            {
                TensorPrimitives.Multiply(values, scale, values);
            }
            job.Write(start, values);
        });
    }
}
