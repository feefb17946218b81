using System.Runtime.Intrinsics;

namespace SwarmMerge.Numerics;

/// <summary>fp64-accumulated reductions over fp32 spans (SIMD; the order of additions is fixed, so results are reproducible).</summary>
public static class Reductions
{
    /// <summary>Σ |x|.</summary>
    public static double SumAbs(ReadOnlySpan<float> x)
    {
        var acc = Vector256<double>.Zero;
        int i = 0;
        for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var (lo, hi) = Vector256.Widen(Vector256.Abs(Vector256.Create(x.Slice(i, Vector256<float>.Count))));
            acc += lo + hi;
        }
        double sum = Vector256.Sum(acc);
        for (; i < x.Length; i++)
        {
            sum += Math.Abs(x[i]);
        }
        return sum;
    }

    /// <summary>Σ xᵢ·yᵢ.</summary>
    public static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var acc = Vector256<double>.Zero;
        int i = 0;
        for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var (xl, xh) = Vector256.Widen(Vector256.Create(x.Slice(i, Vector256<float>.Count)));
            var (yl, yh) = Vector256.Widen(Vector256.Create(y.Slice(i, Vector256<float>.Count)));
            acc += xl * yl + xh * yh;
        }
        double sum = Vector256.Sum(acc);
        for (; i < x.Length; i++)
        {
            sum += (double)x[i] * y[i];
        }
        return sum;
    }
}
