using System.Buffers;
using System.Numerics.Tensors;
using Microsoft.Win32.SafeHandles;
using SwarmMerge.IO;
using SwarmMerge.Merging;
using SwarmMerge.Models;
using SwarmMerge.Numerics;

namespace SwarmMerge.Adapters;

/// <summary>
/// A rank-r adapter that approximates any merged model, built as the merge runs into it (an <see cref="ITensorSink"/>):
/// for each changed matrix, the truncated SVD of Δ = merged − base (<see cref="RandomizedSvd"/>), split as mergekit's
/// <c>extract_lora</c> does (B = U√S, A = √S·Vᵀ, lora_alpha = r); embeddings, output heads and 1-D tensors (norms,
/// biases) are saved in full, as <c>extract_lora</c> does by default. The relative error ‖Δ − B·A‖_F / ‖Δ‖_F is
/// measured, not estimated: one more pass over each matrix.
/// </summary>
/// <remarks>
/// Values are taken as a checkpoint of the merge would store them (rounded to each output tensor's dtype), so the
/// adapter is the one of the written checkpoint, byte for byte. No merged checkpoint is written: a matrix is held in
/// fp32 from its first chunk until its SVD is done (the executor finishes one tensor before the next, so one matrix at
/// a time), and every tensor an adapter may save in full (embeddings, heads, norms, biases) goes as stored, as it comes,
/// into one file in a hidden folder beside the adapter, because only once every tensor is in is it known which changed
/// and so which the adapter holds. That folder is removed when the sink is disposed (and, left by a killed run, by the
/// next write of the same adapter).
/// </remarks>
public sealed class TruncatedAdapter : ITensorSink, IDisposable
{
    private const int Block = 1 << 18;

    private sealed record Decomposed(string Tensor, AdapterLayer Layer, bool Conv1D, double Error, double Norm);

    // A float tensor of the base while it comes in: a matrix's values, or where a tensor saved in full lies in the spill file.
    private sealed class Pending(int order, TensorInfo baseInfo, TensorDType stored, bool matrix, long spillOffset)
    {
        public int Order { get; } = order;
        public TensorInfo Base { get; } = baseInfo;
        public TensorDType Stored { get; } = stored;
        public bool Matrix { get; } = matrix;
        public long SpillOffset { get; } = spillOffset;
        public float[]? Values;
        public long Received;
        public volatile bool Changed;
        public Decomposed? Result;
        public bool Done;
    }

    private readonly Checkpoint _base;
    private readonly string _source;
    private readonly int _rank;
    private readonly string _directory;
    private readonly MergeOptions _options;
    private readonly IReadOnlyList<IModelSource> _experts;
    private readonly TensorDType? _dtype;
    private readonly IReadOnlyDictionary<string, string>? _extraFiles;
    private readonly string _prefix;
    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    // Matrix buffers, each of the largest matrix's size, kept for the next matrix. A new array per matrix was garbage on
    // the large-object heap, which the collector let grow, and the shared ArrayPool keeps arrays per thread, which the
    // SVD's workers multiplied (measured on a 0.5 B model's rank-16 adapter: peak RSS 472 and 653 MB; 272 MB with these,
    // 249 MB when the merge was written to disk first and decomposed from there).
    private readonly Stack<float[]> _matrices = new();
    private readonly long _largestMatrix;
    private readonly AtomicDirectory _spillFolder;
    private readonly string _spillPath;
    private readonly SafeFileHandle _spill;

    /// <summary>Starts the rank-<paramref name="rank"/> adapter of a merge whose output tensors are <paramref name="outputs"/>, over <paramref name="baseModel"/>.</summary>
    /// <param name="baseModel">The base checkpoint.</param>
    /// <param name="outputs">The merge's output tensors (names, the dtypes a checkpoint of it stores, shapes): every float tensor of the base among them, shaped alike.</param>
    /// <param name="source">How messages name the merged model.</param>
    /// <param name="rank">The rank of every LoRA layer.</param>
    /// <param name="directory">The adapter folder.</param>
    /// <param name="options">Overwrite, seed (of the SVD sketches) and threads.</param>
    /// <param name="experts">The merge's experts (their adapters give the module prefix and task type, if any).</param>
    /// <param name="dtype">Dtype of the factors (default F32) and of full tensors (default: the base's).</param>
    /// <param name="extraFiles">Other files to write beside.</param>
    /// <exception cref="SafetensorsFormatException">A float tensor of the base is missing from the outputs or shaped differently.</exception>
    /// <exception cref="IOException">The adapter folder exists, is not empty, and overwriting is off.</exception>
    public TruncatedAdapter(Checkpoint baseModel, IReadOnlyList<OutputTensor> outputs, string source, int rank, string directory, MergeOptions options,
        IReadOnlyList<IModelSource> experts, TensorDType? dtype = null, IReadOnlyDictionary<string, string>? extraFiles = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        (_base, _source, _rank, _directory, _options, _experts, _dtype, _extraFiles) = (baseModel, source, rank, directory, options, experts, dtype, extraFiles);
        _prefix = PeftAdapterWriter.ModulePrefix(baseModel, experts);
        var byName = outputs.ToDictionary(t => t.Name, StringComparer.Ordinal);
        long spillBytes = 0;
        foreach (var info in baseModel.Tensors.Where(t => t.DType.IsMergeable()))
        {
            if (!byName.TryGetValue(info.Name, out var output) || !output.Shape.SequenceEqual(info.Shape))
            {
                throw new SafetensorsFormatException(source, info.Name, $"missing or shaped differently from the base's {info.ShapeText}");
            }
            bool matrix = info.Shape.Length == 2 && info.Name.EndsWith(".weight", StringComparison.Ordinal) && !IsVocabularyMatrix(info.Name);
            if (matrix && info.ElementCount > Array.MaxLength)
            {
                throw new NotSupportedException($"Tensor '{info.Name}' of '{source}' has {info.ElementCount} elements, more than one array holds; it cannot be decomposed.");
            }
            _pending[info.Name] = new Pending(_pending.Count, info, output.DType, matrix, matrix ? -1 : spillBytes);
            _largestMatrix = matrix ? Math.Max(_largestMatrix, info.ElementCount) : _largestMatrix;
            spillBytes += matrix ? 0 : info.ElementCount * output.DType.SizeOf();
        }
        // Every tensor an adapter may save in full is kept as stored, in one file, until the end: which ones it saves
        // is known only then. Made now, so that a folder that may not be replaced is refused before any work.
        _spillFolder = new AtomicDirectory(directory, options.Overwrite);
        _spillPath = Path.Combine(_spillFolder.TemporaryPath, "full-tensors.bin");
        _spill = File.OpenHandle(_spillPath, FileMode.CreateNew, FileAccess.ReadWrite);
    }

    /// <summary>Writes the rank-<paramref name="rank"/> adapter of <paramref name="merged"/> over <paramref name="baseModel"/>.</summary>
    /// <param name="baseModel">The base checkpoint.</param>
    /// <param name="merged">The merged model: a merge to run, or a checkpoint written (with the base's tensors).</param>
    /// <param name="rank">The rank of every LoRA layer.</param>
    /// <param name="directory">The adapter folder.</param>
    /// <param name="options">Overwrite, seed (of the SVD sketches) and threads.</param>
    /// <param name="experts">The merge's experts (their adapters give the module prefix and task type, if any).</param>
    /// <param name="dtype">Dtype of the factors (default F32) and of full tensors (default: the base's).</param>
    /// <param name="extraFiles">Other files to write beside.</param>
    public static AdapterOutputResult Write(Checkpoint baseModel, MergedModel merged, int rank, string directory, MergeOptions options,
        IReadOnlyList<IModelSource> experts, TensorDType? dtype = null, IReadOnlyDictionary<string, string>? extraFiles = null)
    {
        using var adapter = new TruncatedAdapter(baseModel, merged.Tensors, merged.Name, rank, directory, options, experts, dtype, extraFiles);
        merged.RunInto(adapter);
        return adapter.Complete();
    }

    /// <inheritdoc />
    public void Write(string tensor, long start, ReadOnlySpan<float> values)
    {
        if (!_pending.TryGetValue(tensor, out var pending))
        {
            return; // not a float tensor of the base: an adapter does not hold it
        }
        int size = pending.Stored.SizeOf();
        byte[] encoded = ArrayPool<byte>.Shared.Rent(values.Length * size);
        try
        {
            FloatConversion.Encode(pending.Stored, values, encoded.AsSpan(0, values.Length * size));
            Take(pending, start, encoded.AsSpan(0, values.Length * size));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(encoded);
        }
    }

    /// <inheritdoc />
    public void Copy(string tensor, TensorView stored)
    {
        if (!_pending.TryGetValue(tensor, out var pending))
        {
            return;
        }
        int size = pending.Stored.SizeOf();
        for (long start = 0; start < pending.Base.ElementCount; start += Block)
        {
            int count = (int)Math.Min(Block, pending.Base.ElementCount - start);
            Take(pending, start, stored.Bytes(start * size, count * size));
        }
    }

    // Elements [start, start + n) of a tensor, as its checkpoint would store them.
    private void Take(Pending pending, long start, ReadOnlySpan<byte> stored)
    {
        int count = stored.Length / pending.Stored.SizeOf();
        if (pending.Matrix)
        {
            lock (pending)
            {
                pending.Values ??= RentMatrix();
            }
            FloatConversion.Decode(pending.Stored, stored, pending.Values.AsSpan((int)start, count));
        }
        else
        {
            if (!pending.Changed && ChangesBase(pending, start, stored))
            {
                pending.Changed = true;
            }
            RandomAccess.Write(_spill, stored, pending.SpillOffset + start * pending.Stored.SizeOf());
        }
        if (Interlocked.Add(ref pending.Received, count) == pending.Base.ElementCount)
        {
            Finish(pending);
        }
    }

    // Whether these values differ from the base's: whether ‖Δ‖² over them is not zero, as for the whole tensor.
    private bool ChangesBase(Pending pending, long start, ReadOnlySpan<byte> stored)
    {
        int count = stored.Length / pending.Stored.SizeOf();
        var rented = ArrayPool<float>.Shared.Rent(2 * count);
        try
        {
            var merged = rented.AsSpan(0, count);
            var before = rented.AsSpan(count, count);
            FloatConversion.Decode(pending.Stored, stored, merged);
            using (var values = _base.OpenValues(pending.Base.Name))
            {
                values.ReadFloats(start, before);
            }
            TensorPrimitives.Subtract(merged, before, merged);
            return TensorPrimitives.Dot(merged, merged) != 0;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    private void Finish(Pending pending)
    {
        if (pending.Matrix)
        {
            var values = pending.Values!;
            pending.Values = null;
            try
            {
                using var baseValues = _base.OpenValues(pending.Base.Name);
                var merged = values.AsMemory(0, (int)pending.Base.ElementCount);
                double norm = SquaredNorm(merged.Span, baseValues);
                if (norm != 0)
                {
                    pending.Result = Decompose(merged, baseValues, pending.Base, norm);
                }
            }
            finally
            {
                lock (_matrices)
                {
                    _matrices.Push(values);
                }
            }
        }
        pending.Done = true;
    }

    private float[] RentMatrix()
    {
        lock (_matrices)
        {
            if (_matrices.TryPop(out var kept))
            {
                return kept;
            }
        }
        return new float[_largestMatrix];
    }

    /// <summary>Writes the adapter, once every float tensor of the base has come in.</summary>
    /// <exception cref="SafetensorsFormatException">A float tensor of the base did not come (whole).</exception>
    public AdapterOutputResult Complete()
    {
        var ordered = _pending.Values.OrderBy(p => p.Order).ToList();
        foreach (var pending in ordered.Where(p => p.Base.ElementCount == 0))
        {
            pending.Done = true; // no elements, so nothing changed
        }
        if (ordered.FirstOrDefault(p => !p.Done) is { } missing)
        {
            throw new SafetensorsFormatException(_source, missing.Base.Name, $"has {missing.Received} of its {missing.Base.ElementCount} values written");
        }
        var decomposed = ordered.Select(p => p.Result).OfType<Decomposed>().ToList();
        var fullTensors = ordered.Where(p => !p.Matrix && p.Changed).ToDictionary(p => p.Base.Name, StringComparer.Ordinal);

        var targetModules = decomposed.Select(d => d.Tensor[..d.Tensor.LastIndexOf('.')]).ToHashSet(StringComparer.Ordinal);
        var (full, saved, targetParameters) = PeftAdapterWriter.PlaceFullTensors(_base, _prefix, targetModules, fullTensors.Keys, (tensor, key) =>
        {
            var pending = _pending[tensor];
            return new AdapterFullTensor(key, _dtype ?? pending.Base.DType, pending.Base.Shape, (start, destination) => ReadSpill(pending, start, destination));
        });
        var config = PeftAdapterWriter.Config(_base.Directory, _rank, decomposed.Select(d => d.Layer.Module).ToList(), PeftAdapterWriter.Candidates(_base, _prefix),
            saved, decomposed.Any(d => d.Conv1D), PeftAdapterWriter.TaskType(_experts), targetParameters);
        PeftAdapterWriter.Write(_directory, _options.Overwrite, config, decomposed.Select(d => d.Layer).ToList(), full, _dtype ?? TensorDType.F32, _extraFiles);

        double error = decomposed.Sum(d => d.Error), total = decomposed.Sum(d => d.Norm);
        var worst = decomposed.OrderByDescending(d => d.Error / d.Norm).FirstOrDefault();
        return new AdapterOutputResult(Path.GetFullPath(_directory), _rank, decomposed.Count, full.Count, Exact: false,
            total > 0 ? Math.Sqrt(error / total) : 0, worst is null ? 0 : Math.Sqrt(worst.Error / worst.Norm), worst?.Tensor);
    }

    // A module saved whole has its unchanged parameters saved too: they are read back as the merge gave them, like the rest.
    private void ReadSpill(Pending pending, long start, Span<float> destination)
    {
        int size = pending.Stored.SizeOf();
        byte[] bytes = ArrayPool<byte>.Shared.Rent(destination.Length * size);
        try
        {
            var span = bytes.AsSpan(0, destination.Length * size);
            if (RandomAccess.Read(_spill, span, pending.SpillOffset + start * size) != span.Length)
            {
                throw new IOException($"'{_spillPath}' ended early while reading '{pending.Base.Name}' back.");
            }
            FloatConversion.Decode(pending.Stored, span, destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static bool IsVocabularyMatrix(string name) =>
        LayerPosition.IsEmbedding(name) || name.StartsWith("lm_head", StringComparison.Ordinal) || name.Contains("embed_out", StringComparison.Ordinal);

    private Decomposed Decompose(ReadOnlyMemory<float> merged, ITensorValues baseValues, TensorInfo info, double norm)
    {
        long rows = info.Shape[0], cols = info.Shape[1];
        void Read(long first, int count, Span<float> destination)
        {
            var rented = ArrayPool<float>.Shared.Rent(destination.Length);
            var before = rented.AsSpan(0, destination.Length);
            merged.Span.Slice((int)(first * cols), destination.Length).CopyTo(destination);
            baseValues.ReadFloats(first * cols, before);
            TensorPrimitives.Subtract(destination, before, destination);
            ArrayPool<float>.Shared.Return(rented);
        }
        var (left, right, _) = RandomizedSvd.Decompose(rows, cols, _rank, Read, _options.Seed, info.Name, _options.Threads);

        // The exact residual, row by row: ‖Δ − Left·Right‖².
        var product = new LowRankDelta.Factors(left, right, _rank, (int)cols, 1);
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
        bool conv1d = Conv1DLayers.IsConv1D(_base.Config, info.Name) == true;
        string module = _prefix + info.Name[..^".weight".Length];
        var layer = conv1d
            ? new AdapterLayer(module, false, Transpose(left, rows, _rank), [_rank, rows], Transpose(right, _rank, cols), [cols, _rank])
            : new AdapterLayer(module, false, right, [_rank, cols], left, [rows, _rank]);
        return new Decomposed(info.Name, layer, conv1d, error, norm);
    }

    // ‖merged − base‖² in blocks, each block's sum in fp32 and the blocks' in double.
    private static double SquaredNorm(ReadOnlySpan<float> merged, ITensorValues baseValues)
    {
        var before = new float[Math.Min(Block, merged.Length)];
        double sum = 0;
        var difference = new float[before.Length];
        for (int start = 0; start < merged.Length; start += Block)
        {
            int count = Math.Min(Block, merged.Length - start);
            baseValues.ReadFloats(start, before.AsSpan(0, count));
            TensorPrimitives.Subtract(merged.Slice(start, count), before.AsSpan(0, count), difference.AsSpan(0, count));
            sum += TensorPrimitives.Dot(difference.AsSpan(0, count), difference.AsSpan(0, count));
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

    /// <inheritdoc />
    public void Dispose()
    {
        _spill.Dispose();
        _spillFolder.Dispose();
    }
}
