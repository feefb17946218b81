using SwarmMerge.Evaluation;

namespace SwarmMerge.Tests.Evaluation;

public sealed class FitnessAndCacheTests
{
    private static readonly Dictionary<string, double> Scores = new() { ["a"] = 80, ["b"] = 40 };

    [Fact]
    public void Mean_and_minimum() 
    {
        Assert.Equal(60, new Fitness(FitnessKind.Mean).Of(Scores), 12);
        Assert.Equal(40, new Fitness(FitnessKind.Minimum).Of(Scores), 12);
    }

    [Fact]
    public void Normalized_mean_divides_by_each_tasks_reference() =>
        // 80/100 and 40/50 → both 0.8 → 80
        Assert.Equal(80, new Fitness(FitnessKind.NormalizedMean, new Dictionary<string, double> { ["a"] = 100, ["b"] = 50 }).Of(Scores), 12);

    [Fact]
    public void Normalized_mean_needs_positive_references_for_every_task()
    {
        Assert.Throws<ArgumentException>(() => new Fitness(FitnessKind.NormalizedMean));
        Assert.Throws<ArgumentException>(() => new Fitness(FitnessKind.NormalizedMean, new Dictionary<string, double> { ["a"] = 0 }));
        Assert.Throws<ArgumentException>(() => new Fitness(FitnessKind.NormalizedMean, new Dictionary<string, double> { ["a"] = 1 }).Of(Scores));
    }

    [Fact]
    public void A_candidate_is_scored_once()
    {
        var cache = new ScoreCache();
        int calls = 0;
        string key = ScoreCache.KeyOf("pso", [0.5, 0.25, 0.25]);
        for (int i = 0; i < 3; i++)
        {
            var outcome = cache.GetOrEvaluate(key, () => { calls++; return EvaluationOutcome.Succeeded(Scores); });
            Assert.Equal(80, outcome.Scores["a"]);
        }
        Assert.Equal(1, calls);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Keys_differ_with_any_bit_of_the_candidate_or_its_context()
    {
        string key = ScoreCache.KeyOf("pso", [0.5, 0.5]);
        Assert.Equal(key, ScoreCache.KeyOf("pso", [0.5, 0.5]));
        Assert.NotEqual(key, ScoreCache.KeyOf("pso", [0.5, Math.BitIncrement(0.5)]));
        Assert.NotEqual(key, ScoreCache.KeyOf("evo", [0.5, 0.5]));
    }
}
