namespace SwarmMerge.Search.Methods;

/// <summary>
/// PSO-Merging's settings, defaulting to the paper: v ← w·v + c₁·r₁·(pbest − x) + c₂·r₂·(gbest − x); x ← x + v,
/// with w = 0.2, c₁ = c₂ = 2, r ~ U(0, 1), velocities starting at zero, and S = 5 steps over the 2n+1 particles,
/// (2n+1)·(S+1) evaluations in all. Steps are synchronous: every particle moves with the global best of the
/// previous step, then all are scored.
/// </summary>
public sealed record PsoSettings
{
    /// <summary>Steps S after scoring the initial swarm (the paper: 5 for 7–13B LLMs, 50 for Flan-T5-Base).</summary>
    public int Steps { get; init; } = 5;

    /// <summary>Inertia weight w.</summary>
    public double Inertia { get; init; } = 0.2;

    /// <summary>Cognitive coefficient c₁ (pull toward the particle's own best).</summary>
    public double Cognitive { get; init; } = 2;

    /// <summary>Social coefficient c₂ (pull toward the swarm's best).</summary>
    public double Social { get; init; } = 2;

    /// <summary>How r₁ and r₂ are drawn.</summary>
    public PsoRandomMode RandomMode { get; init; } = PsoRandomMode.Scalar;

    /// <summary>Velocities before the first step.</summary>
    public InitialVelocity InitialVelocity { get; init; } = InitialVelocity.Zero;

    /// <summary>
    /// Largest move of one number in one step, or null for none (the default). In coefficient space a group's
    /// velocity is scaled down as a whole until no coefficient moves further (cutting coordinates one by one
    /// would break Σc = 1); elementwise, each parameter's velocity is cut to [−clamp, clamp].
    /// </summary>
    public double? VelocityClamp { get; init; }

    /// <summary>
    /// During the first this many steps r₁, r₂ are drawn once per particle and step and used in every coefficient
    /// group, so particles that start alike in every group move alike (model-level coefficients); later each group
    /// draws its own (layer-level coefficients, say). 0 (the paper): every group always draws its own.
    /// </summary>
    public int TiedSteps { get; init; }

    /// <summary>Elementwise mode refuses models whose particle vectors would need more bytes than this (default 8 GiB).</summary>
    public long ElementwiseMemoryLimitBytes { get; init; } = 8L << 30;

    /// <summary>Seed of r₁, r₂ (and of the initial velocities' partners).</summary>
    public ulong Seed { get; init; }

    /// <summary>Throws on settings no PSO can run with.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Steps, nameof(Steps));
        ArgumentOutOfRangeException.ThrowIfNegative(TiedSteps, nameof(TiedSteps));
        if (VelocityClamp is { } clamp && !(clamp > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(VelocityClamp), $"A velocity clamp must be positive; it is {clamp}.");
        }
        foreach (var (name, value) in new[] { (nameof(Inertia), Inertia), (nameof(Cognitive), Cognitive), (nameof(Social), Social) })
        {
            if (!double.IsFinite(value))
            {
                throw new ArgumentOutOfRangeException(name, $"{name} must be a finite number.");
            }
        }
    }
}
