namespace SwarmMerge.Models;

/// <summary>What a tensor's name says about its role in the model, where merging, searching and scoring must agree.</summary>
public static class TensorNames
{
    /// <summary>True for the task-specific head's tensors (<c>classifier.*</c>, <c>score.*</c>), which are never merged.</summary>
    public static bool IsHead(string tensorName) =>
        tensorName.StartsWith("classifier.", StringComparison.Ordinal) || tensorName.StartsWith("score.", StringComparison.Ordinal);
}
