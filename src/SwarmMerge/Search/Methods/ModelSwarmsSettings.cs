namespace SwarmMerge.Search.Methods;

/// <summary>
/// Settings of Model Swarms (Feng et al. 2025). The paper tunes its coefficients per task; these defaults are
/// our middle-of-the-range choices, not the paper's.
/// </summary>
public sealed record ModelSwarmsSettings
{
    /// <summary>Swarm size N; null for the number of members. Particles beyond the members start as crossovers t·x_a + (1−t)·x_b of two random members, t ~ U(0, 1).</summary>
    public int? SwarmSize { get; init; }

    /// <summary>Inertia φ_v.</summary>
    public double Inertia { get; init; } = 0.4;

    /// <summary>Cognitive coefficient φ_p (toward the personal best).</summary>
    public double Cognitive { get; init; } = 0.3;

    /// <summary>Social coefficient φ_g (toward the global best).</summary>
    public double Social { get; init; } = 0.4;

    /// <summary>Repulsion coefficient φ_w (away from the global worst).</summary>
    public double Repel { get; init; } = 0.3;

    /// <summary>Initial step length λ.</summary>
    public double StepLength { get; init; } = 1;

    /// <summary>Step length decay φ_λ: after every iteration λ ← max(λ·φ_λ, <see cref="MinimumStepLength"/>).</summary>
    public double StepDecay { get; init; } = 0.95;

    /// <summary>Floor of the step length.</summary>
    public double MinimumStepLength { get; init; } = 0.1;

    /// <summary>Most iterations K after the initial evaluation.</summary>
    public int MaxIterations { get; init; } = 50;

    /// <summary>Stop when the global best has not improved for this many iterations.</summary>
    public int Patience { get; init; } = 10;

    /// <summary>When a particle's personal best has not improved for this many iterations, it restarts there with zero velocity; null: never.</summary>
    public int? RestartPatience { get; init; }

    /// <summary>Seed of the random factors, crossovers and initial velocities.</summary>
    public ulong Seed { get; init; }

    /// <summary>Throws on settings Model Swarms cannot run with.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxIterations, nameof(MaxIterations));
        ArgumentOutOfRangeException.ThrowIfLessThan(Patience, 1, nameof(Patience));
        if (SwarmSize is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(SwarmSize), "The swarm needs at least one particle.");
        }
        if (!(StepDecay > 0 && StepDecay <= 1) || !(StepLength > 0) || MinimumStepLength < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(StepDecay), "Step length and decay must be positive, and the decay at most 1.");
        }
        if (RestartPatience is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(RestartPatience), "Restart patience must be at least 1.");
        }
    }
}
