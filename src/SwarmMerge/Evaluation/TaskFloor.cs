namespace SwarmMerge.Evaluation;

/// <summary>
/// A floor under each task's score, below which a fitness is penalized: a candidate loses <paramref name="Penalty"/>
/// fitness points for every point a task falls below its reference score minus <paramref name="Points"/>. A search
/// that maximizes the mean alone trades one task away for more on another (a merged model whose users lose a skill
/// they had); with a floor under the per-task scores of what the user has without a search (the best tuned data-free
/// merge, or an expert) such a trade has to pay for the drop.
/// The shortfall only shrinks as a score rises, so a fitness with a floor stays non-decreasing in each task's score
/// and early stopping's bounds stay sound.
/// </summary>
/// <param name="Reference">Each task's reference score (×100): a search run's best tuned baseline or expert, on the optimization split.</param>
/// <param name="Points">How far below its reference a task may fall before the penalty starts (≥ 0).</param>
/// <param name="Penalty">Fitness points lost per point of shortfall (≥ 0).</param>
/// <param name="ReferenceName">What the reference is, for the report (<c>ties (tuned)</c>).</param>
public sealed record TaskFloor(IReadOnlyDictionary<string, double> Reference, double Points, double Penalty, string ReferenceName)
{
    /// <summary>Points below the floor, summed over the tasks.</summary>
    /// <exception cref="ArgumentException">A reference task has no score.</exception>
    public double Shortfall(IReadOnlyDictionary<string, double> scores)
    {
        double total = 0;
        foreach (var (task, reference) in Reference)
        {
            double score = scores.TryGetValue(task, out double s) ? s : throw new ArgumentException($"No score for task '{task}', which the floor under '{ReferenceName}' covers.", nameof(scores));
            total += Math.Max(0, reference - Points - score);
        }
        return total;
    }
}
