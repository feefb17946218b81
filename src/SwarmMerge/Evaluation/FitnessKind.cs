namespace SwarmMerge.Evaluation;

/// <summary>How per-task scores combine into one fitness.</summary>
public enum FitnessKind
{
    /// <summary>The plain mean of task scores (the paper's fitness).</summary>
    Mean,

    /// <summary>The mean of each task score divided by that task's reference (expert) score, ×100: fair across heterogeneous metrics.</summary>
    NormalizedMean,

    /// <summary>The worst task score: no task may be sacrificed.</summary>
    Minimum,
}
