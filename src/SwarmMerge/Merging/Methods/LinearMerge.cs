using System.Numerics.Tensors;

namespace SwarmMerge.Merging.Methods;

/// <summary>Weighted average of the listed models (Wortsman et al. 2022, "model soups"): Σ wᵢθᵢ, divided by Σ wᵢ when <c>normalize</c>.</summary>
public sealed class LinearMerge : IMergeMethod
{
    /// <inheritdoc />
    public string Name => "linear";

    /// <inheritdoc />
    public bool RequiresBaseModel => false;

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> Parameters { get; } = [new("normalize", true)];

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> ModelParameters { get; } = [new("weight", null)];

    /// <inheritdoc />
    public void ValidateModelCount(int count)
    {
        if (count < 1)
        {
            throw new MergeConfigException("merge_method 'linear' needs at least one model.");
        }
    }

    /// <inheritdoc />
    public void ValidateParameters(TensorMergeJob job)
    {
        if (job.Flag("normalize") && Weights(job).Sum() == 0)
        {
            throw new MergeConfigException($"linear: the weights of tensor '{job.Name}' sum to 0, so they cannot be normalized (set normalize: false or change the weights).");
        }
    }

    private static float[] Weights(TensorMergeJob job) =>
        Enumerable.Range(0, job.ModelCount).Select(i => (float)job.ModelNumber(i, "weight")).ToArray();

    /// <inheritdoc />
    public void Merge(TensorMergeJob job)
    {
        var weights = Weights(job);
        bool normalize = job.Flag("normalize");
        float total = 0;
        foreach (float w in weights)
        {
            total += w;
        }
        job.ForEachChunk((start, count, scratch) =>
        {
            var sum = scratch.Get(0, count);
            var values = scratch.Get(1, count);
            sum.Clear();
            for (int i = 0; i < weights.Length; i++)
            {
                job.ReadModel(i, start, values);
                TensorPrimitives.Multiply(values, weights[i], values);
                TensorPrimitives.Add(sum, values, sum);
            }
            if (normalize)
            {
                TensorPrimitives.Divide(sum, total, sum);
            }
            job.Write(start, sum);
        });
    }
}
