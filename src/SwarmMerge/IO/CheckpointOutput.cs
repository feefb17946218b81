using System.Buffers;

namespace SwarmMerge.IO;

/// <summary>
/// A checkpoint being written, the one way merges, search results and adapters are written: its tensors go into
/// safetensors shards (<see cref="ShardedSafetensorsWriter"/>) in a hidden folder beside the destination
/// (<see cref="AtomicDirectory"/>), from any thread and in any order; <see cref="CompleteTensors"/> finishes the shards,
/// other files go into <see cref="TemporaryPath"/>, and <see cref="Commit"/> moves the folder into place. Disposed
/// uncommitted, nothing of it remains.
/// </summary>
public sealed class CheckpointOutput : ITensorSink, IDisposable
{
    private const int CopyBlockBytes = 16 << 20;

    private readonly AtomicDirectory _folder;
    private readonly ShardedSafetensorsWriter _writer;
    private readonly Dictionary<string, TensorDType> _dtypes;

    /// <summary>Starts writing <paramref name="tensors"/> (in this order) for <paramref name="destination"/>, in shards of at most <paramref name="maxShardBytes"/>.</summary>
    /// <exception cref="IOException">The destination exists and is not empty, and <paramref name="overwrite"/> is false.</exception>
    public CheckpointOutput(string destination, bool overwrite, IReadOnlyList<OutputTensor> tensors, long maxShardBytes)
    {
        _folder = new AtomicDirectory(destination, overwrite);
        try
        {
            _writer = new ShardedSafetensorsWriter(_folder.TemporaryPath, tensors, maxShardBytes);
        }
        catch
        {
            _folder.Dispose();
            throw;
        }
        _dtypes = tensors.ToDictionary(t => t.Name, t => t.DType, StringComparer.Ordinal);
    }

    /// <summary>The final folder (absolute).</summary>
    public string Destination => _folder.Destination;

    /// <summary>The hidden folder being written, for the files beside the tensors (config, tokenizer, …).</summary>
    public string TemporaryPath => _folder.TemporaryPath;

    /// <summary>Writes fp32 values of <paramref name="tensor"/>, rounded to its dtype (nearest-even).</summary>
    public void Write(string tensor, long start, ReadOnlySpan<float> values)
    {
        var dtype = _dtypes[tensor];
        int size = dtype.SizeOf();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(values.Length * size);
        try
        {
            FloatConversion.Encode(dtype, values, buffer.AsSpan(0, values.Length * size));
            _writer.Write(_writer.IndexOf(tensor), start * size, buffer.AsSpan(0, values.Length * size));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes <paramref name="tensor"/> as the stored bytes of <paramref name="source"/> (same dtype and shape).</summary>
    public void Copy(string tensor, TensorView source)
    {
        int index = _writer.IndexOf(tensor);
        for (long offset = 0; offset < source.Info.ByteLength; offset += CopyBlockBytes)
        {
            int length = (int)Math.Min(CopyBlockBytes, source.Info.ByteLength - offset);
            _writer.Write(index, offset, source.Bytes(offset, length));
        }
    }

    /// <summary>Finishes the shards (and their index); the shard file names and the bytes of tensor data.</summary>
    public (IReadOnlyList<string> Shards, long Bytes) CompleteTensors()
    {
        _writer.Complete();
        _writer.Dispose();
        return (_writer.ShardNames, _writer.TotalBytes);
    }

    /// <summary>Moves the finished folder into place (replacing the destination when overwriting).</summary>
    public void Commit() => _folder.Commit();

    /// <inheritdoc />
    public void Dispose()
    {
        _writer.Dispose();
        _folder.Dispose();
    }
}
