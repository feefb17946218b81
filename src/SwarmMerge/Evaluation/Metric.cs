namespace SwarmMerge.Evaluation;

/// <summary>A task metric. Every metric is reported ×100 (accuracy 0.873 is reported as 87.3).</summary>
public enum Metric
{
    /// <summary>Share of exactly right predicted labels.</summary>
    Accuracy,

    /// <summary>F1 of the positive label (binary tasks such as MRPC).</summary>
    F1,

    /// <summary>Mean of per-label F1 over every label seen in references or predictions.</summary>
    MacroF1,

    /// <summary>Matthews correlation coefficient, multiclass form (CoLA).</summary>
    Matthews,

    /// <summary>Pearson correlation of predicted and reference numbers (STS-B).</summary>
    Pearson,

    /// <summary>Spearman rank correlation, ties given their average rank (STS-B).</summary>
    Spearman,

    /// <summary>Share of predictions equal to the reference after normalization.</summary>
    ExactMatch,
}

/// <summary>Names of <see cref="Metric"/> values as written in task files.</summary>
public static class MetricNames
{
    private static readonly Dictionary<string, Metric> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["accuracy"] = Metric.Accuracy,
        ["f1"] = Metric.F1,
        ["macro_f1"] = Metric.MacroF1,
        ["matthews"] = Metric.Matthews,
        ["mcc"] = Metric.Matthews,
        ["pearson"] = Metric.Pearson,
        ["spearman"] = Metric.Spearman,
        ["exact_match"] = Metric.ExactMatch,
    };

    /// <summary>Every accepted name.</summary>
    public static IEnumerable<string> All => ByName.Keys;

    /// <summary>The metric called <paramref name="name"/>, or false.</summary>
    public static bool TryParse(string name, out Metric metric) => ByName.TryGetValue(name, out metric);

    /// <summary>The name a report uses for <paramref name="metric"/>.</summary>
    public static string Name(Metric metric) => metric switch
    {
        Metric.Accuracy => "accuracy",
        Metric.F1 => "f1",
        Metric.MacroF1 => "macro_f1",
        Metric.Matthews => "matthews",
        Metric.Pearson => "pearson",
        Metric.Spearman => "spearman",
        Metric.ExactMatch => "exact_match",
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };

    /// <summary>True for metrics over numbers (regression), false for metrics over labels or strings.</summary>
    public static bool IsNumeric(Metric metric) => metric is Metric.Pearson or Metric.Spearman;
}
