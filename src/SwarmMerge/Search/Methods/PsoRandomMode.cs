namespace SwarmMerge.Search.Methods;

/// <summary>How PSO draws r₁ and r₂, which the paper leaves open.</summary>
public enum PsoRandomMode
{
    /// <summary>One r₁ and one r₂ per particle, step and coefficient group (the default): particles stay affine combinations of the initial particles, searched as coefficients.</summary>
    Scalar,

    /// <summary>
    /// One r₁ and one r₂ per particle, step and coefficient (standard PSO's r per dimension), over the coefficients of
    /// every member but the base, whose coefficient stays 1 minus the others': that is PSO over the task-vector
    /// weights λ of θ = θ₀ + Σ λⱼτⱼ, where each weight moves on its own. Particles stay affine combinations.
    /// </summary>
    Coefficient,

    /// <summary>One r₁ and one r₂ per parameter: particles are full weight vectors (small models only; see <see cref="PsoSettings.ElementwiseMemoryLimitBytes"/>).</summary>
    Elementwise,
}
