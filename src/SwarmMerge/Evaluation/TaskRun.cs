namespace SwarmMerge.Evaluation;

/// <summary>
/// One task being scored a few rows at a time: predictions accumulate in row order, and the metric is computed
/// over all of them at the end, exactly as over one call for every row. For accuracy and exact match, whose score
/// is the share of right rows, it also knows the best score the task can still reach.
/// </summary>
internal abstract class TaskRun
{
    protected TaskRun(LoadedTask task) => Task = task;

    /// <summary>The task.</summary>
    public LoadedTask Task { get; }

    /// <summary>Rows predicted so far (the first ones, in row order).</summary>
    public int Scored { get; protected set; }

    /// <summary>True when every row is predicted.</summary>
    public bool Done => Scored == Task.Rows.Count;

    /// <summary>The highest score the task can still reach: every unscored row right, or 100 when the metric is not a share of right rows.</summary>
    public abstract double UpperBound { get; }

    /// <summary>Whether each scored row was right, or null when the metric is not a share of right rows.</summary>
    public abstract IReadOnlyList<bool>? Correct { get; }

    /// <summary>Predicts the next <paramref name="count"/> rows (fewer at the end).</summary>
    public void Next(int count)
    {
        count = Math.Min(count, Task.Rows.Count - Scored);
        Predict(Scored, count);
        Scored += count;
    }

    /// <summary>The task's score over every row.</summary>
    public abstract double Score();

    protected abstract void Predict(int start, int count);
}

/// <summary>A task whose predictions are labels, choice indices or answers, compared with references as strings.</summary>
internal sealed class LabelTaskRun : TaskRun
{
    private readonly IReadOnlyList<string> _references;
    private readonly Func<int, int, IReadOnlyList<string>> _predict;
    private readonly List<string> _predictions = [];
    private readonly List<bool>? _correct;

    /// <param name="task">The task.</param>
    /// <param name="references">Every row's reference, comparable with the predictions.</param>
    /// <param name="predict">Predictions of rows [start, start + count).</param>
    public LabelTaskRun(LoadedTask task, IReadOnlyList<string> references, Func<int, int, IReadOnlyList<string>> predict) : base(task)
    {
        _references = references;
        _predict = predict;
        _correct = task.Spec.Metric is Metric.Accuracy or Metric.ExactMatch ? [] : null;
    }

    public override double UpperBound => _correct is null
        ? Done ? Score() : 100
        : 100.0 * (_correct.Count(c => c) + Task.Rows.Count - Scored) / Task.Rows.Count;

    public override IReadOnlyList<bool>? Correct => _correct;

    public override double Score() => Metrics.Score(Task.Spec.Metric, _predictions, _references, Task.Spec.PositiveLabel);

    protected override void Predict(int start, int count)
    {
        var predicted = _predict(start, count);
        for (int i = 0; i < count; i++)
        {
            _predictions.Add(predicted[i]);
            _correct?.Add(predicted[i] == _references[start + i]);
        }
    }
}

/// <summary>A regression task: numeric predictions, scored by a correlation over all rows.</summary>
internal sealed class NumberTaskRun(LoadedTask task, IReadOnlyList<double> references, Func<int, int, IReadOnlyList<double>> predict) : TaskRun(task)
{
    private readonly List<double> _predictions = [];

    public override double UpperBound => Done ? Score() : 100;

    public override IReadOnlyList<bool>? Correct => null;

    public override double Score() => Metrics.Score(Task.Spec.Metric, _predictions, references);

    protected override void Predict(int start, int count) => _predictions.AddRange(predict(start, count).Take(count));
}
