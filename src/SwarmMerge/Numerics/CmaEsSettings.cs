namespace SwarmMerge.Numerics;

/// <summary>Settings of <see cref="CmaEs"/> (strategy parameters not listed follow Hansen's tutorial defaults).</summary>
public sealed record CmaEsSettings
{
    /// <summary>Initial step size σ₀ (evolutionary merging: 1/6).</summary>
    public double Sigma0 { get; init; } = 1.0 / 6;

    /// <summary>Population size λ; null for 4 + ⌊3·ln n⌋.</summary>
    public int? PopulationSize { get; init; }

    /// <summary>Stop after this many generations.</summary>
    public int MaxGenerations { get; init; } = 1000;

    /// <summary>Stop when the best values of the last 10 + ⌈30n/λ⌉ generations, and the current ones, lie within this range.</summary>
    public double TolFun { get; init; } = 1e-12;

    /// <summary>Stop when σ times every coordinate's standard deviation (and σ·p_c) falls below this.</summary>
    public double TolX { get; init; } = 1e-12;

    /// <summary>
    /// Box bounds handling: a sample outside [lower, upper] is evaluated at its projection into the box, and
    /// the value the strategy ranks it by gets this penalty times the squared distance of the projection.
    /// </summary>
    public double BoundPenalty { get; init; } = 100;

    /// <summary>Seed of the samples.</summary>
    public ulong Seed { get; init; }
}
