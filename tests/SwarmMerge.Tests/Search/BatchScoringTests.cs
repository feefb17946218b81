using SwarmMerge.Evaluation;
using SwarmMerge.Numerics;
using SwarmMerge.Search;
using SwarmMerge.Search.Methods;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Tests.Search;

public sealed class BatchScoringTests
{
    private static readonly CoefficientSpace Space = new(memberCount: 5, groupCount: 2);
    private static readonly double[] Optimum = [-0.1, 0.5, 0.3, 0.2, 0.1, 0.3, 0.3, 0.1, 0.2, 0.1];

    /// <summary>Scores a generation on several threads and reports candidates in reverse order, as a cluster might.</summary>
    private sealed class ShuffledParallelScorer(Func<Candidate, EvaluationOutcome> fitness) : IBatchScorer
    {
        public List<int> GenerationSizes { get; } = [];

        public void Score(IReadOnlyList<Candidate> candidates, Action<int, TimedOutcome> scored, CancellationToken cancellation)
        {
            GenerationSizes.Add(candidates.Count);
            var outcomes = new EvaluationOutcome[candidates.Count];
            Parallel.For(0, candidates.Count, i => outcomes[i] = fitness(candidates[i]));
            for (int i = candidates.Count - 1; i >= 0; i--)
            {
                scored(i, new TimedOutcome(outcomes[i], 0));
            }
        }

        public bool ScoresOneAtATime => false;
    }

    private static ISearch Create(SearchKind kind) => kind switch
    {
        SearchKind.Pso => new PsoSearch(Space, new PsoSettings { Steps = 6, Seed = 3 }),
        SearchKind.ModelSwarms => new ModelSwarmsSearch(Space, new ModelSwarmsSettings { MaxIterations = 6, SwarmSize = 7, Seed = 3 }),
        SearchKind.CmaEs => CmaEsSearch.OverCoefficients(Space, new CmaEsSettings { MaxGenerations = 5, Seed = 3 }),
        _ => new RandomSearch(Space, new RandomSearchSettings { Evaluations = 25, IncludeMembers = true, Seed = 3 }),
    };

    [Theory]
    [InlineData(SearchKind.Pso)]
    [InlineData(SearchKind.ModelSwarms)]
    [InlineData(SearchKind.CmaEs)]
    [InlineData(SearchKind.Random)]
    public void Out_of_order_parallel_scoring_gives_the_log_of_one_at_a_time_scoring(SearchKind kind)
    {
        using var folder = new TestModels.TempFolder();
        var sequential = SearchSession.Run(Create(kind), SearchTestKit.Quadratic(Optimum), SearchTestKit.Options(folder["one"]));
        var scorer = new ShuffledParallelScorer(SearchTestKit.Quadratic(Optimum));
        var parallel = SearchSession.Run(Create(kind), scorer, SearchTestKit.Options(folder["many"], maxEvaluations: null));

        Assert.Equal(File.ReadAllBytes(Path.Combine(folder["one"], EvaluationLog.FileName)), File.ReadAllBytes(Path.Combine(folder["many"], EvaluationLog.FileName)));
        Assert.Equal(sequential.Best!.Record.Sequence, parallel.Best!.Record.Sequence);
        Assert.Equal(sequential.BestByStep, parallel.BestByStep);
        // Whole generations reach the scorer, not single candidates.
        Assert.Contains(scorer.GenerationSizes, size => size > 1);
    }

    [Fact]
    public void PSO_hands_each_step_to_the_scorer_as_one_generation()
    {
        var scorer = new ShuffledParallelScorer(SearchTestKit.Quadratic(Optimum));
        var result = SearchSession.Run(new PsoSearch(Space, new PsoSettings { Steps = 3, Seed = 1 }), scorer, SearchTestKit.Options());
        // One call per step; the leader, at rest on its own best, is answered from the cache instead of reaching the scorer.
        Assert.Equal(4, scorer.GenerationSizes.Count);
        Assert.Equal(5, scorer.GenerationSizes[0]);
        Assert.Equal(result.FitnessCalls, scorer.GenerationSizes.Sum());
        Assert.Equal(20, result.Evaluations);
    }

    [Fact]
    public void A_budget_that_ends_inside_a_generation_scores_only_the_candidates_it_covers()
    {
        using var folder = new TestModels.TempFolder();
        var scorer = new ShuffledParallelScorer(SearchTestKit.Quadratic(Optimum));
        var result = SearchSession.Run(new PsoSearch(Space, new PsoSettings { Steps = 3, Seed = 1 }), scorer, SearchTestKit.Options(folder.Path, maxEvaluations: 12));
        Assert.Equal("budget", result.StoppedBy);
        Assert.Equal(12, result.Evaluations);
        Assert.Equal(3, scorer.GenerationSizes.Count);
        Assert.Equal(result.FitnessCalls, scorer.GenerationSizes.Sum());
        var logged = EvaluationLog.Read(Path.Combine(folder.Path, EvaluationLog.FileName));
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2], logged.Select(r => r.Step));
        Assert.Equal([0, 1], logged.Where(r => r.Step == 2).Select(r => r.Member));
    }

    [Fact]
    public void A_candidate_repeated_within_a_generation_is_scored_once_and_logged_as_cached()
    {
        int calls = 0;
        var session = new SearchSession(new ShuffledParallelScorer(SearchTestKit.Quadratic(Optimum, () => Interlocked.Increment(ref calls))), SearchTestKit.Options());
        var twice = new RepeatingSearch(Space.Corner(1));
        session.Run(twice);
        Assert.Equal(2, calls);
        Assert.Equal([false, true, false], twice.Scored.Select(s => s.Record.Cached));
        Assert.Equal(twice.Scored[0].Fitness, twice.Scored[1].Fitness);
    }

    [Fact]
    public void Candidates_scored_before_a_cancellation_stay_in_the_log_in_order()
    {
        using var folder = new TestModels.TempFolder();
        using var cancel = new CancellationTokenSource();
        int calls = 0;
        var fitness = SearchTestKit.Quadratic(Optimum);
        var options = SearchTestKit.Options(folder.Path) with { Cancellation = cancel.Token };
        var scorer = new SequentialScorer(candidate =>
        {
            if (++calls == 8)
            {
                cancel.Cancel();
            }
            return fitness(candidate);
        });
        Assert.ThrowsAny<OperationCanceledException>(() => SearchSession.Run(new PsoSearch(Space, new PsoSettings { Steps = 3, Seed = 1 }), scorer, options));
        // The eighth candidate finished scoring as the cancellation came: it is kept; nothing after it is scored.
        var logged = EvaluationLog.Read(Path.Combine(folder.Path, EvaluationLog.FileName));
        Assert.Equal(Enumerable.Range(0, logged.Count), logged.Select(r => r.Sequence));
        Assert.Equal(8, logged.Count(r => !r.Cached));
        Assert.False(logged[^1].Cached);
    }

    [Fact]
    public void A_scorer_that_skips_a_candidate_is_an_error_not_a_silent_gap()
    {
        var session = new SearchSession(new SkippingScorer(), SearchTestKit.Options());
        var error = Assert.Throws<InvalidOperationException>(() => session.Run(new PsoSearch(Space, new PsoSettings { Steps = 1 })));
        Assert.Contains("without scoring candidate 2", error.Message);
    }

    private sealed class SkippingScorer : IBatchScorer
    {
        public void Score(IReadOnlyList<Candidate> candidates, Action<int, TimedOutcome> scored, CancellationToken cancellation)
        {
            for (int i = 0; i < candidates.Count; i++)
            {
                if (i != 2)
                {
                    scored(i, new TimedOutcome(EvaluationOutcome.Succeeded(new Dictionary<string, double> { ["a"] = i }), 0));
                }
            }
        }
    }

    /// <summary>One generation holding the same point twice and then another point.</summary>
    private sealed class RepeatingSearch(double[] point) : ISearch
    {
        public IReadOnlyList<ScoredCandidate> Scored { get; private set; } = [];

        public string Name => "repeat";

        public System.Text.Json.Nodes.JsonObject Describe() => new() { ["method"] = Name };

        public string Execute(SearchSession session)
        {
            Scored = session.EvaluateAll([new Candidate(Name, 0, 0, point), new Candidate(Name, 0, 1, (double[])point.Clone()), new Candidate(Name, 0, 2, Space.Corner(2))]);
            return "done";
        }
    }
}
