using SwarmMerge.Evaluation;

namespace SwarmMerge.Search;

/// <summary>A candidate and what it scored, as a search sees it.</summary>
/// <param name="Candidate">The candidate.</param>
/// <param name="Outcome">Per-task scores, or the error.</param>
/// <param name="Fitness">The fitness; −∞ when the evaluation failed, so a failed candidate is never a best.</param>
/// <param name="Record">The log record.</param>
public sealed record ScoredCandidate(Candidate Candidate, EvaluationOutcome Outcome, double Fitness, EvaluationRecord Record);
