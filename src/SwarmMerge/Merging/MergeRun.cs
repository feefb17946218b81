using System.Collections.Concurrent;
using SwarmMerge.IO;

namespace SwarmMerge.Merging;

/// <summary>
/// The state of one merge while it runs: seed, parallelism, the output sink, every tensor job, and a
/// place for methods to keep work that spans tensors. It also owns the chunking rules, so every pass
/// over a tensor sees the same chunk boundaries (which keeps reductions and tie counts reproducible).
/// </summary>
public sealed class MergeRun
{
    /// <summary>Target elements per chunk (1 MiB of fp32): small enough to stay in cache-friendly buffers, large enough to amortize overhead.</summary>
    public const int TargetChunkElements = 1 << 18;

    private readonly ITensorSink? _sink;
    private readonly CancellationToken _cancellation;
    private readonly ChunkLoop _chunks;

    internal MergeRun(ulong seed, int threads, IReadOnlyList<TensorMergeJob> jobs, ITensorSink? sink, CancellationToken cancellation, ChunkLoop? chunks = null)
    {
        Seed = seed;
        _chunks = chunks ?? new ChunkLoop(threads);
        Threads = _chunks.Threads;
        Jobs = jobs;
        _sink = sink;
        _cancellation = cancellation;
        foreach (var job in jobs)
        {
            job.Run = this;
        }
    }

    /// <summary>The method whose <see cref="IMergeMethod.ReadsModel"/> decides which inputs a job opens (null: all).</summary>
    internal IMergeMethod? Method { get; init; }

    /// <summary>Seed of the random methods.</summary>
    public ulong Seed { get; }

    /// <summary>Worker threads.</summary>
    public int Threads { get; }

    /// <summary>Every tensor to merge, in output order.</summary>
    public IReadOnlyList<TensorMergeJob> Jobs { get; }

    /// <summary>Method state that spans tensors, by key.</summary>
    public ConcurrentDictionary<string, object> State { get; } = new();

    /// <summary>Runs <paramref name="action"/> with <paramref name="job"/>'s inputs mapped (for passes that span tensors).</summary>
    public void WithInputs(TensorMergeJob job, Action action)
    {
        job.Open(Method is { } method ? model => method.ReadsModel(job, model) : null);
        try
        {
            action();
        }
        finally
        {
            job.Close();
        }
    }

    /// <summary>The fixed chunks of a tensor: (start, count).</summary>
    public static List<(long Start, int Count)> Chunks(long length, long rowLength, bool wholeRows)
    {
        if (length == 0)
        {
            return []; // a tensor with a zero dimension has no elements, and its rows may have none either
        }
        long step;
        if (rowLength >= TargetChunkElements)
        {
            if (wholeRows && rowLength > int.MaxValue)
            {
                throw new NotSupportedException($"A row of {rowLength} elements is too long to process as one piece.");
            }
            step = wholeRows ? rowLength : TargetChunkElements;
        }
        else
        {
            step = TargetChunkElements / rowLength * rowLength;
        }
        var chunks = new List<(long, int)>();
        for (long start = 0; start < length; start += step)
        {
            chunks.Add((start, (int)Math.Min(step, length - start)));
        }
        return chunks;
    }

    internal void ForEachChunk(long length, long rowLength, bool wholeRows, Action<long, int, ChunkScratch> body) =>
        _chunks.ForEach(length, rowLength, wholeRows, _cancellation, body);

    internal double[] SumChunks(long length, long rowLength, bool wholeRows, int width, Action<long, int, ChunkScratch, double[]> partial)
    {
        var chunks = Chunks(length, rowLength, wholeRows);
        var results = new ConcurrentDictionary<long, double[]>();
        ForEachChunk(length, rowLength, wholeRows, (start, count, scratch) =>
        {
            var sums = new double[width];
            partial(start, count, scratch, sums);
            results[start] = sums;
        });
        var total = new double[width];
        foreach (var (start, _) in chunks)
        {
            var sums = results[start];
            for (int i = 0; i < width; i++)
            {
                total[i] += sums[i];
            }
        }
        return total;
    }

    internal Span<float> Direct(TensorMergeJob job, long start, int count) => _sink is null ? default : _sink.Direct(job.Name, start, count);

    internal void WriteOutput(TensorMergeJob job, long start, ReadOnlySpan<float> values) =>
        (_sink ?? throw new InvalidOperationException("This run has no output (dry run).")).Write(job.Name, start, values);
}
