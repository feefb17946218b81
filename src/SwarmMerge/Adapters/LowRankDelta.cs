using System.Numerics.Tensors;
using SwarmMerge.IO;

namespace SwarmMerge.Adapters;

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

    /// <summary>Reads the factors from <paramref name="file"/> into fp32 (r·(rows + columns) values).</summary>
    public Factors Open(SafetensorsFile file)
    {
        var a = Read(file, Layer.A);
        var b = Read(file, Layer.B);
        int r = Rank;
        int rows = (int)Rows, cols = (int)Columns;
        // Stored = Left·Right with Left [rows, r] and Right [r, cols]: B and A, or Aᵀ and Bᵀ when transposed.
        var left = new float[(long)rows * r];
        var right = new float[(long)r * cols];
        for (int i = 0; i < rows; i++)
        {
            for (int k = 0; k < r; k++)
            {
                left[(long)i * r + k] = Transposed ? a[(long)k * rows + i] : b[(long)i * r + k];
            }
        }
        for (int k = 0; k < r; k++)
        {
            for (int c = 0; c < cols; c++)
            {
                right[(long)k * cols + c] = Transposed ? b[(long)c * r + k] : a[(long)k * cols + c];
            }
        }
        return new Factors(left, right, r, cols, (float)Scale);
    }

    private static float[] Read(SafetensorsFile file, TensorInfo info)
    {
        using var view = file.OpenTensor(info.Name);
        var values = new float[info.ElementCount];
        view.ReadFloats(0, values);
        return values;
    }

    /// <summary>The factors of one delta in fp32, ready to compute element ranges of the product.</summary>
    public sealed class Factors(float[] left, float[] right, int rank, int columns, float scale)
    {
        /// <summary>Writes elements [<paramref name="start"/>, start + destination.Length) of scale·Left·Right into <paramref name="destination"/>.</summary>
        public void Compute(long start, Span<float> destination)
        {
            int done = 0;
            while (done < destination.Length)
            {
                long element = start + done;
                long row = element / columns;
                int column = (int)(element % columns);
                int length = Math.Min(columns - column, destination.Length - done);
                var output = destination.Slice(done, length);
                output.Clear();
                var weights = left.AsSpan((int)(row * rank), rank);
                for (int k = 0; k < rank; k++)
                {
                    if (weights[k] != 0)
                    {
                        TensorPrimitives.MultiplyAdd(right.AsSpan(k * columns + column, length), weights[k], output, output);
                    }
                }
                // PEFT's order: (B @ A) * scaling.
                TensorPrimitives.Multiply(output, scale, output);
                done += length;
            }
        }
    }
}
