using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SwarmMerge.IO;

namespace SwarmMerge.Models;

/// <summary>
/// The update one LoRA layer makes to one base tensor: scale·B·A in the tensor's stored layout, [out, in] for a
/// linear layer, (scale·B·A)ᵀ = [in, out] for GPT-2's Conv1D (<c>fan_in_fan_out</c>) and for embeddings. It is never
/// formed as a whole: <see cref="Open"/> reads the two small factors, and <see cref="Factors.Compute"/> writes any element
/// range of the product, row segment by row segment.
/// </summary>
/// <param name="Layer">The factors in the adapter file.</param>
/// <param name="Scale">α/r or α/√r.</param>
/// <param name="Transposed">True when the stored tensor is (B·A)ᵀ.</param>
/// <param name="Rows">Rows of the stored tensor.</param>
/// <param name="Columns">Columns of the stored tensor.</param>
public sealed record LowRankDelta(LoraFactors Layer, double Scale, bool Transposed, long Rows, long Columns)
{
    /// <summary>The rank.</summary>
    public int Rank => Layer.Rank;

    /// <summary>Reads the factors from <paramref name="file"/> into fp32 (r·(rows + columns) values, pooled: dispose the result to return them).</summary>
    public Factors Open(SafetensorsFile file)
    {
        int r = Rank;
        int rows = (int)Rows, cols = (int)Columns;
        var a = Read(file, Layer.A);
        var b = Read(file, Layer.B);
        // Stored = Left·Right with Left [rows, r] and Right [r, cols]: B and A, or Aᵀ and Bᵀ when transposed.
        var left = ArrayPool<float>.Shared.Rent(rows * r);
        var right = ArrayPool<float>.Shared.Rent(r * cols);
        for (int i = 0; i < rows; i++)
        {
            for (int k = 0; k < r; k++)
            {
                left[i * r + k] = Transposed ? a[k * rows + i] : b[i * r + k];
            }
        }
        for (int k = 0; k < r; k++)
        {
            for (int c = 0; c < cols; c++)
            {
                right[k * cols + c] = Transposed ? b[c * r + k] : a[k * cols + c];
            }
        }
        ArrayPool<float>.Shared.Return(a);
        ArrayPool<float>.Shared.Return(b);
        return new Factors(left, right, r, cols, (float)Scale, pooled: true);
    }

    private static float[] Read(SafetensorsFile file, TensorInfo info)
    {
        using var view = file.OpenTensor(info.Name);
        var values = ArrayPool<float>.Shared.Rent((int)info.ElementCount);
        view.ReadFloats(0, values.AsSpan(0, (int)info.ElementCount));
        return values;
    }

    /// <summary>
    /// The factors of one delta in fp32, ready to compute element ranges of the product. The product is computed
    /// in registers, sixteen columns of four rows at a time (eight independent sums), summed over the rank with fused multiply-adds, and
    /// scaled once when stored (PEFT's order: (B @ A) * scaling).
    /// </summary>
    /// <param name="left">Left [rows, rank], row-major (it may be longer).</param>
    /// <param name="right">Right [rank, columns], row-major (it may be longer).</param>
    /// <param name="rank">The rank.</param>
    /// <param name="columns">Columns of the product.</param>
    /// <param name="scale">Multiplies the product.</param>
    /// <param name="pooled">The arrays come from <see cref="ArrayPool{T}.Shared"/> and go back there on <see cref="Dispose"/>.</param>
    public sealed class Factors(float[] left, float[] right, int rank, int columns, float scale, bool pooled = false) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose()
        {
            if (pooled)
            {
                ArrayPool<float>.Shared.Return(left);
                ArrayPool<float>.Shared.Return(right);
            }
        }

        /// <summary>Writes elements [<paramref name="start"/>, start + destination.Length) of scale·Left·Right into <paramref name="destination"/>.</summary>
        public void Compute(long start, Span<float> destination)
        {
            int done = 0;
            while (done < destination.Length)
            {
                long element = start + done;
                int row = (int)(element / columns);
                int column = (int)(element % columns);
                int fullRows = column == 0 ? (destination.Length - done) / columns : 0;
                if (fullRows >= 4)
                {
                    int block = fullRows / 4 * 4;
                    for (int r = 0; r < block; r += 4)
                    {
                        FourRows(row + r, destination.Slice(done + r * columns, 4 * columns));
                    }
                    done += block * columns;
                    continue;
                }
                int length = Math.Min(columns - column, destination.Length - done);
                OneRow(row, column, destination.Slice(done, length));
                done += length;
            }
        }

        // Columns [column, column + output.Length) of one row.
        private void OneRow(int row, int column, Span<float> output)
        {
            int c = 0;
            if (Vector256.IsHardwareAccelerated && output.Length >= Vector256<float>.Count)
            {
                Span<Vector256<float>> weights = rank <= 128 ? stackalloc Vector256<float>[rank] : new Vector256<float>[rank];
                for (int k = 0; k < rank; k++)
                {
                    weights[k] = Vector256.Create(left[row * rank + k]);
                }
                ref float rightStart = ref MemoryMarshal.GetArrayDataReference(right);
                ref float outputStart = ref MemoryMarshal.GetReference(output);
                var factor = Vector256.Create(scale);
                for (; c + Vector256<float>.Count <= output.Length; c += Vector256<float>.Count)
                {
                    var sum = Vector256<float>.Zero;
                    nuint offset = (nuint)(column + c);
                    for (int k = 0; k < weights.Length; k++, offset += (nuint)columns)
                    {
                        sum = MultiplyAdd(weights[k], Vector256.LoadUnsafe(ref rightStart, offset), sum);
                    }
                    (sum * factor).StoreUnsafe(ref outputStart, (nuint)c);
                }
            }
            for (; c < output.Length; c++)
            {
                float sum = 0;
                for (int k = 0; k < rank; k++)
                {
                    sum += left[row * rank + k] * right[k * columns + column + c];
                }
                output[c] = sum * scale;
            }
        }

        // Four whole rows, each right row loaded once for all four.
        private void FourRows(int row, Span<float> output)
        {
            if (!Vector256.IsHardwareAccelerated || columns < Vector256<float>.Count)
            {
                for (int i = 0; i < 4; i++)
                {
                    OneRow(row + i, 0, output.Slice(i * columns, columns));
                }
                return;
            }
            // Broadcast weights, k-major: [4k + i] is row i's weight k.
            Span<Vector256<float>> weights = rank <= 64 ? stackalloc Vector256<float>[4 * rank] : new Vector256<float>[4 * rank];
            for (int k = 0; k < rank; k++)
            {
                for (int i = 0; i < 4; i++)
                {
                    weights[4 * k + i] = Vector256.Create(left[(row + i) * rank + k]);
                }
            }
            ref float rightStart = ref MemoryMarshal.GetArrayDataReference(right);
            ref float outputStart = ref MemoryMarshal.GetReference(output);
            ref Vector256<float> w = ref MemoryMarshal.GetReference(weights);
            var factor = Vector256.Create(scale);
            int c = 0;
            const int Width = 2 * 8; // two vectors per row: eight independent sums keep the multiply-add units busy
            for (; c + Width <= columns; c += Width)
            {
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
                nuint offset = (nuint)c;
                for (int k = 0; k < rank; k++, offset += (nuint)columns)
                {
                    var ra = Vector256.LoadUnsafe(ref rightStart, offset);
                    var rb = Vector256.LoadUnsafe(ref rightStart, offset + 8);
                    var w0 = Unsafe.Add(ref w, 4 * k);
                    var w1 = Unsafe.Add(ref w, 4 * k + 1);
                    var w2 = Unsafe.Add(ref w, 4 * k + 2);
                    var w3 = Unsafe.Add(ref w, 4 * k + 3);
                    a0 = MultiplyAdd(w0, ra, a0);
                    b0 = MultiplyAdd(w0, rb, b0);
                    a1 = MultiplyAdd(w1, ra, a1);
                    b1 = MultiplyAdd(w1, rb, b1);
                    a2 = MultiplyAdd(w2, ra, a2);
                    b2 = MultiplyAdd(w2, rb, b2);
                    a3 = MultiplyAdd(w3, ra, a3);
                    b3 = MultiplyAdd(w3, rb, b3);
                }
                (a0 * factor).StoreUnsafe(ref outputStart, (nuint)c);
                (b0 * factor).StoreUnsafe(ref outputStart, (nuint)c + 8);
                (a1 * factor).StoreUnsafe(ref outputStart, (nuint)(columns + c));
                (b1 * factor).StoreUnsafe(ref outputStart, (nuint)(columns + c) + 8);
                (a2 * factor).StoreUnsafe(ref outputStart, (nuint)(2 * columns + c));
                (b2 * factor).StoreUnsafe(ref outputStart, (nuint)(2 * columns + c) + 8);
                (a3 * factor).StoreUnsafe(ref outputStart, (nuint)(3 * columns + c));
                (b3 * factor).StoreUnsafe(ref outputStart, (nuint)(3 * columns + c) + 8);
            }
            if (c < columns)
            {
                for (int i = 0; i < 4; i++)
                {
                    OneRow(row + i, c, output.Slice(i * columns + c, columns - c));
                }
            }
        }

        // Fused where the processor has it (one rounding), else multiply then add.
        private static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
            Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;
    }
}
