using System.Globalization;
using System.Text.RegularExpressions;
using SwarmMerge.Inference;

namespace SwarmMerge.Evaluation;

/// <summary>Scores the tasks of one split with a candidate model, task kind by task kind.</summary>
public static partial class TaskEvaluator
{
    /// <summary>Scores every task of <paramref name="tasks"/>.</summary>
    /// <param name="tasks">The tasks and rows of one split.</param>
    /// <param name="text">The candidate as a language model (for prompt-scored tasks).</param>
    /// <param name="head">The candidate's body with the head of a task's <see cref="TaskSpec.HeadFrom"/> (for head-scored tasks).</param>
    /// <returns>Each task's score (×100), by task name.</returns>
    public static Dictionary<string, double> Evaluate(TaskSet tasks, ITextScorer? text, Func<TaskSpec, IHeadScorer>? head)
    {
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var task in tasks.Tasks)
        {
            try
            {
                scores[task.Spec.Name] = task.Spec.UsesHead
                    ? ScoreWithHead(task, (head ?? throw new InvalidOperationException($"Task '{task.Spec.Name}' needs a classification head, but the model has none."))(task.Spec))
                    : ScoreWithText(task, text ?? throw new InvalidOperationException($"Task '{task.Spec.Name}' is scored by a language model, but the model is an encoder."));
            }
            catch (ArgumentException e)
            {
                // The engine refuses inputs it cannot take (a prompt longer than the model's positions, a choice that
                // encodes to no tokens, token ids beyond the vocabulary): the task's data does not fit this model.
                throw new TaskDataException($"task '{task.Spec.Name}' ({tasks.SplitName} split) cannot be scored by this model: {e.Message}");
            }
        }
        return scores;
    }

    /// <summary>Scores one task with a language model.</summary>
    public static double ScoreWithText(LoadedTask task, ITextScorer model)
    {
        var spec = task.Spec;
        var rows = task.Rows;
        switch (spec.Kind)
        {
            case TaskKind.Classification:
            {
                var prompts = rows.Select(spec.Prompt!.Render).ToList();
                var best = BestOf(model, prompts, _ => spec.LabelWords.Select(w => w.Word).ToList(), lengthNormalized: false);
                var predicted = best.Select(i => spec.LabelWords[i].Label).ToList();
                return Metrics.Score(spec.Metric, predicted, References(task), spec.PositiveLabel);
            }
            case TaskKind.MultipleChoice:
            {
                var prompts = rows.Select(spec.Prompt!.Render).ToList();
                var best = BestOf(model, prompts, r => spec.Choices.Select(c => c.Render(rows[r])).ToList(), spec.LengthNormalized);
                return Metrics.Score(spec.Metric, best.Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList(), References(task));
            }
            case TaskKind.Generation:
            {
                var answers = new AnswerNormalizer(spec.Extract, spec.Normalize);
                var outputs = model.Generate(rows.Select(spec.Prompt!.Render).ToList(), spec.MaxNewTokens, spec.Stop);
                return Metrics.Score(spec.Metric, outputs.Select(answers.Answer).ToList(), TargetTexts(task).Select(answers.Answer).ToList());
            }
            case TaskKind.Regression:
            {
                var outputs = model.Generate(rows.Select(spec.Prompt!.Render).ToList(), spec.MaxNewTokens, spec.Stop);
                var references = TargetTexts(task).Select(ParseNumber).ToList();
                // An output with no number predicts the reference mean: it adds no correlation either way.
                double fallback = references.Where(double.IsFinite).DefaultIfEmpty(0).Average();
                var predicted = outputs.Select(o => ParseNumber(spec.Extract?.Match(o) is { Success: true } m ? m.Groups[^1].Value : o))
                    .Select(x => double.IsFinite(x) ? x : fallback).ToList();
                return Metrics.Score(spec.Metric, predicted, references);
            }
            default:
                throw new InvalidOperationException($"Unknown task kind {spec.Kind}.");
        }
    }

    /// <summary>Scores one task with a classification or regression head.</summary>
    public static double ScoreWithHead(LoadedTask task, IHeadScorer model)
    {
        var spec = task.Spec;
        var inputs = task.Rows.Select(r => (r[spec.Inputs[0]], spec.Inputs.Count > 1 ? r[spec.Inputs[1]] : null)).ToList();
        var outputs = model.Outputs(inputs);
        if (spec.Kind == TaskKind.Regression)
        {
            return Metrics.Score(spec.Metric, outputs.Select(o => (double)o[0]).ToList(), References(task).Select(ParseNumber).ToList());
        }
        var predicted = outputs.Select(o =>
        {
            int index = Tensors.ArgMax<float>(o);
            return spec.HeadLabels.Count > 0
                ? (index < spec.HeadLabels.Count ? spec.HeadLabels[index] : throw new InvalidOperationException($"Task '{spec.Name}': the head has {o.Length} outputs but 'head_labels' names {spec.HeadLabels.Count}."))
                : index.ToString(CultureInfo.InvariantCulture);
        }).ToList();
        return Metrics.Score(spec.Metric, predicted, References(task), spec.PositiveLabel);
    }

    /// <summary>For each prompt, the index of the option whose continuation is most likely.</summary>
    private static List<int> BestOf(ITextScorer model, IReadOnlyList<string> prompts, Func<int, IReadOnlyList<string>> options, bool lengthNormalized)
    {
        var requests = new List<(string, string)>();
        var counts = new List<int>();
        for (int r = 0; r < prompts.Count; r++)
        {
            var choices = options(r);
            counts.Add(choices.Count);
            requests.AddRange(choices.Select(c => (prompts[r], c)));
        }
        var logLikelihoods = model.LogLikelihoods(requests);
        var best = new List<int>(prompts.Count);
        int offset = 0;
        foreach (int count in counts)
        {
            // Length normalization as evaluation harnesses do it (acc_norm): per character of the choice.
            best.Add(Tensors.ArgMax<double>(Enumerable.Range(offset, count)
                .Select(i => lengthNormalized ? logLikelihoods[i] / Math.Max(1, requests[i].Item2.Length) : logLikelihoods[i]).ToArray()));
            offset += count;
        }
        return best;
    }

    private static List<string> References(LoadedTask task) => task.Rows.Select(r => r[task.Spec.LabelColumn!].Trim()).ToList();

    // Generated answers are compared with the reference text as written: trimming is part of `normalize`, on both sides.
    private static List<string> TargetTexts(LoadedTask task) =>
        task.Rows.Select(row => task.Spec.Target is { } target ? target.Render(row) : row[task.Spec.LabelColumn!]).ToList();

    private static double ParseNumber(string text)
    {
        var match = NumberPattern().Match(text.Replace(",", "", StringComparison.Ordinal));
        return match.Success && double.TryParse(match.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) ? x : double.NaN;
    }

    [GeneratedRegex(@"-?\d+(\.\d+)?([eE][-+]?\d+)?")]
    private static partial Regex NumberPattern();
}
