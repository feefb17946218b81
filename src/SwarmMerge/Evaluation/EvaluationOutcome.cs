namespace SwarmMerge.Evaluation;

/// <summary>The result of evaluating one candidate: per-task scores (×100), or why it failed.</summary>
public sealed record EvaluationOutcome
{
    private EvaluationOutcome(IReadOnlyDictionary<string, double>? scores, string? error, bool bounded)
    {
        Scores = scores ?? new Dictionary<string, double>();
        Error = error;
        Bounded = bounded;
    }

    /// <summary>Score of each task by name (empty when failed); each task's upper bound when <see cref="Bounded"/>.</summary>
    public IReadOnlyDictionary<string, double> Scores { get; }

    /// <summary>Why the evaluation failed, or null.</summary>
    public string? Error { get; }

    /// <summary>True when scoring stopped early (see <see cref="ScoringGoal"/>): <see cref="Scores"/> are the best each task could still have reached.</summary>
    public bool Bounded { get; }

    /// <summary>True when scores are available.</summary>
    public bool Success => Error is null;

    /// <summary>A successful outcome.</summary>
    public static EvaluationOutcome Succeeded(IReadOnlyDictionary<string, double> scores) => new(scores, null, false);

    /// <summary>An outcome whose scoring stopped early, with each task's upper bound.</summary>
    public static EvaluationOutcome StoppedEarly(IReadOnlyDictionary<string, double> upperBounds) => new(upperBounds, null, true);

    /// <summary>The outcome of scoring a split: exact scores, or upper bounds when it stopped early.</summary>
    public static EvaluationOutcome Of(TaskSetScores scores) => new(scores.Scores, null, scores.Bounded);

    /// <summary>A failed outcome.</summary>
    public static EvaluationOutcome Failed(string error) => new(null, error, false);
}
