namespace SwarmMerge.Numerics;

/// <summary>
/// The singular value decomposition of a small dense matrix by one-sided Jacobi rotations (Hestenes): columns are
/// rotated in pairs until they are orthogonal, which gives the small singular values to full relative accuracy
/// (unlike the eigenvalues of MᵀM, which square the condition number).
/// </summary>
internal static class JacobiSvd
{
    private const int MaxSweeps = 80;

    /// <summary>M = U·diag(S)·Vᵀ for the square <paramref name="m"/> (n×n, row-major), singular values in descending order.</summary>
    public static (double[,] U, double[] S, double[,] V) Decompose(double[,] m)
    {
        int n = m.GetLength(0);
        var w = (double[,])m.Clone();
        var v = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            v[i, i] = 1;
        }
        for (int sweep = 0; sweep < MaxSweeps; sweep++)
        {
            bool rotated = false;
            for (int p = 0; p < n - 1; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    double alpha = 0, beta = 0, gamma = 0;
                    for (int i = 0; i < n; i++)
                    {
                        alpha += w[i, p] * w[i, p];
                        beta += w[i, q] * w[i, q];
                        gamma += w[i, p] * w[i, q];
                    }
                    if (gamma == 0 || Math.Abs(gamma) <= 1e-15 * Math.Sqrt(alpha * beta))
                    {
                        continue;
                    }
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.Sign(zeta == 0 ? 1 : zeta) / (Math.Abs(zeta) + Math.Sqrt(1 + zeta * zeta));
                    double c = 1 / Math.Sqrt(1 + t * t), s = c * t;
                    Rotate(w, p, q, c, s);
                    Rotate(v, p, q, c, s);
                }
            }
            if (!rotated)
            {
                break;
            }
        }

        var norms = new double[n];
        for (int j = 0; j < n; j++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                sum += w[i, j] * w[i, j];
            }
            norms[j] = Math.Sqrt(sum);
        }
        var order = Enumerable.Range(0, n).OrderByDescending(j => norms[j]).ThenBy(j => j).ToArray();
        var u = new double[n, n];
        var sorted = new double[n];
        var vSorted = new double[n, n];
        for (int k = 0; k < n; k++)
        {
            int j = order[k];
            sorted[k] = norms[j];
            for (int i = 0; i < n; i++)
            {
                u[i, k] = norms[j] > 0 ? w[i, j] / norms[j] : 0;
                vSorted[i, k] = v[i, j];
            }
        }
        return (u, sorted, vSorted);
    }

    // Columns p, q ← (c·p − s·q, s·p + c·q).
    private static void Rotate(double[,] a, int p, int q, double c, double s)
    {
        for (int i = 0; i < a.GetLength(0); i++)
        {
            double x = a[i, p], y = a[i, q];
            a[i, p] = c * x - s * y;
            a[i, q] = s * x + c * y;
        }
    }
}
