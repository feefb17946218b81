using System.Text.Json.Serialization;
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

    /// <summary>
    /// The fitness this candidate must exceed to matter to its search (a PSO particle's personal best), or null when
    /// its exact fitness matters. Scoring may then stop as soon as the candidate cannot exceed it
    /// (<see cref="Evaluation.ScoringGoal"/>); the session lowers it to the best fitness so far, so a candidate that
    /// could become the best is always scored in full. It does not define the candidate: two candidates with the same
    /// point are the same model.
    /// </summary>
    public double? Threshold { get; init; }

    /// <summary>Which rows of the optimization split score it: the search's (the default), or the rows held back to select the result.</summary>
    public ScoringRows Rows { get; init; }
}

/// <summary>The two parts of the optimization split when rows are held back for selecting a search's result.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ScoringRows>))]
public enum ScoringRows
{
    /// <summary>The rows a search scores its candidates on (all of them when none are held back).</summary>
    [JsonStringEnumMemberName("search")]
    Search,

    /// <summary>The rows held back, on which the result is selected among a few candidates.</summary>
    [JsonStringEnumMemberName("selection")]
    Selection,
}
