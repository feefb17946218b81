namespace SwarmMerge.Evaluation;

/// <summary>
/// What scoring a candidate has to find out when only one comparison matters: whether its fitness exceeds
/// <paramref name="Threshold"/> (a PSO particle's personal best, say). Rows are scored a few at a time, in rounds
/// over the tasks, and scoring stops as soon as even every remaining row scored right could not lift the fitness
/// above the threshold. The candidate then has an upper bound instead of a fitness; a candidate that can still
/// exceed the threshold is scored to the end and gets its exact scores. Every <see cref="Evaluation.Fitness"/> is
/// non-decreasing in each task's score and every metric is at most 100, so the bound is sound.
/// </summary>
/// <param name="Fitness">How task scores combine.</param>
/// <param name="Threshold">The fitness the candidate must exceed (strictly) to matter.</param>
public sealed record ScoringGoal(Fitness Fitness, double Threshold);
