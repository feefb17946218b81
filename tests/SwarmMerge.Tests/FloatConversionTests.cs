using System.Runtime.InteropServices;
using SwarmMerge.IO;

namespace SwarmMerge.Tests;

/// <summary>
/// fp32 ↔ BF16/F16/F32 against hand-computed bit patterns. Array tests use 37 elements so that the
/// vectorized BF16 path (16 at a time) and the scalar tail both run.
/// </summary>
public sealed class FloatConversionTests
{
    private const int LongLength = 37;
    private const uint One = 0x3F800000; // 1.0f, BF16 0x3F80

    /// <summary>Positions in a 37-element array: first and last of each 16-wide block, and the scalar tail.</summary>
    private static readonly int[] Positions = [0, 7, 15, 16, 31, 32, 36];

    private static float F(uint bits) => BitConverter.UInt32BitsToSingle(bits);

    // ---------------------------------------------------------------- BF16 encode: rounding

    public static TheoryData<uint, ushort> RoundingCases() => new()
    {
        { 0x3F808000, 0x3F80 }, // exactly half way, even neighbour below: down
        { 0x3F818000, 0x3F82 }, // exactly half way, odd neighbour below: up to even
        { 0x3F80C000, 0x3F81 }, // above half: up
        { 0x3F804000, 0x3F80 }, // below half: down
        { 0x3F807FFF, 0x3F80 }, // just below half
        { 0x3F808001, 0x3F81 }, // just above half
        { 0xBF818000, 0xBF82 }, // negative tie rounds the magnitude to even
        { 0x3FFF8000, 0x4000 }, // tie that carries into the exponent
        { 0x00008000, 0x0000 }, // subnormal tie down to +0
        { 0x00018000, 0x0002 }, // subnormal tie up
        { 0x7F7FFFFF, 0x7F80 }, // largest finite float rounds to +inf
        { 0xFF7FFFFF, 0xFF80 }, // and its negative to -inf
        { 0x7F7F8000, 0x7F80 }, // tie above the largest finite BF16 (0x7F7F, odd): to +inf
        { 0x7F7F7FFF, 0x7F7F }, // just below that tie stays finite
        { 0x00000000, 0x0000 }, // +0
        { 0x80000000, 0x8000 }, // -0
        { 0x7F800000, 0x7F80 }, // +inf
        { 0xFF800000, 0xFF80 }, // -inf
        { One, 0x3F80 },        // exact
    };

    [Theory]
    [MemberData(nameof(RoundingCases))]
    public void BF16_single_value_rounds_to_nearest_even(uint input, ushort expected)
    {
        Assert.Equal(expected, FloatConversion.ToBFloat16(input));
        var destination = new ushort[1];
        FloatConversion.EncodeBFloat16([F(input)], destination);
        Assert.Equal(expected, destination[0]);
    }

    [Theory]
    [MemberData(nameof(RoundingCases))]
    public void BF16_array_rounds_to_nearest_even_at_every_position(uint input, ushort expected)
    {
        foreach (int position in Positions)
        {
            var source = Enumerable.Repeat(F(One), LongLength).ToArray();
            source[position] = F(input);
            var destination = new ushort[LongLength];

            FloatConversion.EncodeBFloat16(source, destination);

            for (int i = 0; i < LongLength; i++)
            {
                Assert.True((i == position ? expected : (ushort)0x3F80) == destination[i],
                    $"element {i} (special value at {position}): got 0x{destination[i]:X4}");
            }
        }
    }

    [Fact]
    public void BF16_encode_through_Encode_writes_little_endian_bytes()
    {
        var bytes = new byte[4];
        FloatConversion.Encode(TensorDType.BF16, [F(0x3F818000), F(0xC0490FDB)], bytes); // 1.0117188 → 0x3F82, -π → 0xC049
        Assert.Equal(new byte[] { 0x82, 0x3F, 0x49, 0xC0 }, bytes);
    }

    // ---------------------------------------------------------------- BF16 encode: NaN

    public static TheoryData<uint> NaNs() => new()
    {
        0x7FC00000, // quiet NaN
        0x7F800001, // signalling NaN whose payload is only in the low half: truncation would give +inf
        0xFF800001, // same, negative
        0x7FFFFFFF, // rounding up would carry out of the exponent
        0xFFFFFFFF,
        0x7FA00000, // signalling NaN with a payload in the high half
    };

    [Theory]
    [MemberData(nameof(NaNs))]
    public void BF16_single_NaN_stays_a_quiet_NaN_with_its_sign(uint input)
    {
        AssertQuietNaN(input, FloatConversion.ToBFloat16(input));
        var destination = new ushort[1];
        FloatConversion.EncodeBFloat16([F(input)], destination);
        AssertQuietNaN(input, destination[0]);
    }

    [Theory]
    [MemberData(nameof(NaNs))]
    public void BF16_array_NaN_stays_a_quiet_NaN_at_every_position(uint input)
    {
        foreach (int position in Positions)
        {
            var source = Enumerable.Repeat(F(One), LongLength).ToArray();
            source[position] = F(input);
            var destination = new ushort[LongLength];

            FloatConversion.EncodeBFloat16(source, destination);

            AssertQuietNaN(input, destination[position]);
            Assert.All(destination.Where((_, i) => i != position), d => Assert.Equal(0x3F80, d));
        }
    }

    private static void AssertQuietNaN(uint input, ushort bf16)
    {
        Assert.True((bf16 & 0x7F80) == 0x7F80 && (bf16 & 0x007F) != 0, $"0x{input:X8} → 0x{bf16:X4} is not NaN");
        Assert.True((bf16 & 0x0040) != 0, $"0x{input:X8} → 0x{bf16:X4} lacks the quiet bit");
        Assert.Equal(input >> 31, (uint)bf16 >> 15);
    }

    [Fact]
    public void BF16_quiet_NaN_keeps_its_exact_pattern()
    {
        Assert.Equal(0x7FC0, FloatConversion.ToBFloat16(0x7FC00000));
        Assert.Equal(0xFFC0, FloatConversion.ToBFloat16(0xFFC00000));
    }

    // ---------------------------------------------------------------- BF16 decode

    [Fact]
    public void BF16_decode_of_every_pattern_is_the_pattern_shifted_left_16()
    {
        // All 65536 patterns (vectorized blocks) followed by 5 more (scalar tail).
        var source = Enumerable.Range(0, 65536).Concat([0x3F80, 0x8000, 0x7FC1, 0xFF80, 0x0001]).Select(i => (ushort)i).ToArray();
        var destination = new float[source.Length];

        FloatConversion.DecodeBFloat16(source, destination);

        for (int i = 0; i < source.Length; i++)
        {
            uint got = BitConverter.SingleToUInt32Bits(destination[i]);
            Assert.True((uint)source[i] << 16 == got, $"0x{source[i]:X4} decoded to 0x{got:X8}");
        }
    }

    [Fact]
    public void BF16_decode_through_Decode_reads_little_endian_bytes()
    {
        var values = new float[2];
        FloatConversion.Decode(TensorDType.BF16, [0x80, 0x3F, 0x49, 0xC0], values);
        Assert.Equal([1.0f, F(0xC0490000)], values);
    }

    [Fact]
    public void BF16_encode_of_a_decoded_value_gives_the_same_pattern_for_every_non_NaN()
    {
        var patterns = Enumerable.Range(0, 65536).Select(i => (ushort)i).Where(p => (p & 0x7FFF) <= 0x7F80).ToArray();
        var floats = new float[patterns.Length];
        var back = new ushort[patterns.Length];

        FloatConversion.DecodeBFloat16(patterns, floats);
        FloatConversion.EncodeBFloat16(floats, back);

        Assert.Equal(patterns, back);
    }

    // ---------------------------------------------------------------- F16

    public static TheoryData<float, ushort> ExactHalves() => new()
    {
        { 0f, 0x0000 },
        { -0f, 0x8000 },
        { 1f, 0x3C00 },
        { -2f, 0xC000 },
        { 0.5f, 0x3800 },
        { 1f + 1f / 1024, 0x3C01 },    // 1 + 2^-10: one ulp above 1
        { 65504f, 0x7BFF },             // largest finite half
        { 1f / 16384, 0x0400 },         // 2^-14: smallest normal
        { 1f / 16777216, 0x0001 },      // 2^-24: smallest subnormal
        { float.PositiveInfinity, 0x7C00 },
        { float.NegativeInfinity, 0xFC00 },
    };

    [Theory]
    [MemberData(nameof(ExactHalves))]
    public void F16_exact_values_encode_to_their_bits_and_decode_back(float value, ushort bits)
    {
        var bytes = new byte[2];
        FloatConversion.Encode(TensorDType.F16, [value], bytes);
        Assert.Equal(bits, BitConverter.ToUInt16(bytes));

        var back = new float[1];
        FloatConversion.Decode(TensorDType.F16, bytes, back);
        Assert.Equal(BitConverter.SingleToUInt32Bits(value), BitConverter.SingleToUInt32Bits(back[0]));
    }

    public static TheoryData<float, ushort> HalfRoundingCases() => new()
    {
        // The half ulp at 1 is 2^-10, so 1 + 2^-11 lies half way between 1 (0x3C00, even) and 1 + 2^-10 (0x3C01, odd).
        { 1f + MathF.ScaleB(1f, -11), 0x3C00 },
        // 1 + 3·2^-11 lies half way between 1 + 2^-10 (0x3C01, odd) and 1 + 2^-9 (0x3C02, even).
        { 1f + 3 * MathF.ScaleB(1f, -11), 0x3C02 },
        // Just above the first tie rounds up.
        { 1f + MathF.ScaleB(1f, -11) + MathF.ScaleB(1f, -20), 0x3C01 },
        // Above 65504 the ulp is 32; 65520 is half way to 65536 (not representable, mantissa of 65504 odd): +inf.
        { 65520f, 0x7C00 },
        { 65519f, 0x7BFF },
        { -65520f, 0xFC00 },
    };

    [Theory]
    [MemberData(nameof(HalfRoundingCases))]
    public void F16_encode_rounds_to_nearest_even(float value, ushort expected)
    {
        var bytes = new byte[2];
        FloatConversion.Encode(TensorDType.F16, [value], bytes);
        Assert.Equal(expected, BitConverter.ToUInt16(bytes));
    }

    [Theory]
    [MemberData(nameof(HalfRoundingCases))]
    public void F16_array_encode_rounds_to_nearest_even_at_every_position(float value, ushort expected)
    {
        foreach (int position in Positions)
        {
            var source = Enumerable.Repeat(1f, LongLength).ToArray();
            source[position] = value;
            var bytes = new byte[2 * LongLength];

            FloatConversion.Encode(TensorDType.F16, source, bytes);

            var halves = MemoryMarshal.Cast<byte, ushort>(bytes).ToArray();
            for (int i = 0; i < LongLength; i++)
            {
                Assert.True((i == position ? expected : (ushort)0x3C00) == halves[i], $"element {i} (special value at {position}): got 0x{halves[i]:X4}");
            }
        }
    }

    [Fact]
    public void F16_NaN_stays_NaN()
    {
        var bytes = new byte[2 * LongLength];
        var source = Enumerable.Repeat(float.NaN, LongLength).ToArray();
        FloatConversion.Encode(TensorDType.F16, source, bytes);
        var back = new float[LongLength];
        FloatConversion.Decode(TensorDType.F16, bytes, back);
        Assert.All(back, v => Assert.True(float.IsNaN(v)));
    }

    // ---------------------------------------------------------------- F32

    [Fact]
    public void F32_passes_bits_through_unchanged()
    {
        uint[] patterns = [0x00000000, 0x80000000, One, 0x00000001, 0x7F7FFFFF, 0x7F800000, 0x7FA00001, 0xFFC12345, 0x3EAAAAAB];
        var source = patterns.Select(F).ToArray();
        var bytes = new byte[4 * source.Length];

        FloatConversion.Encode(TensorDType.F32, source, bytes);
        Assert.Equal(patterns, MemoryMarshal.Cast<byte, uint>(bytes).ToArray());

        var back = new float[source.Length];
        FloatConversion.Decode(TensorDType.F32, bytes, back);
        Assert.Equal(patterns, back.Select(BitConverter.SingleToUInt32Bits));
    }

    [Theory]
    [InlineData(TensorDType.I32)]
    [InlineData(TensorDType.F64)]
    [InlineData(TensorDType.U8)]
    public void Non_float_merge_dtypes_are_refused(TensorDType dtype)
    {
        Assert.Throws<ArgumentException>(() => FloatConversion.Encode(dtype, [1f], new byte[8]));
        Assert.Throws<ArgumentException>(() => FloatConversion.Decode(dtype, new byte[8], new float[1]));
    }
}
