namespace SwarmMerge.Search.Methods;

/// <summary>
/// Settings of Model Swarms (Feng et al. 2025), defaulting to the official implementation's
/// (github.com/BunsenFeng/model_swarm, <c>search.py</c>): inertia 0.4, cognitive 0.3, social 0.3, repel 0.3,
/// step length 1 decaying by 0.95 per iteration to at least 0.1, patience 10, at most 200 iterations, random
/// weights, starting velocity toward a random other particle, stray particles restarted.
/// </summary>
public sealed record ModelSwarmsSettings
{
    /// <summary>Swarm size N; null for the number of members. Particles beyond the members start as crossovers
    /// w·x_a + (1 − w)·x_b of two different particles already in the swarm, w = 2·U(0, 1) (half interpolation, half extrapolation).</summary>
    public int? SwarmSize { get; init; }

    /// <summary>Inertia φ_v (<c>--inertia</c>).</summary>
    public double Inertia { get; init; } = 0.4;

    /// <summary>Cognitive coefficient φ_p, toward the personal best (<c>--cognitive_coeff</c>).</summary>
    public double Cognitive { get; init; } = 0.3;

    /// <summary>Social coefficient φ_g, toward the global best (<c>--social_coeff</c>).</summary>
    public double Social { get; init; } = 0.3;

    /// <summary>Repulsion coefficient φ_w, away from the global worst (<c>--repel_coeff</c>; 0 is <c>--repel_term 0</c>).</summary>
    public double Repel { get; init; } = 0.3;

    /// <summary>Whether each weight is multiplied by its own U(0, 1) draw before the four are normalized (<c>--weight_randomess</c>).</summary>
    public bool RandomWeights { get; init; } = true;

    /// <summary>Initial step length λ (<c>--step_length</c>).</summary>
    public double StepLength { get; init; } = 1;

    /// <summary>Step length decay φ_λ: after every iteration λ ← max(λ·φ_λ, <see cref="MinimumStepLength"/>) (<c>--step_length_factor</c>).</summary>
    public double StepDecay { get; init; } = 0.95;

    /// <summary>Floor of the step length (<c>--minimum_step_length</c>).</summary>
    public double MinimumStepLength { get; init; } = 0.1;

    /// <summary>Most iterations after the initial evaluation (<c>--max_iteration</c>).</summary>
    public int MaxIterations { get; init; } = 200;

    /// <summary>
    /// Patience (<c>--patience</c>), counted as the official code does: before an iteration, the search stops when the
    /// last <c>patience</c> entries of the global best's history (one entry for the initial swarm, then one per
    /// iteration) are all equal, i.e. after patience − 1 iterations without improvement, and never before
    /// <c>patience</c> iterations have run.
    /// </summary>
    public int Patience { get; init; } = 10;

    /// <summary>Whether stray particles restart at their personal best with zero velocity (<c>--restart_stray_particles</c>).</summary>
    public bool RestartStrayParticles { get; init; } = true;

    /// <summary>A particle is stray when its personal best is at least <c>RestartPatience × Patience</c> evaluations old,
    /// counting the one that set it (<c>--restart_patience</c>).</summary>
    public double RestartPatience { get; init; } = 0.5;

    /// <summary>Velocities before the first iteration (<c>--starting_velocity_mode</c>).</summary>
    public ModelSwarmsStartingVelocity StartingVelocity { get; init; } = ModelSwarmsStartingVelocity.Random;

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
        foreach (var (name, value) in new[] { (nameof(Inertia), Inertia), (nameof(Cognitive), Cognitive), (nameof(Social), Social), (nameof(Repel), Repel) })
        {
            if (!(value >= 0 && double.IsFinite(value)))
            {
                throw new ArgumentOutOfRangeException(name, $"{name} must be a finite number ≥ 0; it is {value}.");
            }
        }
        if (!(Inertia + Cognitive + Social + Repel > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(Inertia), "Inertia, cognitive, social and repel weights are normalized by their sum: at least one must be positive.");
        }
        if (!(StepDecay > 0 && StepDecay <= 1) || !(StepLength > 0 && double.IsFinite(StepLength)) || !(MinimumStepLength >= 0 && double.IsFinite(MinimumStepLength)))
        {
            throw new ArgumentOutOfRangeException(nameof(StepDecay), "Step length must be positive, its floor ≥ 0, and the decay in (0, 1].");
        }
        if (!(RestartPatience > 0 && double.IsFinite(RestartPatience)))
        {
            throw new ArgumentOutOfRangeException(nameof(RestartPatience), $"Restart patience must be a positive number; it is {RestartPatience}.");
        }
    }
}

/// <summary>Model Swarms' starting velocities (the official <c>--starting_velocity_mode</c>).</summary>
public enum ModelSwarmsStartingVelocity
{
    /// <summary>Toward another particle chosen at random: v = x_q − x_p (the official default).</summary>
    Random,

    /// <summary>Zero.</summary>
    Zero,

    /// <summary>Toward the best initial particle: v = g − x, set after the initial evaluation.</summary>
    Best,
}
