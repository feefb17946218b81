namespace SwarmMerge.Evaluation;

/// <summary>A task file or a task's data is invalid; the message names the file, line, task or column.</summary>
public sealed class TaskDataException(string message) : Exception(message);
