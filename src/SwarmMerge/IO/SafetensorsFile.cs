using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace SwarmMerge.IO;

/// <summary>
/// A safetensors file opened for reading: the header is parsed and validated at once, tensor data is
/// memory-mapped one tensor at a time (<see cref="OpenTensor"/>), so resident memory follows the
/// tensors in use rather than the file size.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly Dictionary<string, TensorInfo> _byName;
    private readonly Lazy<SafeFileHandle> _handle;

    private SafetensorsFile(string path, SafetensorsHeader header, long dataStart, MemoryMappedFile? map)
    {
        Path = path;
        Header = header;
        DataStart = dataStart;
        _map = map;
        _byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _handle = new Lazy<SafeFileHandle>(() => File.OpenHandle(path, options: FileOptions.RandomAccess));
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The validated header.</summary>
    public SafetensorsHeader Header { get; }

    /// <summary>Byte offset of the data section in the file.</summary>
    public long DataStart { get; }

    /// <summary>Tensors in data order.</summary>
    public IReadOnlyList<TensorInfo> Tensors => Header.Tensors;

    /// <summary>Opens and validates <paramref name="path"/>.</summary>
    /// <exception cref="SafetensorsFormatException">The file is not valid safetensors.</exception>
    public static SafetensorsFile Open(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        InputFiles.RequireRegularFile(path);
        long fileLength;
        byte[] headerBytes;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            fileLength = stream.Length;
            if (fileLength < 8)
            {
                throw new SafetensorsFormatException(path, null, $"file is {fileLength} bytes, too short for the 8-byte header length");
            }
            Span<byte> lengthBytes = stackalloc byte[8];
            stream.ReadExactly(lengthBytes);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (headerLength > (ulong)(fileLength - 8))
            {
                throw new SafetensorsFormatException(path, null, $"header length {headerLength} runs beyond the end of the file ({fileLength} bytes)");
            }
            if (headerLength > SafetensorsHeader.MaxHeaderBytes)
            {
                throw new SafetensorsFormatException(path, null, $"header length {headerLength} exceeds the format's limit of {SafetensorsHeader.MaxHeaderBytes} bytes");
            }
            headerBytes = new byte[headerLength];
            stream.ReadExactly(headerBytes);
        }

        long dataStart = 8 + headerBytes.Length;
        var header = SafetensorsHeader.Parse(headerBytes, fileLength - dataStart, path);
        var map = fileLength > dataStart
            ? MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read)
            : null;
        return new SafetensorsFile(path, header, dataStart, map);
    }

    /// <summary>True when the file holds a tensor of that name.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The header entry of tensor <paramref name="name"/>.</summary>
    public TensorInfo this[string name] =>
        _byName.TryGetValue(name, out var info) ? info : throw new SafetensorsFormatException(Path, name, "no such tensor");

    /// <summary>Maps the bytes of one tensor; dispose the view to unmap them.</summary>
    public TensorView OpenTensor(string name)
    {
        var info = this[name];
        if (info.ByteLength == 0 || _map is null)
        {
            return new TensorView(info, null, null, 0);
        }
        long offset = DataStart + info.DataBegin;
        return new TensorView(info, _map.CreateViewAccessor(offset, info.ByteLength, MemoryMappedFileAccess.Read), _handle.Value, offset);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _map?.Dispose();
        if (_handle.IsValueCreated)
        {
            _handle.Value.Dispose();
        }
    }
}
