using SwarmMerge.Evaluation;

namespace SwarmMerge.Tests.Evaluation;

/// <summary>Every expected value below is worked out by hand in the comment beside it.</summary>
public sealed class MetricsTests
{
    private static readonly string[] Predicted = ["1", "0", "1", "1"];
    private static readonly string[] Reference = ["1", "1", "1", "0"];

    [Fact]
    public void Accuracy_counts_exact_label_matches() =>
        Assert.Equal(50.0, Metrics.Score(Metric.Accuracy, Predicted, Reference), 12); // items 0 and 2 of 4

    [Fact]
    public void Binary_F1_of_the_positive_label() =>
        // TP = 2 (items 0, 2), FP = 1 (item 3), FN = 1 (item 1): 2·2 / (2·2 + 1 + 1) = 2/3
        Assert.Equal(200.0 / 3, Metrics.Score(Metric.F1, Predicted, Reference), 12);

    [Fact]
    public void F1_of_another_positive_label() =>
        // label "0": TP = 0, FP = 1, FN = 1 → 0
        Assert.Equal(0.0, Metrics.Score(Metric.F1, Predicted, Reference, positiveLabel: "0"), 12);

    [Fact]
    public void Macro_F1_averages_every_label() =>
        Assert.Equal((200.0 / 3 + 0) / 2, Metrics.Score(Metric.MacroF1, Predicted, Reference), 12);

    [Fact]
    public void F1_without_any_positive_is_zero() =>
        Assert.Equal(0.0, Metrics.Score(Metric.F1, ["0", "0"], ["0", "0"]), 12);

    [Fact]
    public void Binary_Matthews_correlation() =>
        // TP = 2, TN = 0, FP = 1, FN = 1: (2·0 − 1·1) / √(3·3·1·1) = −1/3
        Assert.Equal(-100.0 / 3, Metrics.Score(Metric.Matthews, Predicted, Reference), 10);

    [Fact]
    public void A_constant_predictor_has_Matthews_correlation_zero() =>
        Assert.Equal(0.0, Metrics.Score(Metric.Matthews, ["1", "1", "1", "1"], Reference), 12);

    [Fact]
    public void Perfect_predictions_have_Matthews_correlation_100() =>
        Assert.Equal(100.0, Metrics.Score(Metric.Matthews, Reference, Reference), 10);

    [Fact]
    public void Multiclass_Matthews_correlation()
    {
        // 6 samples, 5 right; predicted counts (2, 3, 1), true counts (2, 2, 2):
        // cov = 5·6 − (2·2 + 3·2 + 1·2) = 18; √((36 − 14)(36 − 12)) = √528
        string[] predicted = ["0", "1", "1", "0", "1", "2"];
        string[] reference = ["0", "1", "2", "0", "1", "2"];
        Assert.Equal(100 * 18 / Math.Sqrt(528), Metrics.Score(Metric.Matthews, predicted, reference), 10);
    }

    [Fact]
    public void Pearson_correlation()
    {
        // x = (1, 2, 3), y = (2, 4, 7): Sxy = 5, Sxx = 2, Syy = 114/9
        Assert.Equal(100 * 5 / Math.Sqrt(2 * 114.0 / 9), Metrics.Score(Metric.Pearson, [1.0, 2, 3], [2.0, 4, 7]), 10);
    }

    [Fact]
    public void Spearman_gives_ties_their_average_rank()
    {
        // ranks x = (1, 2.5, 2.5, 4), y = (1, 3, 2, 4): Sxy = 4.5, Sxx = 4.5, Syy = 5
        Assert.Equal(100 * 4.5 / Math.Sqrt(4.5 * 5), Metrics.Score(Metric.Spearman, [1.0, 2, 2, 3], [1.0, 3, 2, 4]), 10);
    }

    [Fact]
    public void Spearman_is_invariant_to_monotone_transforms() =>
        Assert.Equal(100.0, Metrics.Score(Metric.Spearman, [1.0, 10, 100, 1000], [0.1, 0.2, 0.3, 0.4]), 10);

    [Fact]
    public void A_constant_series_has_correlation_zero()
    {
        Assert.Equal(0.0, Metrics.Score(Metric.Pearson, [2.0, 2, 2], [1.0, 2, 3]));
        Assert.Equal(0.0, Metrics.Score(Metric.Spearman, [2.0, 2, 2], [1.0, 2, 3]));
    }

    [Fact]
    public void Mismatched_or_empty_inputs_are_errors()
    {
        Assert.Throws<ArgumentException>(() => Metrics.Score(Metric.Accuracy, ["1"], ["1", "0"]));
        Assert.Throws<ArgumentException>(() => Metrics.Score(Metric.Accuracy, [], []));
        Assert.Throws<ArgumentException>(() => Metrics.Score(Metric.Pearson, ["1"], ["1"]));
    }
}
