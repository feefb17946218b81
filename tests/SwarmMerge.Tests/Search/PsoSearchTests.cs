using SwarmMerge.Search.Methods;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Tests.Search;

public sealed class PsoSearchTests
{
    private static readonly CoefficientSpace Space = new(memberCount: 5, groupCount: 1);

    // An affine combination of the five members, with a negative coefficient: reachable only by moving beyond the corners' hull.
    private static readonly double[] Optimum = [-0.1, 0.5, 0.3, 0.2, 0.1];

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    [InlineData(4UL)]
    public void Pso_with_the_papers_settings_beats_every_initial_particle_on_a_known_affine_optimum(ulong seed)
    {
        // With scalar r the swarm loses diversity fast at w = 0.2 ("linear" PSO stagnates): it improves on the
        // corners but stalls short of the optimum, whatever the number of steps.
        var result = SearchSession.Run(new PsoSearch(Space, new PsoSettings { Steps = 30, Seed = seed }), SearchTestKit.Quadratic(Optimum), SearchTestKit.Options());
        double nearestCorner = Enumerable.Range(0, 5).Min(m => SearchTestKit.Distance2(Space.Corner(m), Optimum));
        double found = SearchTestKit.Distance2(result.Best!.Candidate.Values, Optimum);
        Assert.True(found < nearestCorner / 3, $"squared distance {found} (nearest corner {nearestCorner})");
        Assert.Equal(5 * 31, result.Evaluations);
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    [InlineData(4UL)]
    public void Pso_with_constriction_settings_converges_to_a_known_affine_optimum(ulong seed)
    {
        var space = new CoefficientSpace(3, 1);
        double[] optimum = [-0.2, 0.9, 0.3];
        var settings = new PsoSettings { Steps = 60, Inertia = 0.7298, Cognitive = 1.49618, Social = 1.49618, Seed = seed };
        var result = SearchSession.Run(new PsoSearch(space, settings), SearchTestKit.Quadratic(optimum), SearchTestKit.Options());
        double found = SearchTestKit.Distance2(result.Best!.Candidate.Values, optimum);
        Assert.True(found < 1e-2, $"squared distance {found}");
    }

    [Fact]
    public void Pso_scores_2n_plus_1_particles_for_S_plus_1_rounds_starting_at_the_corners_and_returns_the_best_ever_seen()
    {
        var records = new List<EvaluationRecord>();
        var options = SearchTestKit.Options() with { Progress = new SynchronousProgress<ScoredCandidate>(e => records.Add(e.Record)) };
        var result = SearchSession.Run(new PsoSearch(Space, new PsoSettings()), SearchTestKit.Quadratic(Optimum), options);

        Assert.Equal(5 * 6, result.Evaluations);
        Assert.Equal("steps", result.StoppedBy);
        Assert.Equal(Enumerable.Range(0, 6).SelectMany(s => Enumerable.Repeat(s, 5)), records.Select(r => r.Step));
        for (int m = 0; m < 5; m++)
        {
            Assert.Equal(Space.Corner(m), records[m].Values);
        }
        Assert.Equal(records.Max(r => r.Fitness!.Value), result.Best!.Fitness);
        Assert.Equal(6, result.BestByStep.Count);
        Assert.True(result.BestByStep.Zip(result.BestByStep.Skip(1)).All(p => p.First <= p.Second));

        // Zero initial velocity and pbest = x: the leader of step 0 stays put in step 1, and its repeat is answered from the cache.
        int leader = Enumerable.Range(0, 5).MaxBy(m => records[m].Fitness!.Value);
        var repeat = records[5 + leader];
        Assert.Equal(records[leader].Values, repeat.Values);
        Assert.True(repeat.Cached);
        Assert.Equal(result.Evaluations - records.Count(r => r.Cached), result.FitnessCalls);
    }

    [Theory]
    [InlineData(Granularity.Model, null, InitialVelocity.Zero)]
    [InlineData(Granularity.Layer, 0.05, InitialVelocity.Zero)]
    [InlineData(Granularity.TensorKind, null, InitialVelocity.TowardRandomParticle)]
    public void Every_particle_stays_an_affine_combination_at_every_step(Granularity granularity, double? clamp, InitialVelocity start)
    {
        int groups = granularity switch { Granularity.Model => 1, Granularity.Layer => 4, _ => 5 };
        var space = new CoefficientSpace(7, groups);
        var optimum = Enumerable.Range(0, space.Dimension).Select(i => Math.Sin(i) * 0.5 + 1.0 / 7).ToArray();
        var records = new List<EvaluationRecord>();
        var options = SearchTestKit.Options() with { Progress = new SynchronousProgress<ScoredCandidate>(e => records.Add(e.Record)) };
        SearchSession.Run(new PsoSearch(space, new PsoSettings { Steps = 20, VelocityClamp = clamp, InitialVelocity = start, Seed = 11 }), SearchTestKit.Quadratic(optimum), options);

        Assert.Equal(7 * 21, records.Count);
        Assert.True(SearchTestKit.WorstAffineError(space, records) < 1e-12);
        if (clamp is double limit)
        {
            // Group velocities are scaled, never cut per coordinate: no coefficient moves further than the clamp per step.
            for (int k = 7; k < records.Count; k++)
            {
                var moved = records[k].Values.Zip(records[k - 7].Values, (a, b) => Math.Abs(a - b)).Max();
                Assert.True(moved <= limit + 1e-12, $"moved {moved}");
            }
        }
    }

    [Fact]
    public void Same_seed_gives_an_identical_log_and_another_seed_does_not()
    {
        using var folder = new TestModels.TempFolder();
        string Run(string name, ulong seed)
        {
            SearchSession.Run(new PsoSearch(Space, new PsoSettings { Seed = seed }), SearchTestKit.Quadratic(Optimum), SearchTestKit.Options(folder[name]));
            return File.ReadAllText(Path.Combine(folder[name], EvaluationLog.FileName));
        }
        string first = Run("a", 5);
        Assert.Equal(first, Run("b", 5));
        Assert.NotEqual(first, Run("c", 6));
    }

    [Fact]
    public void A_budget_stops_the_search_mid_step()
    {
        var result = SearchSession.Run(new PsoSearch(Space, new PsoSettings()), SearchTestKit.Quadratic(Optimum), SearchTestKit.Options(maxEvaluations: 12));
        Assert.Equal(12, result.Evaluations);
        Assert.Equal("budget", result.StoppedBy);
    }

    [Fact]
    public void Failed_candidates_are_logged_and_never_best()
    {
        var result = SearchSession.Run(new PsoSearch(Space, new PsoSettings { Steps = 1 }),
            c => c.Member == 1 ? SwarmMerge.Evaluation.EvaluationOutcome.Failed("out of memory") : SearchTestKit.Quadratic(Optimum)(c), SearchTestKit.Options());
        Assert.NotEqual(1, result.Best!.Candidate.Member);
    }

    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
