using SwarmMerge.Numerics;
using SwarmMerge.Search.Methods;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Tests.Search;

public sealed class CmaEsTests
{
    private static double Sphere(double[] x) => x.Sum(v => v * v);

    private static double Rosenbrock(double[] x) =>
        Enumerable.Range(0, x.Length - 1).Sum(i => 100 * Math.Pow(x[i + 1] - x[i] * x[i], 2) + Math.Pow(1 - x[i], 2));

    [Fact]
    public void Cma_es_solves_the_10_d_sphere_to_1e_8_within_a_few_thousand_evaluations()
    {
        var (_, value, evaluations) = CmaEs.Minimize(Sphere, Enumerable.Repeat(1.0, 10).ToArray(),
            new CmaEsSettings { Sigma0 = 0.5, Seed = 1, TolFun = 1e-11 }, maxEvaluations: 4000);
        Assert.True(value < 1e-8, $"f = {value} after {evaluations} evaluations");
    }

    [Theory]
    [InlineData(2, 3000)]
    [InlineData(5, 8000)]
    public void Cma_es_finds_the_rosenbrock_optimum(int dimension, int budget)
    {
        var (point, value, evaluations) = CmaEs.Minimize(Rosenbrock, new double[dimension], new CmaEsSettings { Sigma0 = 0.5, Seed = 2 }, budget);
        Assert.True(value < 1e-10, $"f = {value} after {evaluations} evaluations");
        Assert.All(point, x => Assert.Equal(1, x, 4));
    }

    [Fact]
    public void The_same_seed_samples_the_same_points()
    {
        double[] Run(ulong seed) => CmaEs.Minimize(Rosenbrock, [0.0, 0.0, 0.0], new CmaEsSettings { Seed = seed }, 300).Point;
        Assert.Equal(Run(4), Run(4));
        Assert.NotEqual(Run(4), Run(5));
    }

    [Fact]
    public void The_jacobi_eigen_solver_reconstructs_a_symmetric_matrix()
    {
        var random = new SearchRandom(3);
        const int N = 6;
        var a = new double[N, N];
        for (int i = 0; i < N; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                a[i, j] = a[j, i] = random.NextGaussian();
            }
        }
        var (values, vectors) = SymmetricEigen.Decompose(a);
        for (int i = 0; i < N; i++)
        {
            for (int j = 0; j < N; j++)
            {
                double rebuilt = Enumerable.Range(0, N).Sum(k => vectors[i, k] * values[k] * vectors[j, k]);
                double identity = Enumerable.Range(0, N).Sum(k => vectors[k, i] * vectors[k, j]);
                Assert.Equal(a[i, j], rebuilt, 10);
                Assert.Equal(i == j ? 1 : 0, identity, 10);
            }
        }
    }

    [Fact]
    public void Cma_es_over_coefficients_keeps_candidates_affine_and_approaches_the_optimum()
    {
        var space = new CoefficientSpace(5, 2);
        double[] optimum = [-0.1, 0.5, 0.3, 0.2, 0.1, 0.3, 0.3, 0.1, 0.2, 0.1];
        var records = new List<EvaluationRecord>();
        var options = SearchTestKit.Options(maxEvaluations: 1500) with { Progress = new PsoSearchTests.SynchronousProgress<ScoredCandidate>(e => records.Add(e.Record)) };
        var result = SearchSession.Run(CmaEsSearch.OverCoefficients(space, new CmaEsSettings { Seed = 1 }), SearchTestKit.Quadratic(optimum), options);
        Assert.True(SearchTestKit.WorstAffineError(space, records) < 1e-12);
        Assert.True(SearchTestKit.Distance2(result.Best!.Candidate.Values, optimum) < 1e-6, $"{SearchTestKit.Distance2(result.Best.Candidate.Values, optimum)}");
    }

    [Fact]
    public void Evo_starts_at_weights_one_over_n_and_density_one_and_stays_in_bounds()
    {
        var space = new EvoSpace("base", ["a", "b", "c"], "dare_ties", layerSlices: 2);
        Assert.Equal([1 / 3.0, 1 / 3.0, 1 / 3.0, 1, 1, 1, 1 / 3.0, 1 / 3.0, 1 / 3.0, 1, 1, 1], space.Initial());
        double[] target = [0.2, 0.5, 0.9, 0.3, 0.6, 0.8, 0.1, 0.4, 0.7, 0.5, 0.5, 0.5];
        var records = new List<EvaluationRecord>();
        var options = SearchTestKit.Options(maxEvaluations: 600) with { Progress = new PsoSearchTests.SynchronousProgress<ScoredCandidate>(e => records.Add(e.Record)) };
        var result = SearchSession.Run(CmaEsSearch.Evo(space, new CmaEsSettings { Seed = 3 }), SearchTestKit.Quadratic(target), options);
        Assert.All(records.SelectMany(r => r.Values), v => Assert.InRange(v, 0, 1));
        Assert.True(SearchTestKit.Distance2(result.Best!.Candidate.Values, target) < 1e-3);

        var config = space.ToMergeConfig(target);
        Assert.Equal("dare_ties", config.MergeMethod);
        Assert.Equal(3, config.Models.Count);
        Assert.Equal(0.5, config.Models[1].Parameters["weight"].Evaluate("model.layers.0.mlp.up_proj.weight", 0.2));
        Assert.Equal(0.4, config.Models[1].Parameters["weight"].Evaluate("model.layers.9.mlp.up_proj.weight", 1.0));
        Assert.Equal(0.8, config.Models[2].Parameters["density"].Evaluate("model.layers.0.mlp.up_proj.weight", 0.0));
    }

    [Fact]
    public void An_evo_point_merges_into_a_checkpoint()
    {
        using var folder = new TestModels.TempFolder();
        var members = SearchTestKit.WriteSwarm(folder, experts: 2, smallEmbedding: true, heads: false);
        var space = new EvoSpace(members.BaseModel, members.Experts, "ties");
        var result = space.WriteCheckpoint(space.Initial(), folder["merged"], new SwarmMerge.Merging.MergeOptions { Threads = 1 });
        using var merged = SwarmMerge.IO.Checkpoint.Open(result.Directory);
        Assert.True(merged.Contains("model.layers.1.mlp.up_proj.weight"));
    }
}
