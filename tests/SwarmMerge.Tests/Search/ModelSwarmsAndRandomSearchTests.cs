using SwarmMerge.Evaluation;
using SwarmMerge.Search.Methods;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Tests.Search;

public sealed class ModelSwarmsAndRandomSearchTests
{
    private static readonly CoefficientSpace Space = new(memberCount: 5, groupCount: 2);
    private static readonly double[] Optimum = [-0.1, 0.5, 0.3, 0.2, 0.1, 0.3, 0.3, 0.1, 0.2, 0.1];

    private static (SearchResult Result, List<EvaluationRecord> Records) Run(ISearch search, Func<Candidate, EvaluationOutcome> fitness, int? budget = null)
    {
        var records = new List<EvaluationRecord>();
        var options = SearchTestKit.Options(maxEvaluations: budget) with { Progress = new PsoSearchTests.SynchronousProgress<ScoredCandidate>(e => records.Add(e.Record)) };
        return (SearchSession.Run(search, fitness, options), records);
    }

    [Fact]
    public void Model_swarms_stops_when_the_global_best_has_not_improved_for_patience_iterations()
    {
        // A flat fitness: nothing ever beats the initial best.
        var flat = (Candidate _) => EvaluationOutcome.Succeeded(new Dictionary<string, double> { ["a"] = 50 });
        var (result, records) = Run(new ModelSwarmsSearch(Space, new ModelSwarmsSettings { Patience = 3, MaxIterations = 50, SwarmSize = 6 }), flat);
        Assert.Equal("patience", result.StoppedBy);
        Assert.Equal(6 * (1 + 3), result.Evaluations);
        Assert.Equal(3, records.Max(r => r.Step));
    }

    [Fact]
    public void Model_swarms_stops_after_its_iteration_limit_and_keeps_particles_affine()
    {
        var (result, records) = Run(new ModelSwarmsSearch(Space, new ModelSwarmsSettings { MaxIterations = 4, Patience = 100, SwarmSize = 8, Seed = 2 }), SearchTestKit.Quadratic(Optimum));
        Assert.Equal("iterations", result.StoppedBy);
        Assert.Equal(8 * 5, result.Evaluations);
        Assert.True(SearchTestKit.WorstAffineError(Space, records) < 1e-12);
        // Particles beyond the members start as crossovers of two members: convex, so non-negative.
        Assert.All(records.Where(r => r.Step == 0 && r.Member >= 5).SelectMany(r => r.Values), c => Assert.InRange(c, 0, 1));
    }

    [Fact]
    public void Model_swarms_step_length_decays_by_its_factor_down_to_the_floor()
    {
        var search = new ModelSwarmsSearch(Space, new ModelSwarmsSettings { StepLength = 1, StepDecay = 0.5, MinimumStepLength = 0.1 });
        Assert.Equal([1, 0.5, 0.25, 0.125, 0.1, 0.1], Enumerable.Range(1, 6).Select(search.StepLengthAt));
    }

    [Fact]
    public void Model_swarms_moves_less_as_its_step_length_decays()
    {
        var settings = new ModelSwarmsSettings { MaxIterations = 12, Patience = 100, StepDecay = 0.6, MinimumStepLength = 0, Seed = 4 };
        var (_, records) = Run(new ModelSwarmsSearch(Space, settings), SearchTestKit.Quadratic(Optimum));
        double Moves(int step) => records.Where(r => r.Step == step)
            .Sum(r => SearchTestKit.Distance2(r.Values, records.Single(p => p.Step == step - 1 && p.Member == r.Member).Values));
        Assert.True(Moves(12) < 1e-3 * Moves(1), $"{Moves(12)} vs {Moves(1)}");
    }

    [Fact]
    public void Model_swarms_improves_on_the_initial_particles()
    {
        var (result, records) = Run(new ModelSwarmsSearch(Space, new ModelSwarmsSettings { Seed = 1 }), SearchTestKit.Quadratic(Optimum));
        Assert.True(result.Best!.Fitness > records.Where(r => r.Step == 0).Max(r => r.Fitness!.Value));
    }

    [Fact]
    public void Random_search_draws_convex_combinations_uniformly_from_the_simplex()
    {
        var (result, records) = Run(new RandomSearch(Space, new RandomSearchSettings { Evaluations = 2000, IncludeMembers = true, Seed = 8 }), SearchTestKit.Quadratic(Optimum));
        Assert.Equal(2000, result.Evaluations);
        Assert.Equal("evaluations", result.StoppedBy);
        for (int m = 0; m < 5; m++)
        {
            Assert.Equal(Space.Corner(m), records[m].Values);
        }
        Assert.True(SearchTestKit.WorstAffineError(Space, records) < 1e-12);
        Assert.All(records.SelectMany(r => r.Values), c => Assert.InRange(c, 0, 1));
        // Dirichlet(1, …, 1): every coefficient has mean 1/5 and variance (1/5)(4/5)/6.
        var drawn = records.Skip(5).ToList();
        for (int j = 0; j < Space.Dimension; j++)
        {
            var values = drawn.Select(r => r.Values[j]).ToList();
            double mean = values.Average();
            Assert.Equal(0.2, mean, 0.015);
            Assert.Equal(0.2 * 0.8 / 6, values.Average(v => (v - mean) * (v - mean)), 0.003);
        }
    }

    [Fact]
    public void Random_search_respects_a_smaller_budget_and_is_reproducible()
    {
        var first = Run(new RandomSearch(Space, new RandomSearchSettings { Seed = 3 }), SearchTestKit.Quadratic(Optimum), budget: 10);
        var second = Run(new RandomSearch(Space, new RandomSearchSettings { Seed = 3 }), SearchTestKit.Quadratic(Optimum), budget: 10);
        Assert.Equal("budget", first.Result.StoppedBy);
        Assert.Equal(10, first.Records.Count);
        Assert.Equal(first.Records.SelectMany(r => r.Values), second.Records.SelectMany(r => r.Values));
    }
}
