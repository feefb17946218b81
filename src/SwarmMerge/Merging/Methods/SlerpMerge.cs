using System.Numerics.Tensors;
using SwarmMerge.Numerics;

namespace SwarmMerge.Merging.Methods;

/// <summary>
/// Spherical interpolation between the base and one other model, per tensor, at <c>t</c> (0 = base);
/// nearly parallel tensors (|cos| &gt; 0.9995) fall back to linear interpolation.
/// </summary>
public sealed class SlerpMerge : IMergeMethod
{
    private const double ParallelThreshold = 0.9995;
    private const double NormEpsilon = 1e-8;

    /// <inheritdoc />
    public string Name => "slerp";

    /// <inheritdoc />
    public bool RequiresBaseModel => true;

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> Parameters { get; } = [new("t", null)];

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> ModelParameters { get; } = [];

    /// <inheritdoc />
    public void ValidateModelCount(int count)
    {
        if (count != 1)
        {
            throw new MergeConfigException($"merge_method 'slerp' interpolates between base_model and exactly one other model; {count} others are listed.");
        }
    }

    /// <inheritdoc />
    public void ValidateParameters(TensorMergeJob job) => job.Number("t");

    /// <summary>The two coefficients (s₀, s₁) of base and model given their norms and dot product.</summary>
    public static (double S0, double S1) Coefficients(double t, double norm0, double norm1, double dot)
    {
        double cosine = dot / (norm0 > NormEpsilon ? norm0 : 1) / (norm1 > NormEpsilon ? norm1 : 1);
        if (Math.Abs(cosine) > ParallelThreshold)
        {
            return (1 - t, t);
        }
        double theta = Math.Acos(cosine);
        double sinTheta = Math.Sin(theta);
        return (Math.Sin(theta - theta * t) / sinTheta, Math.Sin(theta * t) / sinTheta);
    }

    /// <inheritdoc />
    public void Merge(TensorMergeJob job)
    {
        double t = job.Number("t");
        var sums = job.SumChunks(3, (start, count, scratch, partial) =>
        {
            var v0 = scratch.Get(0, count);
            var v1 = scratch.Get(1, count);
            job.ReadBase(start, v0);
            job.ReadModel(0, start, v1);
            partial[0] = Reductions.Dot(v0, v0);
            partial[1] = Reductions.Dot(v1, v1);
            partial[2] = Reductions.Dot(v0, v1);
        });
        var (s0, s1) = Coefficients(t, Math.Sqrt(sums[0]), Math.Sqrt(sums[1]), sums[2]);
        job.ForEachChunk((start, count, scratch) =>
        {
            var v0 = scratch.Get(0, count);
            var v1 = scratch.Get(1, count);
            job.ReadBase(start, v0);
            job.ReadModel(0, start, v1);
            TensorPrimitives.Multiply(v0, (float)s0, v0);
            TensorPrimitives.Multiply(v1, (float)s1, v1);
            TensorPrimitives.Add(v0, v1, v0);
            job.Write(start, v0);
        });
    }
}
