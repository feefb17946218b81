using System.Numerics.Tensors;
using SwarmMerge.Numerics;

namespace SwarmMerge.Merging.Methods;

/// <summary>
/// Model Stock (Jang et al. 2024): move from the base toward the average of the models by
/// t = N·cos / (1 + (N−1)·cos), cos being the mean pairwise cosine of their offsets from the base
/// (per tensor, or per row with <c>filter_wise</c>).
/// </summary>
public sealed class ModelStockMerge : IMergeMethod
{
    /// <inheritdoc />
    public string Name => "model_stock";

    /// <inheritdoc />
    public bool RequiresBaseModel => true;

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> Parameters { get; } = [new("filter_wise", false)];

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> ModelParameters { get; } = [];

    /// <inheritdoc />
    public void ValidateModelCount(int count)
    {
        if (count < 2)
        {
            throw new MergeConfigException($"merge_method 'model_stock' needs at least two models besides the base; {count} given.");
        }
    }

    /// <inheritdoc />
    public void ValidateParameters(TensorMergeJob job) => job.Flag("filter_wise");

    /// <summary>Mean pairwise cosine from the Gram matrix of offsets (norms clamped below by 1e-6, cosines to [−1, 1]).</summary>
    public static double MeanCosine(double[,] gram)
    {
        int n = gram.GetLength(0);
        double total = 0;
        int pairs = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                double norms = Math.Max(Math.Sqrt(gram[i, i]) * Math.Sqrt(gram[j, j]), 1e-6);
                total += Math.Clamp(gram[i, j] / norms, -1, 1);
                pairs++;
            }
        }
        return total / pairs;
    }

    /// <summary>The interpolation factor for <paramref name="n"/> models with mean cosine <paramref name="cosine"/>.</summary>
    public static double Ratio(int n, double cosine) => n * cosine / (1 + (n - 1) * cosine);

    /// <inheritdoc />
    public void Merge(TensorMergeJob job)
    {
        int n = job.ModelCount;
        if (job.Flag("filter_wise"))
        {
            job.ForEachChunk((start, count, scratch) => MergeRows(job, start, count, scratch), wholeRows: true);
            return;
        }
        var sums = job.SumChunks(n * n, (start, count, scratch, partial) =>
        {
            ReadOffsets(job, start, count, scratch);
            AccumulateGram(scratch, 0, count, n, partial);
        });
        double ratio = Ratio(n, MeanCosine(ToMatrix(sums, n)));
        job.ForEachChunk((start, count, scratch) =>
        {
            Combine(job, start, count, scratch, _ => ratio);
            job.Write(start, scratch.Get(0, count));
        });
    }

    private static void MergeRows(TensorMergeJob job, long start, int count, ChunkScratch scratch)
    {
        int n = job.ModelCount;
        int rowLength = (int)job.RowLength;
        ReadOffsets(job, start, count, scratch);
        var ratios = new double[count / rowLength];
        var gram = new double[n * n];
        for (int row = 0; row < ratios.Length; row++)
        {
            Array.Clear(gram);
            AccumulateGram(scratch, row * rowLength, rowLength, n, gram);
            ratios[row] = Ratio(n, MeanCosine(ToMatrix(gram, n)));
        }
        Combine(job, start, count, scratch, e => ratios[e / rowLength]);
        job.Write(start, scratch.Get(0, count));
    }

    // Slot 0: base; slots 1..n: offsets θᵢ − θ₀.
    private static void ReadOffsets(TensorMergeJob job, long start, int count, ChunkScratch scratch)
    {
        var baseValues = scratch.Get(0, count);
        job.ReadBase(start, baseValues);
        for (int i = 0; i < job.ModelCount; i++)
        {
            job.ReadDelta(i, start, baseValues, scratch.Get(1 + i, count));
        }
    }

    private static void AccumulateGram(ChunkScratch scratch, int offset, int length, int n, double[] gram)
    {
        for (int i = 0; i < n; i++)
        {
            var a = scratch.Get(1 + i, offset + length).Slice(offset);
            for (int j = i; j < n; j++)
            {
                gram[i * n + j] += Reductions.Dot(a, scratch.Get(1 + j, offset + length).Slice(offset));
            }
        }
    }

    private static double[,] ToMatrix(double[] upper, int n)
    {
        var gram = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = i; j < n; j++)
            {
                gram[i, j] = gram[j, i] = upper[i * n + j];
            }
        }
        return gram;
    }

    // Writes t·mean(θᵢ) + (1 − t)·θ₀ into slot 0, with t given per element by ratioAt.
    private static void Combine(TensorMergeJob job, long start, int count, ChunkScratch scratch, Func<int, double> ratioAt)
    {
        var baseValues = scratch.Get(0, count);
        var mean = scratch.Get(1, count);
        var model = scratch.Get(2, count);
        job.ReadBase(start, baseValues);
        job.ReadModel(0, start, mean);
        for (int i = 1; i < job.ModelCount; i++)
        {
            job.ReadModel(i, start, model);
            TensorPrimitives.Add(mean, model, mean);
        }
        TensorPrimitives.Divide(mean, job.ModelCount, mean);
        for (int e = 0; e < count; e++)
        {
            double t = ratioAt(e);
            baseValues[e] = (float)t * mean[e] + (float)(1 - t) * baseValues[e];
        }
    }
}
