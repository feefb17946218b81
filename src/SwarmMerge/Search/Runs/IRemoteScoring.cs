namespace SwarmMerge.Search.Runs;

/// <summary>
/// Scores a run's search candidates outside this process, for example on the workers of a cluster
/// (<c>SwarmMerge.Cluster</c>), instead of one after another in the run's own engine.
/// </summary>
public interface IRemoteScoring
{
    /// <summary>The scorer of the candidates of <paramref name="method"/>, one of <paramref name="config"/>'s searches, whose coefficient space is <paramref name="space"/>.</summary>
    /// <remarks>Its outcomes must equal those of the run's own engine for the same candidate: a resumed run replays them, and
    /// the test split is scored here.</remarks>
    /// <param name="config">The run's config.</param>
    /// <param name="method">The search.</param>
    /// <param name="space">Its coefficient space.</param>
    /// <param name="fitness">How task scores combine (a candidate with a threshold may stop early).</param>
    /// <param name="heldOutShare">The share of the optimization split the search holds back to select its result on (0: none).</param>
    IBatchScorer For(SearchConfig config, SearchMethodConfig method, Space.SwarmMaterializer space, Evaluation.Fitness fitness, double heldOutShare);
}
