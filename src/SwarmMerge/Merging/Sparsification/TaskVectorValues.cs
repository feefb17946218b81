using SwarmMerge.Numerics;


namespace SwarmMerge.Merging.Sparsification;

/// <summary>One model's task vector (model − base) over one tensor, or over every merged tensor of the run, as chunked values for <see cref="RankSelection"/>.</summary>
public sealed class TaskVectorValues : IChunkedValues
{
    private readonly IReadOnlyList<TensorMergeJob> _jobs;
    private readonly int _model;
    private readonly bool _global;

    private TaskVectorValues(IReadOnlyList<TensorMergeJob> jobs, int model, bool global)
    {
        _jobs = jobs;
        _model = model;
        _global = global;
        Count = jobs.Sum(j => j.Length);
    }

    /// <summary>The task vector of <paramref name="model"/> in <paramref name="job"/> alone (indices local to the tensor; inputs must be open).</summary>
    public static TaskVectorValues OfTensor(TensorMergeJob job, int model) => new([job], model, global: false);

    /// <summary>The task vector of <paramref name="model"/> over every merged tensor, indexed by <see cref="TensorMergeJob.GlobalOffset"/>.</summary>
    public static TaskVectorValues OfModel(MergeRun run, int model) => new(run.Jobs, model, global: true);

    /// <inheritdoc />
    public long Count { get; }

    /// <inheritdoc />
    public void ForEachChunk(Action<long, ReadOnlySpan<float>> visit)
    {
        foreach (var job in _jobs)
        {
            void Pass() => job.ForEachChunk((start, count, scratch) =>
            {
                var baseValues = scratch.Get(0, count);
                var delta = scratch.Get(1, count);
                job.ReadBase(start, baseValues);
                job.ReadDelta(_model, start, baseValues, delta);
                visit((_global ? job.GlobalOffset : 0) + start, delta);
            });
            if (_global)
            {
                job.Run.WithInputs(job, Pass);
            }
            else
            {
                Pass();
            }
        }
    }
}
