namespace SwarmMerge.Merging;

/// <summary>How to run a merge.</summary>
public sealed record MergeOptions
{
    /// <summary>Largest shard in bytes (default 5 GB, as Hugging Face's <c>max_shard_size</c>).</summary>
    public long MaxShardBytes { get; init; } = 5_000_000_000;

    /// <summary>Worker threads (default: every core).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Seed of the random methods (DARE, DELLA).</summary>
    public ulong Seed { get; init; }

    /// <summary>Replace a non-empty output folder.</summary>
    public bool Overwrite { get; init; }

    /// <summary>
    /// Copy the tokenizer and generation files (mergekit's <c>--copy-tokenizer</c>, on by default). Without it they are
    /// copied only when the config names a <c>tokenizer_source</c>, as mergekit then builds the tokenizer anyway.
    /// </summary>
    public bool CopyTokenizer { get; init; } = true;
}

/// <summary>Progress of a running merge.</summary>
/// <param name="Done">Tensors written.</param>
/// <param name="Total">Tensors in all.</param>
/// <param name="Tensor">The tensor just written.</param>
public readonly record struct MergeProgress(int Done, int Total, string Tensor);

/// <summary>What a merge wrote.</summary>
/// <param name="Directory">The output folder.</param>
/// <param name="Shards">Shard file names.</param>
/// <param name="Bytes">Bytes of tensor data.</param>
/// <param name="Seconds">Wall time.</param>
public sealed record MergeResult(string Directory, IReadOnlyList<string> Shards, long Bytes, double Seconds);
