using System.Numerics.Tensors;
using SwarmMerge.Merging.Sparsification;
using SwarmMerge.Numerics;

namespace SwarmMerge.Merging.Methods;

/// <summary>
/// The affine mix a coefficient-space search moves in (PSO-Merging's particles, Model Swarms, random search):
/// c₀·θ₀ + Σᵢ wᵢ·θᵢ + Σᵢ sᵢ·θ̃ᵢ, where θ̃ᵢ = θ₀ + mask(τᵢ)/(1−p) is model i with its task vector τᵢ = θᵢ − θ₀
/// DARE-sparsified (each entry dropped with probability p = <c>drop_rate</c>, from the stream a
/// <c>dare_linear</c> merge with the run's seed draws for model i). The coefficients are not normalized and
/// may be negative. Computed as (c₀ + Σw + Σs)·θ₀ + Σᵢ [wᵢ·τᵢ + sᵢ·mask(τᵢ)/(1−p)], model by model, which is
/// what a search scores: the sum is taken in that order (c₀, then every w, then every s) in fp64, the
/// mix in fp32. A model whose w and s are both 0, or whose task vector is zero (an adapter that leaves the
/// tensor alone), is not read.
/// </summary>
public sealed class AffineMerge : IMergeMethod
{
    /// <inheritdoc />
    public string Name => "affine";

    /// <inheritdoc />
    public bool RequiresBaseModel => true;

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> Parameters { get; } = [new("base_weight", null), new("drop_rate", 0.0)];

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> ModelParameters { get; } = [new("weight", null), new("sparse_weight", 0.0)];

    /// <inheritdoc />
    public void ValidateModelCount(int count)
    {
        // No lower bound: with no models it is c₀·θ₀.
    }

    /// <inheritdoc />
    public void ValidateParameters(TensorMergeJob job)
    {
        double p = job.Number("drop_rate");
        if (!(p >= 0 && p < 1))
        {
            throw job.Invalid("drop_rate", null, "in [0, 1)");
        }
        job.Number("base_weight");
        for (int i = 0; i < job.ModelCount; i++)
        {
            job.ModelNumber(i, "weight");
            job.ModelNumber(i, "sparse_weight");
        }
    }

    /// <inheritdoc />
    public bool ReadsModel(TensorMergeJob job, int model) => (float)job.RawModelNumber(model, "weight") != 0 || (float)job.RawModelNumber(model, "sparse_weight") != 0;

    /// <inheritdoc />
    public void Merge(TensorMergeJob job)
    {
        int n = job.ModelCount;
        var weights = new float[n];
        var sparseWeights = new float[n];
        double total = job.RawNumber("base_weight");
        for (int i = 0; i < n; i++)
        {
            double w = job.RawModelNumber(i, "weight");
            weights[i] = (float)w;
            total += w;
        }
        for (int i = 0; i < n; i++)
        {
            double s = job.RawModelNumber(i, "sparse_weight");
            sparseWeights[i] = (float)s;
            total += s;
        }
        float baseWeight = (float)total;
        double keep = 1 - job.RawNumber("drop_rate");
        var read = new bool[n];
        var masks = new Sparsifier?[n];
        for (int i = 0; i < n; i++)
        {
            read[i] = ReadsModel(job, i) && !job.ModelUnchanged(i);
            if (read[i] && sparseWeights[i] != 0)
            {
                masks[i] = new RandomSparsifier(CounterRandom.StreamKey(job.Run.Seed, job.Name, i + 1), keep);
            }
        }
        job.ForEachChunk((start, count, scratch) =>
        {
            var baseValues = scratch.Get(0, count);
            var delta = scratch.Get(1, count);
            var output = job.OutputBuffer(start, count, scratch.Get(2, count));
            job.ReadBase(start, baseValues);
            TensorPrimitives.Multiply(baseValues, baseWeight, output);
            for (int i = 0; i < n; i++)
            {
                if (!read[i])
                {
                    continue;
                }
                job.ReadDelta(i, start, baseValues, delta);
                if (weights[i] != 0)
                {
                    TensorPrimitives.MultiplyAdd(delta, weights[i], output, output);
                }
                if (masks[i] is { } mask)
                {
                    mask.Apply(start, delta, divideByKeepProbability: true);
                    TensorPrimitives.MultiplyAdd(delta, sparseWeights[i], output, output);
                }
            }
            job.Write(start, output);
        });
    }
}
