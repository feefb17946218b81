using SwarmMerge.Numerics;

namespace SwarmMerge.Tests.Adapters;

/// <summary>The truncated SVD against matrices with known singular values.</summary>
public sealed class RandomizedSvdTests
{
    // D = U·diag(s)·Vᵀ with orthonormal U (rows×n) and V (cols×n) from Gram–Schmidt of random vectors.
    private static float[] Known(int rows, int cols, double[] singular, int seed)
    {
        var random = new Random(seed);
        double[][] Orthonormal(int length)
        {
            var vectors = new double[singular.Length][];
            for (int j = 0; j < vectors.Length; j++)
            {
                var v = Enumerable.Range(0, length).Select(_ => random.NextDouble() - 0.5).ToArray();
                for (int i = 0; i < j; i++)
                {
                    double dot = v.Zip(vectors[i], (a, b) => a * b).Sum();
                    for (int e = 0; e < length; e++)
                    {
                        v[e] -= dot * vectors[i][e];
                    }
                }
                double norm = Math.Sqrt(v.Sum(x => x * x));
                vectors[j] = v.Select(x => x / norm).ToArray();
            }
            return vectors;
        }
        var u = Orthonormal(rows);
        var w = Orthonormal(cols);
        var d = new float[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                d[r * cols + c] = (float)Enumerable.Range(0, singular.Length).Sum(j => singular[j] * u[j][r] * w[j][c]);
            }
        }
        return d;
    }

    private static (float[] Left, float[] Right, double[] Singular) Svd(float[] d, int rows, int cols, int rank, ulong seed = 1) =>
        RandomizedSvd.Decompose(rows, cols, rank, (first, count, destination) => d.AsSpan((int)first * cols, count * cols).CopyTo(destination), seed, "test", 2);

    [Fact]
    public void A_matrix_of_rank_at_most_the_target_is_recovered_to_rounding()
    {
        double[] singular = [5, 3, 1, 0.25];
        var d = Known(40, 30, singular, 1);
        var (left, right, s) = Svd(d, 40, 30, 6);
        Assert.Equal(singular, s.Take(4).Select(x => Math.Round(x, 4)));
        Assert.All(s.Skip(4), x => Assert.True(x < 1e-5));
        for (int r = 0; r < 40; r++)
        {
            for (int c = 0; c < 30; c++)
            {
                double value = Enumerable.Range(0, 6).Sum(k => (double)left[r * 6 + k] * right[k * 30 + c]);
                Assert.True(Math.Abs(value - d[r * 30 + c]) < 1e-5, $"[{r}, {c}]");
            }
        }
    }

    [Fact]
    public void Truncation_keeps_the_largest_singular_values_and_the_seed_fixes_the_result()
    {
        double[] singular = [10, 6, 3, 1, 0.5, 0.1, 0.05];
        var d = Known(64, 50, singular, 2);
        var (left, right, s) = Svd(d, 64, 50, 3);
        Assert.Equal([10.0, 6.0, 3.0], s.Select(x => Math.Round(x, 3)));
        // ‖D − D₃‖_F² = Σ of the dropped σ² (Eckart–Young): the factors reach it.
        double error = 0;
        for (int r = 0; r < 64; r++)
        {
            for (int c = 0; c < 50; c++)
            {
                double value = Enumerable.Range(0, 3).Sum(k => (double)left[r * 3 + k] * right[k * 50 + c]);
                error += Math.Pow(value - d[r * 50 + c], 2);
            }
        }
        Assert.Equal(singular.Skip(3).Sum(x => x * x), error, 4);
        var again = Svd(d, 64, 50, 3);
        Assert.Equal(left, again.Left);
        Assert.Equal(right, again.Right);
    }
}
