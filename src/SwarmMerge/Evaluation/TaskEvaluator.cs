using System.Globalization;
using System.Text.RegularExpressions;
using SwarmMerge.Inference;

namespace SwarmMerge.Evaluation;

/// <summary>
/// Scores the tasks of one split with a candidate model, task kind by task kind. Rows are scored
/// <see cref="RowsPerRound"/> at a time, in rounds over the tasks (always, so that stopping early and scoring to the
/// end see the same batches); each task's metric is computed over all its rows at the end.
/// </summary>
public static partial class TaskEvaluator
{
    /// <summary>Rows of one task scored at a time: the engine's default batch.</summary>
    public const int RowsPerRound = 8;

    /// <summary>Scores every task of <paramref name="tasks"/>.</summary>
    /// <param name="tasks">The tasks and rows of one split.</param>
    /// <param name="text">The candidate as a language model (for prompt-scored tasks).</param>
    /// <param name="head">The candidate's body with the head of a task's <see cref="TaskSpec.HeadFrom"/> (for head-scored tasks).</param>
    /// <returns>Each task's score (×100), by task name.</returns>
    public static Dictionary<string, double> Evaluate(TaskSet tasks, ITextScorer? text, Func<TaskSpec, IHeadScorer>? head) =>
        new(Evaluate(tasks, text, head, goal: null).Scores, StringComparer.Ordinal);

    /// <summary>Scores the tasks of <paramref name="tasks"/>, stopping early when <paramref name="goal"/> allows.</summary>
    /// <param name="tasks">The tasks and rows of one split.</param>
    /// <param name="text">The candidate as a language model (for prompt-scored tasks).</param>
    /// <param name="head">The candidate's body with the head of a task's <see cref="TaskSpec.HeadFrom"/> (for head-scored tasks).</param>
    /// <param name="goal">The fitness the candidate must exceed, or null to score every row.</param>
    public static TaskSetScores Evaluate(TaskSet tasks, ITextScorer? text, Func<TaskSpec, IHeadScorer>? head, ScoringGoal? goal)
    {
        var runs = tasks.Tasks.Select(task => Start(task, text, head)).ToList();
        bool bounded = false;
        while (!bounded && runs.Any(r => !r.Done))
        {
            foreach (var run in runs.Where(r => !r.Done))
            {
                InTask(run, tasks.SplitName, () => run.Next(RowsPerRound));
                if (goal is not null && runs.Any(r => !r.Done) && goal.Fitness.Of(UpperBounds(runs)) <= goal.Threshold)
                {
                    bounded = true;
                    break;
                }
            }
        }
        var scores = bounded ? UpperBounds(runs) : runs.ToDictionary(r => r.Task.Spec.Name, r => InTask(r, tasks.SplitName, r.Score), StringComparer.Ordinal);
        var correct = runs.Where(r => r.Correct is not null).ToDictionary(r => r.Task.Spec.Name, r => r.Correct!, StringComparer.Ordinal);
        return new TaskSetScores(scores, bounded, runs.Sum(r => r.Scored), runs.Sum(r => r.Task.Rows.Count), correct);
    }

    private static void InTask(TaskRun run, string split, Action step) => InTask(run, split, () =>
    {
        step();
        return 0.0;
    });

    private static double InTask(TaskRun run, string split, Func<double> step)
    {
        try
        {
            return step();
        }
        catch (ArgumentException e)
        {
            // The engine refuses inputs it cannot take (a prompt longer than the model's positions, a choice that
            // encodes to no tokens, token ids beyond the vocabulary): the task's data does not fit this model.
            throw new TaskDataException($"task '{run.Task.Spec.Name}' ({split} split) cannot be scored by this model: {e.Message}");
        }
    }

    private static Dictionary<string, double> UpperBounds(List<TaskRun> runs) => runs.ToDictionary(r => r.Task.Spec.Name, r => r.UpperBound, StringComparer.Ordinal);

    private static TaskRun Start(LoadedTask task, ITextScorer? text, Func<TaskSpec, IHeadScorer>? head)
    {
        if (task.Spec.UsesHead)
        {
            return WithHead(task, (head ?? throw new InvalidOperationException($"Task '{task.Spec.Name}' needs a classification head, but the model has none."))(task.Spec));
        }
        return WithText(task, text ?? throw new InvalidOperationException($"Task '{task.Spec.Name}' is scored by a language model, but the model is an encoder."));
    }

    /// <summary>A task scored with a language model.</summary>
    private static TaskRun WithText(LoadedTask task, ITextScorer model)
    {
        var spec = task.Spec;
        var rows = task.Rows;
        List<string> Prompts(int start, int count) => rows.Skip(start).Take(count).Select(spec.Prompt!.Render).ToList();
        switch (spec.Kind)
        {
            case TaskKind.Classification:
                return new LabelTaskRun(task, References(task), (start, count) =>
                    BestOf(model, Prompts(start, count), _ => spec.LabelWords.Select(w => w.Word).ToList(), lengthNormalized: false)
                        .Select(i => spec.LabelWords[i].Label).ToList());
            case TaskKind.MultipleChoice:
                return new LabelTaskRun(task, References(task), (start, count) =>
                    BestOf(model, Prompts(start, count), r => spec.Choices.Select(c => c.Render(rows[start + r])).ToList(), spec.LengthNormalized)
                        .Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList());
            case TaskKind.Generation:
            {
                var answers = new AnswerNormalizer(spec.Extract, spec.Normalize);
                return new LabelTaskRun(task, TargetTexts(task).Select(answers.Answer).ToList(), (start, count) =>
                    model.Generate(Prompts(start, count), spec.MaxNewTokens, spec.Stop).Select(answers.Answer).ToList());
            }
            case TaskKind.Regression:
            {
                var references = TargetTexts(task).Select(ParseNumber).ToList();
                // An output with no number predicts the reference mean: it adds no correlation either way.
                double fallback = references.Where(double.IsFinite).DefaultIfEmpty(0).Average();
                return new NumberTaskRun(task, references, (start, count) =>
                    model.Generate(Prompts(start, count), spec.MaxNewTokens, spec.Stop)
                        .Select(o => ParseNumber(spec.Extract?.Match(o) is { Success: true } m ? m.Groups[^1].Value : o))
                        .Select(x => double.IsFinite(x) ? x : fallback).ToList());
            }
            default:
                throw new InvalidOperationException($"Unknown task kind {spec.Kind}.");
        }
    }

    /// <summary>A task scored with a classification or regression head.</summary>
    private static TaskRun WithHead(LoadedTask task, IHeadScorer model)
    {
        var spec = task.Spec;
        List<float[]> Outputs(int start, int count) =>
            model.Outputs(task.Rows.Skip(start).Take(count).Select(r => (r[spec.Inputs[0]], spec.Inputs.Count > 1 ? r[spec.Inputs[1]] : null)).ToList()).ToList();
        if (spec.Kind == TaskKind.Regression)
        {
            return new NumberTaskRun(task, References(task).Select(ParseNumber).ToList(), (start, count) => Outputs(start, count).Select(o => (double)o[0]).ToList());
        }
        return new LabelTaskRun(task, References(task), (start, count) => Outputs(start, count).Select(o =>
        {
            int index = Tensors.ArgMax<float>(o);
            return spec.HeadLabels.Count > 0
                ? (index < spec.HeadLabels.Count ? spec.HeadLabels[index] : throw new InvalidOperationException($"Task '{spec.Name}': the head has {o.Length} outputs but 'head_labels' names {spec.HeadLabels.Count}."))
                : index.ToString(CultureInfo.InvariantCulture);
        }).ToList());
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
