using SwarmMerge.Search.Methods;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Tests.Search;

public sealed class ElementwisePsoTests
{
    [Fact]
    public void Elementwise_pso_refuses_a_model_over_the_memory_limit_and_says_what_it_needs()
    {
        using var folder = new TestModels.TempFolder();
        using var materializer = SwarmMaterializer.Open(SearchTestKit.WriteSwarm(folder, experts: 2, smallEmbedding: true));
        long parameters = materializer.ParameterCount;
        long need = (3 * 5 + 1) * parameters * 4;
        var error = Assert.Throws<InsufficientMemoryException>(() =>
            PsoSearch.Create(materializer, new PsoSettings { RandomMode = PsoRandomMode.Elementwise, ElementwiseMemoryLimitBytes = 1000 }));
        Assert.Contains($"{need:N0} bytes", error.Message);
        Assert.Contains("1,000 bytes", error.Message);
        Assert.Contains($"{parameters:N0} parameters", error.Message);
        Assert.Equal(need, ElementwisePsoSearch.RequiredBytes(5, parameters));
    }

    [Fact]
    public void Elementwise_pso_starts_from_the_members_weights_and_resumes_exactly()
    {
        using var folder = new TestModels.TempFolder();
        using var materializer = SwarmMaterializer.Open(SearchTestKit.WriteSwarm(folder, experts: 1, smallEmbedding: true));
        var search = PsoSearch.Create(materializer, new PsoSettings { RandomMode = PsoRandomMode.Elementwise, Steps = 3, Seed = 5 });
        Assert.IsType<ElementwisePsoSearch>(search);

        // Fitness: closeness of the candidate's merged weights to a fixed target (expert 1 halfway to base).
        // (Elementwise r adds noise to every parameter: with c = 2 it rarely beats the corners on such a target.)
        var target = new float[materializer.ParameterCount];
        var half = materializer.Space.Corner(0).Zip(materializer.Space.Corner(1), (a, b) => (a + b) / 2).ToArray();
        materializer.Materialize(half, name => target.AsSpan((int)materializer.OffsetOf(name), (int)materializer.Tensors.Single(t => t.Name == name).ElementCount));
        var candidates = new List<Candidate>();
        SwarmMerge.Evaluation.EvaluationOutcome Fitness(Candidate c)
        {
            candidates.Add(c);
            var weights = new float[target.Length];
            materializer.Materialize(c, name => weights.AsSpan((int)materializer.OffsetOf(name), (int)materializer.Tensors.Single(t => t.Name == name).ElementCount));
            double distance = weights.Zip(target, (a, b) => (double)(a - b) * (a - b)).Sum();
            return SwarmMerge.Evaluation.EvaluationOutcome.Succeeded(new Dictionary<string, double> { ["t"] = -distance });
        }

        var full = SearchSession.Run(search, Fitness, SearchTestKit.Options(folder["full"]));
        Assert.Equal(3 * 4, full.Evaluations);
        var corner = new float[target.Length];
        materializer.Materialize(materializer.Space.Corner(2), name => corner.AsSpan((int)materializer.OffsetOf(name), (int)materializer.Tensors.Single(t => t.Name == name).ElementCount));
        Assert.Equal(corner, candidates[2].Vector);
        var logged = EvaluationLog.Read(Path.Combine(folder["full"], EvaluationLog.FileName));
        Assert.Equal(logged.Max(r => r.Fitness), full.Best!.Fitness);
        Assert.Equal(12, logged.Select(r => r.VectorSha256).Distinct().Count() + logged.Count(r => r.Cached));
        Assert.All(logged, r => Assert.Empty(r.Values));
        Assert.All(logged, r => Assert.Equal(64, r.VectorSha256!.Length));

        byte[] log = File.ReadAllBytes(Path.Combine(folder["full"], EvaluationLog.FileName));
        Directory.CreateDirectory(folder["resumed"]);
        File.WriteAllBytes(Path.Combine(folder["resumed"], EvaluationLog.FileName), log[..(log.Length / 2)]);
        var resumed = SearchSession.Run(PsoSearch.Create(materializer, new PsoSettings { RandomMode = PsoRandomMode.Elementwise, Steps = 3, Seed = 5 }), Fitness, SearchTestKit.Options(folder["resumed"]));
        Assert.Equal(log, File.ReadAllBytes(Path.Combine(folder["resumed"], EvaluationLog.FileName)));
        Assert.Equal(full.Best.Fitness, resumed.Best!.Fitness);
        Assert.Equal(full.Best.Candidate.Vector, resumed.Best.Candidate.Vector);
    }
}
