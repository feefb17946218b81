using System.Collections.Concurrent;

namespace SwarmMerge.Merging;

/// <summary>
/// Runs a body over a tensor's fixed chunks (<see cref="MergeRun.Chunks"/>) on worker threads, each worker with a
/// <see cref="ChunkScratch"/> kept from pass to pass (one per worker at a time), stopping between chunks when
/// cancelled. Merges and the search's materializer compute their chunks with it.
/// </summary>
/// <param name="threads">Worker threads.</param>
public sealed class ChunkLoop(int threads)
{
    // A new scratch per pass and worker was 1 MiB arrays on the large-object heap, which a process holding a large heap
    // (a search, with the engine's weights) let pile up by ~1 GB.
    private readonly ConcurrentBag<ChunkScratch> _scratch = [];

    /// <summary>Worker threads.</summary>
    public int Threads { get; } = Math.Max(1, threads);

    /// <summary>Calls <paramref name="body"/>(start, count, scratch) for every chunk; <see cref="OperationCanceledException"/> once <paramref name="cancellation"/> is signalled.</summary>
    public void ForEach(long length, long rowLength, bool wholeRows, CancellationToken cancellation, Action<long, int, ChunkScratch> body)
    {
        var chunks = MergeRun.Chunks(length, rowLength, wholeRows);
        if (chunks.Count == 0)
        {
            return;
        }
        int capacity = chunks.Max(c => c.Count);
        var options = new ParallelOptions { MaxDegreeOfParallelism = Threads, CancellationToken = cancellation };
        Parallel.ForEach(chunks, options, () => (_scratch.TryTake(out var kept) ? kept : new ChunkScratch()).Reserve(capacity), (chunk, _, scratch) =>
        {
            body(chunk.Start, chunk.Count, scratch);
            return scratch;
        }, _scratch.Add);
    }
}
