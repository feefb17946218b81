namespace SwarmMerge.Cluster;

/// <summary>
/// The evaluation grain of one worker. Its key is the worker's silo address (<c>SiloAddress.ToParsableString()</c>),
/// and <see cref="WorkerSilo"/> placement activates it on exactly that silo, so a coordinator reaches every worker
/// by name and spreads a generation over all of them.
/// </summary>
public interface IEvaluationWorker : IGrainWithStringKey
{
    /// <summary>Checks the job's input fingerprint against the worker's files and prepares its spaces (answered even while the worker scores).</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<JoinReply> Join(WorkerJob job);

    /// <summary>Scores one candidate of an accepted job on the optimization split.</summary>
    Task<EvaluationReply> Evaluate(EvaluationRequest request);
}
