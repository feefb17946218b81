namespace SwarmMerge.Evaluation;

/// <summary>
/// The metrics, as GLUE and evaluation harnesses compute them (scikit-learn / SciPy definitions), each
/// returned ×100. Where those libraries return NaN or warn (a correlation with a constant series, an F1
/// with no positive predictions or references), the score is 0: no evidence of skill.
/// </summary>
public static class Metrics
{
    /// <summary>Computes <paramref name="metric"/> over label predictions.</summary>
    /// <param name="metric">A label metric (not Pearson or Spearman).</param>
    /// <param name="predictions">Predicted labels, one per example.</param>
    /// <param name="references">Reference labels, same length.</param>
    /// <param name="positiveLabel">The positive label of <see cref="Metric.F1"/>.</param>
    public static double Score(Metric metric, IReadOnlyList<string> predictions, IReadOnlyList<string> references, string positiveLabel = "1")
    {
        CheckLengths(predictions.Count, references.Count);
        return metric switch
        {
            Metric.Accuracy or Metric.ExactMatch => Accuracy(predictions, references),
            Metric.F1 => F1(predictions, references, positiveLabel),
            Metric.MacroF1 => MacroF1(predictions, references),
            Metric.Matthews => Matthews(predictions, references),
            _ => throw new ArgumentException($"{MetricNames.Name(metric)} is computed over numbers, not labels.", nameof(metric)),
        };
    }

    /// <summary>Computes a correlation metric over numeric predictions.</summary>
    public static double Score(Metric metric, IReadOnlyList<double> predictions, IReadOnlyList<double> references)
    {
        CheckLengths(predictions.Count, references.Count);
        return metric switch
        {
            Metric.Pearson => 100 * Pearson(predictions, references),
            Metric.Spearman => 100 * Pearson(Ranks(predictions), Ranks(references)),
            _ => throw new ArgumentException($"{MetricNames.Name(metric)} is computed over labels, not numbers.", nameof(metric)),
        };
    }

    private static void CheckLengths(int predictions, int references)
    {
        if (predictions != references)
        {
            throw new ArgumentException($"{predictions} predictions for {references} references.");
        }
        if (predictions == 0)
        {
            throw new ArgumentException("No examples to score.");
        }
    }

    private static double Accuracy(IReadOnlyList<string> predictions, IReadOnlyList<string> references)
    {
        int right = 0;
        for (int i = 0; i < predictions.Count; i++)
        {
            right += predictions[i] == references[i] ? 1 : 0;
        }
        return 100.0 * right / predictions.Count;
    }

    private static double F1(IReadOnlyList<string> predictions, IReadOnlyList<string> references, string positive)
    {
        int truePositive = 0, falsePositive = 0, falseNegative = 0;
        for (int i = 0; i < predictions.Count; i++)
        {
            bool predicted = predictions[i] == positive, actual = references[i] == positive;
            truePositive += predicted && actual ? 1 : 0;
            falsePositive += predicted && !actual ? 1 : 0;
            falseNegative += !predicted && actual ? 1 : 0;
        }
        int denominator = 2 * truePositive + falsePositive + falseNegative;
        return denominator == 0 ? 0 : 100.0 * 2 * truePositive / denominator;
    }

    private static double MacroF1(IReadOnlyList<string> predictions, IReadOnlyList<string> references)
    {
        var labels = predictions.Concat(references).Distinct(StringComparer.Ordinal).ToList();
        return labels.Average(label => F1(predictions, references, label));
    }

    /// <summary>Multiclass Matthews correlation (Gorodkin 2004), as scikit-learn computes it from the confusion matrix.</summary>
    private static double Matthews(IReadOnlyList<string> predictions, IReadOnlyList<string> references)
    {
        var labels = predictions.Concat(references).Distinct(StringComparer.Ordinal).ToList();
        var index = labels.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i, StringComparer.Ordinal);
        var predictedCount = new double[labels.Count];
        var trueCount = new double[labels.Count];
        double correct = 0, samples = predictions.Count;
        for (int i = 0; i < predictions.Count; i++)
        {
            predictedCount[index[predictions[i]]]++;
            trueCount[index[references[i]]]++;
            correct += predictions[i] == references[i] ? 1 : 0;
        }
        double dot = 0, predictedSquares = 0, trueSquares = 0;
        for (int k = 0; k < labels.Count; k++)
        {
            dot += predictedCount[k] * trueCount[k];
            predictedSquares += predictedCount[k] * predictedCount[k];
            trueSquares += trueCount[k] * trueCount[k];
        }
        double covariance = correct * samples - dot;
        double denominator = Math.Sqrt((samples * samples - predictedSquares) * (samples * samples - trueSquares));
        return denominator == 0 ? 0 : 100 * covariance / denominator;
    }

    private static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double meanX = x.Average(), meanY = y.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            double dx = x[i] - meanX, dy = y[i] - meanY;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxx == 0 || syy == 0 ? 0 : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>1-based ranks; equal values share the mean of the ranks they span.</summary>
    private static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]])
            {
                end++;
            }
            double mean = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++)
            {
                ranks[order[k]] = mean;
            }
            start = end + 1;
        }
        return ranks;
    }
}
