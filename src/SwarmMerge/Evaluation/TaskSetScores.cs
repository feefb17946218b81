namespace SwarmMerge.Evaluation;

/// <summary>What scoring the tasks of one split gave a model.</summary>
/// <param name="Scores">Each task's score (×100), by task name; upper bounds when <paramref name="Bounded"/>.</param>
/// <param name="Bounded">True when scoring stopped early (see <see cref="ScoringGoal"/>): the scores are then the best each task could still reach.</param>
/// <param name="RowsScored">Rows scored, over all tasks.</param>
/// <param name="Rows">Rows of the split, over all tasks.</param>
/// <param name="Correct">For tasks scored by accuracy or exact match: whether each scored row was right, in row order.</param>
public sealed record TaskSetScores(
    IReadOnlyDictionary<string, double> Scores,
    bool Bounded,
    int RowsScored,
    int Rows,
    IReadOnlyDictionary<string, IReadOnlyList<bool>> Correct);
