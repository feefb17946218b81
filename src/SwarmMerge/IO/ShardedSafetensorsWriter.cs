using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Win32.SafeHandles;

namespace SwarmMerge.IO;

/// <summary>A tensor the writer will hold: its name, dtype and shape.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="DType">Element type as stored.</param>
/// <param name="Shape">Dimensions.</param>
public sealed record OutputTensor(string Name, TensorDType DType, long[] Shape)
{
    /// <summary>Bytes the tensor occupies.</summary>
    public long ByteLength => checked(Shape.Aggregate(1L, (a, b) => a * b) * DType.SizeOf());
}

/// <summary>
/// Writes a checkpoint's tensors as safetensors shards of at most a given size, the way Hugging Face names
/// them (<c>model.safetensors</c> when one shard suffices, else <c>model-00001-of-0000N.safetensors</c> and
/// <c>model.safetensors.index.json</c>). Every tensor's place is fixed up front, so tensor data can be
/// written in any order and from several threads at once (<see cref="Write"/>).
/// </summary>
public sealed class ShardedSafetensorsWriter : IDisposable
{
    private readonly List<SafeFileHandle> _handles = [];
    private readonly List<long> _shardLengths = [];
    private readonly (int Shard, long FileOffset, OutputTensor Tensor)[] _placement;
    private readonly Dictionary<string, int> _indexOfName;
    private readonly string[] _shardNames;
    private readonly string _directory;
    private readonly long _totalBytes;

    /// <summary>Lays out <paramref name="tensors"/> (in this order) into shards in <paramref name="directory"/> and writes their headers.</summary>
    public ShardedSafetensorsWriter(string directory, IReadOnlyList<OutputTensor> tensors, long maxShardBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxShardBytes, 1);
        _directory = directory;
        _indexOfName = new Dictionary<string, int>(StringComparer.Ordinal);

        // Greedy like transformers: start a new shard when the next tensor would overflow a non-empty one.
        var shards = new List<List<int>>();
        long current = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            if (tensors[i].Name == "__metadata__")
            {
                throw new ArgumentException("A tensor may not be named '__metadata__': safetensors reserves that key.", nameof(tensors));
            }
            if (!_indexOfName.TryAdd(tensors[i].Name, i))
            {
                throw new ArgumentException($"Tensor '{tensors[i].Name}' is listed twice.", nameof(tensors));
            }
            long size = tensors[i].ByteLength;
            if (shards.Count == 0 || (current > 0 && current + size > maxShardBytes))
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(i);
            current += size;
            _totalBytes += size;
        }
        if (shards.Count == 0)
        {
            shards.Add([]);
        }

        _shardNames = shards.Count == 1
            ? [Checkpoint.SingleFileName]
            : Enumerable.Range(1, shards.Count).Select(k => $"model-{k:D5}-of-{shards.Count:D5}.safetensors").ToArray();
        _placement = new (int, long, OutputTensor)[tensors.Count];
        for (int s = 0; s < shards.Count; s++)
        {
            _handles.Add(CreateShard(Path.Combine(directory, _shardNames[s]), shards[s], tensors, s));
        }
    }

    /// <summary>The shard file names, in order.</summary>
    public IReadOnlyList<string> ShardNames => _shardNames;

    /// <summary>Total bytes of tensor data.</summary>
    public long TotalBytes => _totalBytes;

    private SafeFileHandle CreateShard(string path, List<int> members, IReadOnlyList<OutputTensor> tensors, int shard)
    {
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        long offset = 0;
        foreach (int i in members)
        {
            var t = tensors[i];
            header[t.Name] = new JsonObject
            {
                ["dtype"] = t.DType.SafetensorsName(),
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + t.ByteLength),
            };
            offset += t.ByteLength;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        int padded = (json.Length + 7) / 8 * 8;
        var prefix = new byte[8 + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
        json.CopyTo(prefix, 8);
        prefix.AsSpan(8 + json.Length).Fill((byte)' ');

        long dataStart = prefix.Length;
        foreach (int i in members)
        {
            _placement[i] = (shard, dataStart, tensors[i]);
            dataStart += tensors[i].ByteLength;
        }
        // No preallocation: a run killed half-way leaves only the bytes it wrote (and the next run removes them).
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.None);
        RandomAccess.Write(handle, prefix, 0);
        _shardLengths.Add(dataStart);
        return handle;
    }

    /// <summary>Index of tensor <paramref name="name"/> in the list given to the constructor.</summary>
    public int IndexOf(string name) => _indexOfName[name];

    /// <summary>Writes <paramref name="data"/> at byte <paramref name="byteOffset"/> of tensor number <paramref name="tensor"/>. Thread-safe.</summary>
    public void Write(int tensor, long byteOffset, ReadOnlySpan<byte> data)
    {
        var (shard, fileOffset, info) = _placement[tensor];
        if (byteOffset < 0 || byteOffset + data.Length > info.ByteLength)
        {
            throw new ArgumentOutOfRangeException(nameof(byteOffset), $"Write of {data.Length} bytes at {byteOffset} falls outside tensor '{info.Name}' ({info.ByteLength} bytes).");
        }
        RandomAccess.Write(_handles[shard], data, fileOffset + byteOffset);
    }

    /// <summary>Flushes every shard to disk and writes the index when there are several shards.</summary>
    /// <exception cref="InvalidOperationException">A shard is shorter than its header says: some tensor was not written.</exception>
    public void Complete()
    {
        for (int s = 0; s < _handles.Count; s++)
        {
            long length = RandomAccess.GetLength(_handles[s]);
            if (length != _shardLengths[s])
            {
                throw new InvalidOperationException($"Shard {_shardNames[s]} has {length} bytes but its header places {_shardLengths[s]}: a tensor was not written.");
            }
            RandomAccess.FlushToDisk(_handles[s]);
        }
        if (_shardNames.Length > 1)
        {
            var weightMap = new JsonObject();
            foreach (var (shard, _, tensor) in _placement.OrderBy(p => p.Tensor.Name, StringComparer.Ordinal))
            {
                weightMap[tensor.Name] = _shardNames[shard];
            }
            var index = new JsonObject
            {
                ["metadata"] = new JsonObject { ["total_size"] = _totalBytes },
                ["weight_map"] = weightMap,
            };
            File.WriteAllText(Path.Combine(_directory, Checkpoint.IndexFileName), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var handle in _handles)
        {
            handle.Dispose();
        }
    }
}
