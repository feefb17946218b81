using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SwarmMerge.IO;

/// <summary>
/// Converts tensor bytes of the mergeable float types to and from fp32.
/// Narrowing rounds to nearest, ties to even; NaN stays NaN.
/// </summary>
public static class FloatConversion
{
    /// <summary>Decodes <paramref name="source"/> (elements of <paramref name="type"/>) into fp32.</summary>
    public static void Decode(TensorDType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        int count = destination.Length;
        switch (type)
        {
            case TensorDType.F32:
                MemoryMarshal.Cast<byte, float>(source[..(count * 4)]).CopyTo(destination);
                break;
            case TensorDType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source[..(count * 2)]), destination);
                break;
            case TensorDType.BF16:
                DecodeBFloat16(MemoryMarshal.Cast<byte, ushort>(source[..(count * 2)]), destination);
                break;
            default:
                throw new ArgumentException($"{type} is not a floating merge dtype.", nameof(type));
        }
    }

    /// <summary>Encodes fp32 <paramref name="source"/> as elements of <paramref name="type"/>.</summary>
    public static void Encode(TensorDType type, ReadOnlySpan<float> source, Span<byte> destination)
    {
        int count = source.Length;
        switch (type)
        {
            case TensorDType.F32:
                source.CopyTo(MemoryMarshal.Cast<byte, float>(destination[..(count * 4)]));
                break;
            case TensorDType.F16:
                TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(destination[..(count * 2)]));
                break;
            case TensorDType.BF16:
                EncodeBFloat16(source, MemoryMarshal.Cast<byte, ushort>(destination[..(count * 2)]));
                break;
            default:
                throw new ArgumentException($"{type} is not a floating merge dtype.", nameof(type));
        }
    }

    /// <summary>bfloat16 bits to fp32: the 16 bits become the top half of the fp32 pattern.</summary>
    public static void DecodeBFloat16(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        var bits = MemoryMarshal.Cast<float, uint>(destination);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= source.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.Create(source.Slice(i, Vector256<ushort>.Count)));
                (lower << 16).CopyTo(bits.Slice(i));
                (upper << 16).CopyTo(bits.Slice(i + Vector256<uint>.Count));
            }
        }
        for (; i < source.Length; i++)
        {
            bits[i] = (uint)source[i] << 16;
        }
    }

    /// <summary>fp32 to bfloat16 bits with round-to-nearest-even; NaN becomes a quiet NaN.</summary>
    public static void EncodeBFloat16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        var bits = MemoryMarshal.Cast<float, uint>(source);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var roundingBias = Vector256.Create(0x7FFFu);
            var one = Vector256.Create(1u);
            var absMask = Vector256.Create(0x7FFFFFFFu);
            var infinity = Vector256.Create(0x7F800000u);
            var quietBit = Vector256.Create(0x40u);
            int step = Vector256<ushort>.Count;
            for (; i <= bits.Length - step; i += step)
            {
                var a = Vector256.Create(bits.Slice(i, Vector256<uint>.Count));
                var b = Vector256.Create(bits.Slice(i + Vector256<uint>.Count, Vector256<uint>.Count));
                Vector256.Narrow(RoundToBFloat16(a), RoundToBFloat16(b)).CopyTo(destination.Slice(i));
            }

            Vector256<uint> RoundToBFloat16(Vector256<uint> x)
            {
                var rounded = (x + roundingBias + ((x >> 16) & one)) >> 16;
                var isNaN = Vector256.GreaterThan(x & absMask, infinity);
                return Vector256.ConditionalSelect(isNaN, (x >> 16) | quietBit, rounded);
            }
        }
        for (; i < bits.Length; i++)
        {
            destination[i] = ToBFloat16(bits[i]);
        }
    }

    /// <summary>One fp32 bit pattern to bfloat16 bits (round-to-nearest-even).</summary>
    public static ushort ToBFloat16(uint bits) =>
        (bits & 0x7FFFFFFF) > 0x7F800000
            ? (ushort)((bits >> 16) | 0x40)
            : (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
}
