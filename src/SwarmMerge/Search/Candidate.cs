using SwarmMerge.Search.Space;

namespace SwarmMerge.Search;

/// <summary>
/// One model a search asks to be scored. <see cref="Values"/> is a point of the search's space: coefficients
/// of a <see cref="CoefficientSpace"/> (PSO, Model Swarms, random search, CMA-ES over coefficients), or merge
/// parameters of an <see cref="EvoSpace"/>. Elementwise PSO gives the weights themselves in <see cref="Vector"/>
/// and no values. <see cref="SwarmMaterializer.Materialize(Candidate, TensorDestination)"/> turns either into weights.
/// </summary>
/// <param name="Method">The search's name (<c>pso</c>, <c>model-swarms</c>, …).</param>
/// <param name="Step">Step, iteration or generation (0 = the initial population).</param>
/// <param name="Member">Particle or individual within the step.</param>
/// <param name="Values">The point in the search space.</param>
public sealed record Candidate(string Method, int Step, int Member, double[] Values)
{
    /// <summary>Elementwise PSO only: every merged parameter, tensors in <see cref="SwarmMaterializer.Tensors"/> order.</summary>
    public float[]? Vector { get; init; }
}
