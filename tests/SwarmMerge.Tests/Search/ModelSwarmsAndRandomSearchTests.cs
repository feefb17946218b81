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
    public void Model_swarms_counts_patience_as_the_official_code_on_the_global_best_history()
    {
        // The global best improves in iteration 1 only. The official check runs before each iteration on the last
        // `patience` entries of [initial, after 1, after 2, …]: with patience 3 it stops before iteration 4.
        int calls = 0;
        Func<Candidate, EvaluationOutcome> improvesOnce = _ =>
            EvaluationOutcome.Succeeded(new Dictionary<string, double> { ["a"] = Interlocked.Increment(ref calls) == 7 ? 60 : 50 });
        var (result, records) = Run(new ModelSwarmsSearch(Space, new ModelSwarmsSettings { Patience = 3, MaxIterations = 50, SwarmSize = 6, Seed = 1 }), improvesOnce);
        Assert.Equal("patience", result.StoppedBy);
        Assert.Equal(3, records.Max(r => r.Step));

        // A flat fitness: the history is flat from the start, but the check needs more than `patience` entries.
        var flat = (Candidate _) => EvaluationOutcome.Succeeded(new Dictionary<string, double> { ["a"] = 50 });
        (result, records) = Run(new ModelSwarmsSearch(Space, new ModelSwarmsSettings { Patience = 3, MaxIterations = 50, SwarmSize = 6 }), flat);
        Assert.Equal("patience", result.StoppedBy);
        Assert.Equal(3, records.Max(r => r.Step));
    }

    [Fact]
    public void Model_swarms_defaults_are_the_official_codes()
    {
        var defaults = new ModelSwarmsSettings();
        Assert.Equal((0.4, 0.3, 0.3, 0.3), (defaults.Inertia, defaults.Cognitive, defaults.Social, defaults.Repel));
        Assert.Equal((1.0, 0.95, 0.1), (defaults.StepLength, defaults.StepDecay, defaults.MinimumStepLength));
        Assert.Equal((10, 200, true, 0.5, true), (defaults.Patience, defaults.MaxIterations, defaults.RestartStrayParticles, defaults.RestartPatience, defaults.RandomWeights));
        Assert.Equal(ModelSwarmsStartingVelocity.Random, defaults.StartingVelocity);
    }

    public static TheoryData<int> ReferenceCases => [0, 1, 2, 3];

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void Model_swarms_follows_the_reference_trajectory_of_the_official_algorithm(int index)
    {
        // tools/model_swarms_reference.py: search.py's loop on coefficient vectors with deterministic weights, on a
        // fitness with plateaus or scripted ties (tie rules pick the global best and worst), with stray-particle
        // restarts and patience.
        using var file = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Fixtures", "search", "model_swarms_reference.json"));
        var reference = System.Text.Json.JsonDocument.Parse(file).RootElement[index];
        var s = reference.GetProperty("settings");
        var settings = new ModelSwarmsSettings
        {
            Inertia = s.GetProperty("inertia").GetDouble(),
            Cognitive = s.GetProperty("cognitive").GetDouble(),
            Social = s.GetProperty("social").GetDouble(),
            Repel = s.GetProperty("repel").GetDouble(),
            StepLength = s.GetProperty("step_length").GetDouble(),
            StepDecay = s.GetProperty("step_decay").GetDouble(),
            MinimumStepLength = s.GetProperty("min_step_length").GetDouble(),
            MaxIterations = s.GetProperty("max_iterations").GetInt32(),
            Patience = s.GetProperty("patience").GetInt32(),
            RestartPatience = s.GetProperty("restart_patience").GetDouble(),
            StartingVelocity = s.GetProperty("starting_velocity").GetString() == "best" ? ModelSwarmsStartingVelocity.Best : ModelSwarmsStartingVelocity.Zero,
            RandomWeights = false,
        };
        double plateau = s.GetProperty("plateau").GetDouble();
        var scripted = s.TryGetProperty("scripted", out var table)
            ? table.EnumerateObject().ToDictionary(p => int.Parse(p.Name), p => p.Value.EnumerateArray().Select(v => v.GetDouble()).ToArray())
            : [];
        Func<Candidate, EvaluationOutcome> plateaus = candidate =>
            EvaluationOutcome.Succeeded(new Dictionary<string, double>
            {
                ["a"] = scripted.TryGetValue(candidate.Step, out var row) ? row[candidate.Member]
                    : Math.Floor((100 - 100 * SearchTestKit.Distance2(candidate.Values, Optimum)) / plateau) * plateau,
            });
        var (result, records) = Run(new ModelSwarmsSearch(Space, settings), plateaus);

        var expected = reference.GetProperty("evaluations").EnumerateArray().ToList();
        Assert.Equal(reference.GetProperty("stopped_by").GetString(), result.StoppedBy);
        Assert.Equal(expected.Count, records.Count);
        for (int k = 0; k < expected.Count; k++)
        {
            Assert.Equal(expected[k].GetProperty("step").GetInt32(), records[k].Step);
            Assert.Equal(expected[k].GetProperty("member").GetInt32(), records[k].Member);
            Assert.Equal(expected[k].GetProperty("fitness").GetDouble(), records[k].Fitness);
            var values = expected[k].GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            for (int j = 0; j < values.Length; j++)
            {
                Assert.Equal(values[j], records[k].Values[j], 1e-12);
            }
        }
    }

    [Fact]
    public void Model_swarms_fills_the_swarm_with_crossovers_that_may_extrapolate()
    {
        var (_, records) = Run(new ModelSwarmsSearch(Space, new ModelSwarmsSettings { MaxIterations = 0, SwarmSize = 60, Seed = 2 }), SearchTestKit.Quadratic(Optimum));
        var initial = records.Where(r => r.Step == 0).ToList();
        Assert.Equal(60, initial.Count);
        Assert.True(SearchTestKit.WorstAffineError(Space, initial) < 1e-12);
        // w = 2·U(0, 1): about half the children extrapolate past a parent, giving negative coefficients.
        int extrapolated = initial.Skip(5).Count(r => r.Values.Any(c => c < -1e-12));
        Assert.InRange(extrapolated, 10, 50);
        // Two different parents: no child sits on a member's corner.
        Assert.All(initial.Skip(5), r => Assert.DoesNotContain(Enumerable.Range(0, 5), m => Space.Corner(m).SequenceEqual(r.Values)));
    }

    [Fact]
    public void Model_swarms_stops_after_its_iteration_limit_and_keeps_particles_affine()
    {
        var (result, records) = Run(new ModelSwarmsSearch(Space, new ModelSwarmsSettings { MaxIterations = 4, Patience = 100, SwarmSize = 8, Seed = 2 }), SearchTestKit.Quadratic(Optimum));
        Assert.Equal("iterations", result.StoppedBy);
        Assert.Equal(8 * 5, result.Evaluations);
        Assert.True(SearchTestKit.WorstAffineError(Space, records) < 1e-12);
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
