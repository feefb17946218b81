using SwarmMerge.Evaluation;

namespace SwarmMerge.Tests.Evaluation;

public sealed class TaskFloorTests
{
    private static readonly Dictionary<string, double> Reference = new() { ["a"] = 80, ["b"] = 40, ["c"] = 90 };

    [Fact]
    public void A_floor_subtracts_its_penalty_for_each_point_below_reference_minus_its_margin()
    {
        var floor = new TaskFloor(Reference, Points: 5, Penalty: 2, "ties (tuned)");
        var fitness = new Fitness(FitnessKind.Mean).WithFloor(floor);
        // a: 70 is 5 below the floor of 75; b: 36 is 1 above its floor of 35; c: 80 is 5 below 85.
        var scores = new Dictionary<string, double> { ["a"] = 70, ["b"] = 36, ["c"] = 80 };
        Assert.Equal(10, floor.Shortfall(scores), 12);
        Assert.Equal((70 + 36 + 80) / 3.0 - 2 * 10, fitness.Of(scores), 12);
        // At or above every floor the fitness is the plain mean.
        var above = new Dictionary<string, double> { ["a"] = 75, ["b"] = 35, ["c"] = 100 };
        Assert.Equal(70, fitness.Of(above), 12);
        Assert.Same(floor, fitness.Floor);
        Assert.Null(new Fitness(FitnessKind.Mean).Floor);
    }

    [Fact]
    public void A_floored_fitness_never_falls_when_a_task_score_rises_so_early_stopping_bounds_hold()
    {
        // The fitness of per-task upper bounds must bound the fitness of every score they allow.
        var fitness = new Fitness(FitnessKind.Minimum).WithFloor(new TaskFloor(Reference, 0, 3, "ref"));
        var random = new Random(5);
        for (int trial = 0; trial < 500; trial++)
        {
            var low = Reference.Keys.ToDictionary(k => k, _ => 100 * random.NextDouble());
            var high = low.ToDictionary(p => p.Key, p => Math.Min(100, p.Value + 30 * random.NextDouble()));
            Assert.True(fitness.Of(high) >= fitness.Of(low));
        }
    }

    [Fact]
    public void A_task_the_floor_covers_must_have_a_score()
    {
        var floor = new TaskFloor(Reference, 0, 1, "ties (tuned)");
        var error = Assert.Throws<ArgumentException>(() => floor.Shortfall(new Dictionary<string, double> { ["a"] = 1, ["b"] = 2 }));
        Assert.Contains("task 'c'", error.Message);
        Assert.Contains("ties (tuned)", error.Message);
    }
}
