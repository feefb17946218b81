using System.Numerics.Tensors;

namespace SwarmMerge.Numerics;

/// <summary>Writes rows [<c>first</c>, first + count) of a rows×columns matrix, row-major, into the destination.</summary>
public delegate void MatrixRows(long first, int count, Span<float> destination);

/// <summary>
/// A rank-k truncated SVD of a matrix that is only ever read row block by row block (Halko, Martinsson and Tropp
/// 2011): a Gaussian sketch Y = DΩ of k + p columns, q power iterations (each re-orthonormalized) to sharpen it,
/// Q = orth(Y), then the small SVD of QᵀD by one-sided Jacobi. Memory is O((rows + columns)·(k + p)); the matrix is
/// read 2q + 2 times. Row blocks are summed in a fixed order, so the result depends on the seed, not on threads.
/// </summary>
public static class RandomizedSvd
{
    private const int Oversample = 10;
    private const int PowerIterations = 2;
    private const int TargetBlockElements = 1 << 18;
    private const int Lanes = 8;

    /// <summary>D ≈ Left·Right with Left = U√S (rows×rank) and Right = √S·Vᵀ (rank×columns); also the rank singular values.</summary>
    /// <param name="rows">Rows of D.</param>
    /// <param name="columns">Columns of D.</param>
    /// <param name="rank">Rank wanted (fewer when D is smaller; the rest are zero).</param>
    /// <param name="read">Reads rows of D.</param>
    /// <param name="seed">Seed of the sketch.</param>
    /// <param name="stream">Separates the sketches of different matrices under one seed (e.g. the tensor name).</param>
    /// <param name="threads">Worker threads.</param>
    public static (float[] Left, float[] Right, double[] Singular) Decompose(long rows, long columns, int rank, MatrixRows read, ulong seed, string stream, int threads)
    {
        int cols = checked((int)columns);
        int n = checked((int)rows);
        int k = (int)Math.Min(rank + Oversample, Math.Min(rows, columns));
        var random = new SearchRandom(seed, "svd/" + stream);
        var omega = new float[k][];
        for (int j = 0; j < k; j++)
        {
            omega[j] = new float[cols];
            for (int c = 0; c < cols; c++)
            {
                omega[j][c] = (float)random.NextGaussian();
            }
        }

        var q = Orthonormalize(Times(read, n, cols, omega, threads), n, k);
        for (int iteration = 0; iteration < PowerIterations; iteration++)
        {
            var z = Orthonormalize(Transpose(TransposedTimes(read, n, cols, q, k, threads), cols, k), cols, k);
            q = Orthonormalize(Times(read, n, cols, Columns(z, cols, k), threads), n, k);
        }

        // D ≈ Q·Bm with Bm = QᵀD (k×cols); Bmᵀ = Q₂·R with R = Q₂ᵀBmᵀ; so D ≈ Q·Rᵀ·Q₂ᵀ, and Rᵀ = Us·S·Vsᵀ.
        var bm = TransposedTimes(read, n, cols, q, k, threads); // k rows of length cols
        var q2 = Orthonormalize(Transpose(bm, cols, k), cols, k);
        var small = new double[k, k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                double sum = 0;
                for (int c = 0; c < cols; c++)
                {
                    sum += bm[i][c] * q2[(long)c * k + j];
                }
                small[i, j] = sum; // (Bm·Q₂)[i, j] = Rᵀ[i, j]
            }
        }
        var (us, s, vs) = JacobiSvd.Decompose(small);

        var left = new float[(long)n * rank];
        var right = new float[(long)rank * cols];
        var singular = new double[rank];
        int kept = Math.Min(rank, k);
        for (int r = 0; r < kept; r++)
        {
            singular[r] = s[r];
            double root = Math.Sqrt(s[r]);
            for (int row = 0; row < n; row++)
            {
                double u = 0;
                for (int i = 0; i < k; i++)
                {
                    u += q[(long)row * k + i] * us[i, r];
                }
                left[(long)row * rank + r] = (float)(u * root);
            }
            for (int c = 0; c < cols; c++)
            {
                double v = 0;
                for (int i = 0; i < k; i++)
                {
                    v += q2[(long)c * k + i] * vs[i, r];
                }
                right[(long)r * cols + c] = (float)(v * root);
            }
        }
        return (left, right, singular);
    }

    // Y = D·Ωᵀ for k vectors of length cols: rows×k, row-major, in fp64.
    private static double[] Times(MatrixRows read, int n, int cols, float[][] vectors, int threads)
    {
        int k = vectors.Length;
        var y = new double[(long)n * k];
        int blockRows = Math.Max(1, TargetBlockElements / cols);
        int blocks = (n + blockRows - 1) / blockRows;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = threads }, () => new float[(long)blockRows * cols], (block, _, buffer) =>
        {
            int first = block * blockRows, count = Math.Min(blockRows, n - first);
            read(first, count, buffer.AsSpan(0, count * cols));
            for (int row = 0; row < count; row++)
            {
                var values = buffer.AsSpan(row * cols, cols);
                for (int j = 0; j < k; j++)
                {
                    y[(long)(first + row) * k + j] = TensorPrimitives.Dot(values, vectors[j]);
                }
            }
            return buffer;
        }, _ => { });
        return y;
    }

    // QᵀD: k rows of length cols (fp64), from Q (n×k). Rows are split into fixed lanes summed in lane order.
    private static double[][] TransposedTimes(MatrixRows read, int n, int cols, double[] q, int k, int threads)
    {
        int blockRows = Math.Max(1, TargetBlockElements / cols);
        int lanes = Math.Min(Lanes, Math.Max(1, n));
        int laneRows = (n + lanes - 1) / lanes;
        var partials = new float[lanes][][];
        Parallel.For(0, lanes, new ParallelOptions { MaxDegreeOfParallelism = threads }, lane =>
        {
            var sums = Enumerable.Range(0, k).Select(_ => new float[cols]).ToArray();
            var buffer = new float[(long)blockRows * cols];
            int end = Math.Min(n, (lane + 1) * laneRows);
            for (int first = lane * laneRows; first < end; first += blockRows)
            {
                int count = Math.Min(blockRows, end - first);
                read(first, count, buffer.AsSpan(0, count * cols));
                for (int row = 0; row < count; row++)
                {
                    var values = buffer.AsSpan(row * cols, cols);
                    for (int j = 0; j < k; j++)
                    {
                        float weight = (float)q[(long)(first + row) * k + j];
                        if (weight != 0)
                        {
                            TensorPrimitives.MultiplyAdd(values, weight, sums[j], sums[j]);
                        }
                    }
                }
            }
            partials[lane] = sums;
        });
        var total = Enumerable.Range(0, k).Select(_ => new double[cols]).ToArray();
        foreach (var lane in partials.Where(p => p is not null))
        {
            for (int j = 0; j < k; j++)
            {
                for (int c = 0; c < cols; c++)
                {
                    total[j][c] += lane[j][c];
                }
            }
        }
        return total;
    }

    // k rows of length m → m×k row-major.
    private static double[] Transpose(double[][] rows, int m, int k)
    {
        var result = new double[(long)m * k];
        for (int j = 0; j < k; j++)
        {
            for (int i = 0; i < m; i++)
            {
                result[(long)i * k + j] = rows[j][i];
            }
        }
        return result;
    }

    // m×k row-major → k float vectors of length m.
    private static float[][] Columns(double[] matrix, int m, int k)
    {
        var columns = new float[k][];
        for (int j = 0; j < k; j++)
        {
            columns[j] = new float[m];
            for (int i = 0; i < m; i++)
            {
                columns[j][i] = (float)matrix[(long)i * k + j];
            }
        }
        return columns;
    }

    // The columns of an m×k matrix made orthonormal by modified Gram–Schmidt, twice (for orthogonality to working
    // precision); a column that vanishes against the others (the matrix has lower rank) becomes zero, not amplified noise.
    private static double[] Orthonormalize(double[] a, int m, int k)
    {
        for (int pass = 0; pass < 2; pass++)
        {
            for (int j = 0; j < k; j++)
            {
                double before = Math.Sqrt(SquaredNorm(a, m, k, j));
                if (before == 0)
                {
                    continue;
                }
                for (int i = 0; i < j; i++)
                {
                    double dot = 0;
                    for (int r = 0; r < m; r++)
                    {
                        dot += a[(long)r * k + i] * a[(long)r * k + j];
                    }
                    for (int r = 0; r < m; r++)
                    {
                        a[(long)r * k + j] -= dot * a[(long)r * k + i];
                    }
                }
                double norm = Math.Sqrt(SquaredNorm(a, m, k, j));
                double scale = norm <= 1e-10 * before ? 0 : 1 / norm;
                for (int r = 0; r < m; r++)
                {
                    a[(long)r * k + j] *= scale;
                }
            }
        }
        return a;
    }

    private static double SquaredNorm(double[] a, int m, int k, int column)
    {
        double sum = 0;
        for (int r = 0; r < m; r++)
        {
            sum += a[(long)r * k + column] * a[(long)r * k + column];
        }
        return sum;
    }
}
