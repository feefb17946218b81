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
