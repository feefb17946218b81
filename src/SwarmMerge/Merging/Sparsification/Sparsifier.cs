namespace SwarmMerge.Merging.Sparsification;

/// <summary>
/// Drops entries of one model's task vector for one tensor, chunk by chunk. Prepared per (tensor, model);
/// <see cref="Apply"/> may run on several chunks at once.
/// </summary>
public abstract class Sparsifier
{
    /// <summary>
    /// Zeroes the dropped entries of the task-vector chunk that starts at element <paramref name="start"/> of
    /// the tensor; when <paramref name="divideByKeepProbability"/>, kept entries are divided by the probability
    /// with which they were kept (random methods only).
    /// </summary>
    public abstract void Apply(long start, Span<float> delta, bool divideByKeepProbability);
}
