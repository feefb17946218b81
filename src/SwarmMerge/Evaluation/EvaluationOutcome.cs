namespace SwarmMerge.Evaluation;

/// <summary>The result of evaluating one candidate: per-task scores (×100), or why it failed.</summary>
public sealed record EvaluationOutcome
{
    private EvaluationOutcome(IReadOnlyDictionary<string, double>? scores, string? error)
    {
        Scores = scores ?? new Dictionary<string, double>();
        Error = error;
    }

    /// <summary>Score of each task by name (empty when failed).</summary>
    public IReadOnlyDictionary<string, double> Scores { get; }

    /// <summary>Why the evaluation failed, or null.</summary>
    public string? Error { get; }

    /// <summary>True when scores are available.</summary>
    public bool Success => Error is null;

    /// <summary>A successful outcome.</summary>
    public static EvaluationOutcome Succeeded(IReadOnlyDictionary<string, double> scores) => new(scores, null);

    /// <summary>A failed outcome.</summary>
    public static EvaluationOutcome Failed(string error) => new(null, error);
}
