
namespace SwarmMerge.Numerics;

/// <summary>
/// The searches' sequential random numbers: SplitMix64 (a Weyl sequence through <see cref="CounterRandom.Mix"/>),
/// so a seed gives the same draws on every machine and .NET version, unlike <see cref="System.Random"/>.
/// </summary>
public sealed class SearchRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15;
    private ulong _state;
    private double? _spareGaussian;

    /// <summary>A generator for <paramref name="seed"/>, separated from other uses of the same seed by <paramref name="stream"/>.</summary>
    public SearchRandom(ulong seed, string stream = "") => _state = CounterRandom.Mix(seed ^ CounterRandom.Fnv1a(stream));

    /// <summary>The next 64 random bits.</summary>
    public ulong NextBits() => CounterRandom.Mix(_state += Golden);

    /// <summary>Uniform in [0, 1), with 53 random bits.</summary>
    public double NextDouble() => (NextBits() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, <paramref name="count"/>).</summary>
    public int NextInt(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return (int)(NextDouble() * count);
    }

    /// <summary>Standard normal (Box–Muller; the second value of each pair is kept for the next call).</summary>
    public double NextGaussian()
    {
        if (_spareGaussian is double spare)
        {
            _spareGaussian = null;
            return spare;
        }
        double u = 1 - NextDouble();
        double radius = Math.Sqrt(-2 * Math.Log(u));
        double angle = 2 * Math.PI * NextDouble();
        _spareGaussian = radius * Math.Sin(angle);
        return radius * Math.Cos(angle);
    }

    /// <summary>Gamma(<paramref name="shape"/>, 1) by Marsaglia and Tsang (with the u^(1/a) boost for shape &lt; 1).</summary>
    public double NextGamma(double shape)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shape);
        if (shape < 1)
        {
            return NextGamma(shape + 1) * Math.Pow(1 - NextDouble(), 1 / shape);
        }
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = NextGaussian();
                v = 1 + c * x;
            }
            while (v <= 0);
            v = v * v * v;
            double u = 1 - NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v))
            {
                return d * v;
            }
        }
    }
}
