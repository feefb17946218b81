using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace SwarmMerge.IO;

/// <summary>The memory-mapped bytes of one tensor. Disposing it unmaps them.</summary>
public sealed unsafe class TensorView : IDisposable
{
    private readonly MemoryMappedViewAccessor? _accessor;
    private readonly byte* _pointer;

    internal TensorView(TensorInfo info, MemoryMappedViewAccessor? accessor)
    {
        Info = info;
        _accessor = accessor;
        if (accessor is not null)
        {
            byte* start = null;
            accessor.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            _pointer = start + accessor.PointerOffset;
        }
    }

    /// <summary>The tensor's header entry.</summary>
    public TensorInfo Info { get; }

    /// <summary>Bytes <paramref name="byteOffset"/> .. <paramref name="byteOffset"/> + <paramref name="length"/> of the tensor.</summary>
    public ReadOnlySpan<byte> Bytes(long byteOffset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteOffset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(byteOffset + length, Info.ByteLength);
        return length == 0 ? default : new ReadOnlySpan<byte>(_pointer + byteOffset, length);
    }

    /// <summary>Decodes elements [<paramref name="start"/>, start + destination.Length) of a float tensor into fp32.</summary>
    public void ReadFloats(long start, Span<float> destination)
    {
        int size = Info.DType.SizeOf();
        int length = destination.Length * size;
        if (_file is null)
        {
            FloatConversion.Decode(Info.DType, Bytes(start * size, length), destination);
            return;
        }
        var buffer = t_buffer is { } b && b.Length >= length ? b : t_buffer = new byte[Math.Max(length, 1 << 20)];
        RandomAccess.Read(_file, buffer.AsSpan(0, length), _fileOffset + start * size);
        FloatConversion.Decode(Info.DType, buffer.AsSpan(0, length), destination);
    }

    [ThreadStatic]
    private static byte[]? t_buffer;

    internal Microsoft.Win32.SafeHandles.SafeFileHandle? _file;
    internal long _fileOffset;

    /// <summary>Asks the kernel to start reading the mapped bytes now (they are read ahead while other work runs).</summary>
    public void Prefetch()
    {
        if (_accessor is null || !OperatingSystem.IsLinux())
        {
            return;
        }
        const int MadvWillNeed = 3;
        long page = Environment.SystemPageSize;
        long address = (long)_pointer;
        long aligned = address - address % page;
        _ = madvise((nint)aligned, (nuint)(Info.ByteLength + (address - aligned)), MadvWillNeed);
    }

    [DllImport("libc", SetLastError = false)]
    private static extern int madvise(nint address, nuint length, int advice);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_accessor is not null)
        {
            _accessor.SafeMemoryMappedViewHandle.ReleasePointer();
            _accessor.Dispose();
        }
    }
}
