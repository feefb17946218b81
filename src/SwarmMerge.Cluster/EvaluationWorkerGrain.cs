namespace SwarmMerge.Cluster;

/// <summary>
/// A worker's evaluation grain: a thin handle on the worker's <see cref="WorkerModels"/>, which the process opened
/// once. Scoring runs on the thread pool, not on Orleans' scheduler; evaluations are not reentrant, so a worker scores
/// one candidate at a time and the next waits in the grain's queue. A join is answered at once, even mid-evaluation.
/// </summary>
/// <param name="models">The worker's models.</param>
[WorkerSilo.Placement]
public sealed class EvaluationWorkerGrain(WorkerModels models) : Grain, IEvaluationWorker
{
    /// <inheritdoc />
    public Task<JoinReply> Join(WorkerJob job) => Task.Run(() => models.Join(job));

    /// <inheritdoc />
    public Task<EvaluationReply> Evaluate(EvaluationRequest request) => Task.Run(() => models.Evaluate(request));
}
