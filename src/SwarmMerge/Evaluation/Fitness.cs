namespace SwarmMerge.Evaluation;

/// <summary>Combines per-task scores into the single number a search maximizes.</summary>
public sealed class Fitness
{
    private readonly IReadOnlyDictionary<string, double>? _reference;

    /// <summary>A fitness of the given kind.</summary>
    /// <param name="kind">How scores combine.</param>
    /// <param name="reference">For <see cref="FitnessKind.NormalizedMean"/>: each task's reference score (usually its expert's), positive.</param>
    public Fitness(FitnessKind kind, IReadOnlyDictionary<string, double>? reference = null)
    {
        if (kind == FitnessKind.NormalizedMean)
        {
            if (reference is null)
            {
                throw new ArgumentException("A normalized mean needs each task's reference score.", nameof(reference));
            }
            var bad = reference.FirstOrDefault(r => !(r.Value > 0));
            if (bad.Key is not null)
            {
                throw new ArgumentException($"Task '{bad.Key}' has reference score {bad.Value}; normalizing needs a positive one.", nameof(reference));
            }
        }
        Kind = kind;
        _reference = reference;
    }

    /// <summary>How scores combine.</summary>
    public FitnessKind Kind { get; }

    /// <summary>For <see cref="FitnessKind.NormalizedMean"/>: each task's reference score; otherwise null.</summary>
    public IReadOnlyDictionary<string, double>? Reference => _reference;

    /// <summary>The floor whose shortfall is subtracted from the combined score, or null for none.</summary>
    public TaskFloor? Floor { get; private init; }

    /// <summary>This fitness less <paramref name="floor"/>'s penalty: combined score − penalty · shortfall.</summary>
    public Fitness WithFloor(TaskFloor floor) => new(Kind, _reference) { Floor = floor };

    /// <summary>The fitness of <paramref name="scores"/> (task name → score ×100).</summary>
    public double Of(IReadOnlyDictionary<string, double> scores)
    {
        if (scores.Count == 0)
        {
            throw new ArgumentException("No task scores.", nameof(scores));
        }
        double combined = Kind switch
        {
            FitnessKind.Mean => scores.Values.Average(),
            FitnessKind.Minimum => scores.Values.Min(),
            FitnessKind.NormalizedMean => scores.Average(s => 100 * s.Value / (_reference!.TryGetValue(s.Key, out double r)
                ? r : throw new ArgumentException($"No reference score for task '{s.Key}'.", nameof(scores)))),
            _ => throw new InvalidOperationException(),
        };
        return Floor is { } floor ? combined - floor.Penalty * floor.Shortfall(scores) : combined;
    }
}
