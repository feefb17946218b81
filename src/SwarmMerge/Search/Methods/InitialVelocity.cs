namespace SwarmMerge.Search.Methods;

/// <summary>The particles' velocities before the first step, which the paper leaves open.</summary>
public enum InitialVelocity
{
    /// <summary>Zero (the default).</summary>
    Zero,

    /// <summary>Toward another particle chosen at random: v = x_q − x_p (as Model Swarms starts); keeps particles affine.</summary>
    TowardRandomParticle,
}
