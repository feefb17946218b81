using System.Buffers;
using System.Numerics.Tensors;
using SwarmMerge.IO;
using SwarmMerge.Merging;
using SwarmMerge.Models;
using SwarmMerge.Numerics;

namespace SwarmMerge.Adapters;

/// <summary>
/// A rank-r adapter that approximates any merged model: for each changed matrix, the truncated SVD of Δ = merged − base
/// (<see cref="RandomizedSvd"/>, streaming rows of both checkpoints), split as mergekit's <c>extract_lora</c> does
/// (B = U√S, A = √S·Vᵀ, lora_alpha = r); embeddings, output heads and 1-D tensors (norms, biases) are saved in full,
/// as <c>extract_lora</c> does by default. The relative error ‖Δ − B·A‖_F / ‖Δ‖_F is measured, not estimated: one more
/// pass over each matrix.
/// </summary>
public static class TruncatedAdapter
{
    private sealed record Decomposed(string Tensor, AdapterLayer Layer, bool Conv1D, double Error, double Norm);

    /// <summary>Writes the rank-<paramref name="rank"/> adapter of <paramref name="merged"/> over <paramref name="baseModel"/>.</summary>
    /// <param name="baseModel">The base checkpoint.</param>
    /// <param name="merged">The merged model (a checkpoint with the base's tensors).</param>
    /// <param name="rank">The rank of every LoRA layer.</param>
    /// <param name="directory">The adapter folder.</param>
    /// <param name="options">Overwrite, seed (of the SVD sketches) and threads.</param>
    /// <param name="experts">The merge's experts (their adapters give the module prefix and task type, if any).</param>
    /// <param name="dtype">Dtype of the factors (default F32) and of full tensors (default: the base's).</param>
    /// <param name="extraFiles">Other files to write beside.</param>
    public static AdapterOutputResult Write(Checkpoint baseModel, IModelSource merged, int rank, string directory, MergeOptions options,
        IReadOnlyList<IModelSource> experts, TensorDType? dtype = null, IReadOnlyDictionary<string, string>? extraFiles = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        string prefix = PeftAdapterWriter.ModulePrefix(baseModel, experts);
        var decomposed = new List<Decomposed>();
        var fullTensors = new List<string>();
        foreach (var info in baseModel.Tensors.Where(t => t.DType.IsMergeable()))
        {
            if (!merged.Contains(info.Name) || !merged.Info(info.Name).Shape.SequenceEqual(info.Shape))
            {
                throw new SafetensorsFormatException(merged.Name, info.Name, $"missing or shaped differently from the base's {info.ShapeText}");
            }
            double norm = SquaredNorm(baseModel, merged, info);
            if (norm == 0)
            {
                continue;
            }
            bool matrix = info.Shape.Length == 2 && info.Name.EndsWith(".weight", StringComparison.Ordinal) && !IsVocabularyMatrix(info.Name);
            if (!matrix)
            {
                fullTensors.Add(info.Name);
                continue;
            }
            bool conv1d = Conv1DLayers.IsConv1D(baseModel.Config, info.Name) == true;
            decomposed.Add(Decompose(baseModel, merged, info, prefix + info.Name[..^".weight".Length], conv1d, rank, norm, options));
        }

        var targetModules = decomposed.Select(d => d.Tensor[..d.Tensor.LastIndexOf('.')]).ToHashSet(StringComparer.Ordinal);
        var (full, saved, targetParameters) = PeftAdapterWriter.PlaceFullTensors(baseModel, prefix, targetModules, fullTensors, (tensor, key) =>
        {
            var info = merged.Info(tensor);
            return new AdapterFullTensor(key, dtype ?? baseModel.Info(tensor).DType, info.Shape, (start, destination) =>
            {
                using var values = merged.OpenValues(tensor);
                values.ReadFloats(start, destination);
            });
        });
        var config = PeftAdapterWriter.Config(baseModel.Directory, rank, decomposed.Select(d => d.Layer.Module).ToList(), PeftAdapterWriter.Candidates(baseModel, prefix),
            saved, decomposed.Any(d => d.Conv1D), PeftAdapterWriter.TaskType(experts), targetParameters);
        PeftAdapterWriter.Write(directory, options.Overwrite, config, decomposed.Select(d => d.Layer).ToList(), full, dtype ?? TensorDType.F32, extraFiles);

        double error = decomposed.Sum(d => d.Error), total = decomposed.Sum(d => d.Norm);
        var worst = decomposed.OrderByDescending(d => d.Error / d.Norm).FirstOrDefault();
        return new AdapterOutputResult(Path.GetFullPath(directory), rank, decomposed.Count, full.Count, Exact: false,
            total > 0 ? Math.Sqrt(error / total) : 0, worst is null ? 0 : Math.Sqrt(worst.Error / worst.Norm), worst?.Tensor);
    }

    private static bool IsVocabularyMatrix(string name) =>
        LayerPosition.IsEmbedding(name) || name.StartsWith("lm_head", StringComparison.Ordinal) || name.Contains("embed_out", StringComparison.Ordinal);

    private static Decomposed Decompose(Checkpoint baseModel, IModelSource merged, TensorInfo info, string module, bool conv1d, int rank, double norm, MergeOptions options)
    {
        long rows = info.Shape[0], cols = info.Shape[1];
        using var baseValues = baseModel.OpenValues(info.Name);
        using var mergedValues = merged.OpenValues(info.Name);
        void Read(long first, int count, Span<float> destination)
        {
            var rented = ArrayPool<float>.Shared.Rent(destination.Length);
            var before = rented.AsSpan(0, destination.Length);
            mergedValues.ReadFloats(first * cols, destination);
            baseValues.ReadFloats(first * cols, before);
            TensorPrimitives.Subtract(destination, before, destination);
            ArrayPool<float>.Shared.Return(rented);
        }
        var (left, right, _) = RandomizedSvd.Decompose(rows, cols, rank, Read, options.Seed, info.Name, options.Threads);

        // The exact residual, row by row: ‖Δ − Left·Right‖².
        var product = new LowRankDelta.Factors(left, right, rank, (int)cols, 1);
        double error = 0;
        var delta = new float[cols];
        var approximation = new float[cols];
        for (long row = 0; row < rows; row++)
        {
            Read(row, 1, delta);
            product.Compute(row * cols, approximation);
            TensorPrimitives.Subtract(delta, approximation, delta);
            error += TensorPrimitives.Dot(delta, delta);
        }

        // Stored = Left·Right. A linear layer stores B·A, so B = Left, A = Right; a Conv1D layer stores (B·A)ᵀ, so A = Leftᵀ, B = Rightᵀ.
        var layer = conv1d
            ? new AdapterLayer(module, false, Transpose(left, rows, rank), [rank, rows], Transpose(right, rank, cols), [cols, rank])
            : new AdapterLayer(module, false, right, [rank, cols], left, [rows, rank]);
        return new Decomposed(info.Name, layer, conv1d, error, norm);
    }

    private static double SquaredNorm(Checkpoint baseModel, IModelSource merged, TensorInfo info)
    {
        using var baseValues = baseModel.OpenValues(info.Name);
        using var mergedValues = merged.OpenValues(info.Name);
        const int Block = 1 << 18;
        var a = new float[(int)Math.Min(Block, info.ElementCount)];
        var b = new float[a.Length];
        double sum = 0;
        for (long start = 0; start < info.ElementCount; start += Block)
        {
            int count = (int)Math.Min(Block, info.ElementCount - start);
            mergedValues.ReadFloats(start, a.AsSpan(0, count));
            baseValues.ReadFloats(start, b.AsSpan(0, count));
            TensorPrimitives.Subtract(a.AsSpan(0, count), b.AsSpan(0, count), a.AsSpan(0, count));
            sum += TensorPrimitives.Dot(a.AsSpan(0, count), a.AsSpan(0, count));
        }
        return sum;
    }

    private static float[] Transpose(float[] matrix, long rows, long cols)
    {
        var result = new float[matrix.Length];
        for (long i = 0; i < rows; i++)
        {
            for (long j = 0; j < cols; j++)
            {
                result[j * rows + i] = matrix[i * cols + j];
            }
        }
        return result;
    }
}
