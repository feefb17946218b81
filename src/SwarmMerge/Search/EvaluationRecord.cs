using System.Text.Json.Serialization;
using SwarmMerge.Evaluation;

namespace SwarmMerge.Search;

/// <summary>One line of <c>evaluations.jsonl</c>: a candidate a search evaluated, and what it scored.</summary>
/// <param name="Sequence">0-based position in the run's sequence of evaluations.</param>
/// <param name="Method">The search's name.</param>
/// <param name="Step">Step, iteration or generation (0 = initial population).</param>
/// <param name="Member">Particle or individual within the step.</param>
/// <param name="Values">The candidate's point (coefficients, or merge parameters); empty for elementwise PSO.</param>
/// <param name="VectorSha256">Elementwise PSO: SHA-256 of the candidate's fp32 weights; otherwise null.</param>
/// <param name="Scores">Per-task scores (×100); empty when the evaluation failed.</param>
/// <param name="Fitness">The combined fitness, or null when the evaluation failed.</param>
/// <param name="Error">Why the evaluation failed, or null.</param>
/// <param name="Cached">True when an identical earlier candidate's outcome was reused (no new scoring).</param>
/// <param name="Seconds">Time spent scoring (0 when cached).</param>
/// <param name="FitnessBound">Set instead of <paramref name="Fitness"/> when scoring stopped early: the fitness could not exceed it (nor the threshold); <paramref name="Scores"/> are then each task's upper bound.</param>
/// <param name="Threshold">When scoring stopped early: the fitness the candidate had to exceed to matter (see <see cref="Candidate.Threshold"/>); otherwise null.</param>
/// <param name="Rows">Which rows scored it: <c>search</c> (also when no rows are held back) or <c>selection</c>.</param>
public sealed record EvaluationRecord(
    [property: JsonPropertyName("seq")] int Sequence,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("member")] int Member,
    [property: JsonPropertyName("coefficients")] double[] Values,
    [property: JsonPropertyName("vector_sha256"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? VectorSha256,
    [property: JsonPropertyName("scores")] IReadOnlyDictionary<string, double> Scores,
    [property: JsonPropertyName("fitness")] double? Fitness,
    [property: JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error,
    [property: JsonPropertyName("cached")] bool Cached,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("fitness_bound"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? FitnessBound = null,
    [property: JsonPropertyName("threshold"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Threshold = null,
    [property: JsonPropertyName("rows"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] ScoringRows Rows = ScoringRows.Search)
{
    /// <summary>The outcome as the session and the cache hold it: scores, upper bounds, or the error.</summary>
    public EvaluationOutcome Outcome => Error is not null ? EvaluationOutcome.Failed(Error)
        : FitnessBound is not null ? EvaluationOutcome.StoppedEarly(Scores)
        : EvaluationOutcome.Succeeded(Scores);

    /// <summary>What a search compares: the fitness, the bound when scoring stopped early, or −∞ when it failed.</summary>
    public double Comparable => Fitness ?? FitnessBound ?? double.NegativeInfinity;
}
