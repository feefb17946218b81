namespace SwarmMerge.Evaluation;

/// <summary>The tasks of a task file with the rows of one split.</summary>
public abstract class TaskSet
{
    private protected TaskSet(IReadOnlyList<LoadedTask> tasks) => Tasks = tasks;

    /// <summary>The tasks, in file order.</summary>
    public IReadOnlyList<LoadedTask> Tasks { get; }

    /// <summary>"optimization" or "test".</summary>
    public abstract string SplitName { get; }
}

/// <summary>
/// The optimization split: the only data a search may see. Created only by <see cref="TaskFile.LoadOptimization"/>;
/// it holds neither the test rows nor the test file's path.
/// </summary>
public sealed class OptimizationTasks : TaskSet
{
    internal OptimizationTasks(IReadOnlyList<LoadedTask> tasks) : base(tasks)
    {
    }

    /// <inheritdoc />
    public override string SplitName => "optimization";

    /// <summary>
    /// Splits every task's rows in two: the rows a search scores its candidates on, and the rows held back to
    /// select the result with (<paramref name="fraction"/> of each task's rows, rounded, and at least one row on each
    /// side). Which rows are held back is a pseudo-random choice fixed by <paramref name="seed"/> and the task's name;
    /// both parts keep the file's row order.
    /// </summary>
    /// <exception cref="TaskDataException">A task has fewer than two rows.</exception>
    public (OptimizationTasks Search, OptimizationTasks Selection) HoldOut(double fraction, ulong seed)
    {
        if (!(fraction > 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), $"The held-out share must lie in (0, 1); it is {fraction}.");
        }
        var search = new List<LoadedTask>();
        var selection = new List<LoadedTask>();
        foreach (var task in Tasks)
        {
            int n = task.Rows.Count;
            if (n < 2)
            {
                throw new TaskDataException($"task '{task.Spec.Name}' has {n} optimization row; holding rows back for selection needs at least 2.");
            }
            int held = Math.Clamp((int)Math.Round(n * fraction, MidpointRounding.AwayFromZero), 1, n - 1);
            var heldBack = Enumerable.Range(0, n).OrderBy(i => RowKey(seed, task.Spec.Name, i), StringComparer.Ordinal).Take(held).ToHashSet();
            search.Add(new LoadedTask(task.Spec, Enumerable.Range(0, n).Where(i => !heldBack.Contains(i)).Select(i => task.Rows[i]).ToList()));
            selection.Add(new LoadedTask(task.Spec, heldBack.Order().Select(i => task.Rows[i]).ToList()));
        }
        return (new OptimizationTasks(search), new OptimizationTasks(selection));
    }

    private static string RowKey(ulong seed, string task, int row) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(FormattableString.Invariant($"{seed}|{task}|{row}"))));
}

/// <summary>The held-out test split, for reports only. Created only by <see cref="TaskFile.LoadTest"/>.</summary>
public sealed class HeldOutTasks : TaskSet
{
    internal HeldOutTasks(IReadOnlyList<LoadedTask> tasks) : base(tasks)
    {
    }

    /// <inheritdoc />
    public override string SplitName => "test";
}
