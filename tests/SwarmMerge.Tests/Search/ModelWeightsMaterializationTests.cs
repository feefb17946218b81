using SwarmMerge.Inference;
using SwarmMerge.Numerics;
using SwarmMerge.Search.Methods;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Tests.Search;

public sealed class ModelWeightsMaterializationTests
{
    [Fact]
    public void A_candidate_fills_the_engines_buffers_by_name_or_alternative_name_and_leaves_the_rest()
    {
        using var folder = new TestModels.TempFolder();
        using var materializer = SwarmMaterializer.Open(SearchTestKit.WriteSwarm(folder, experts: 2, smallEmbedding: true), Granularity.TensorKind);
        var specs = new List<WeightSpec>
        {
            new("model.layers.0.mlp.up_proj.weight", [16, 8]),
            new("norm.weight", [8]) { AlternativeNames = ["model.norm.weight"] },
            new("score.weight", [2, 8]),
        };
        using var weights = new ModelWeights("llama", specs, new Dictionary<string, string>());
        weights.GetSpan("score.weight").Fill(7);
        var point = new RandomSearch(materializer.Space, new RandomSearchSettings()).Draw(new SearchRandom(2));

        Assert.Equal(2, materializer.MaterializeInto(new Candidate("random", 0, 0, point), weights));

        var expected = new float[8];
        materializer.MaterializeTensor("model.norm.weight", point, expected);
        Assert.Equal(expected, weights.GetSpan("norm.weight").ToArray());
        var mlp = new float[128];
        materializer.MaterializeTensor("model.layers.0.mlp.up_proj.weight", point, mlp);
        Assert.Equal(mlp, weights.GetSpan("model.layers.0.mlp.up_proj.weight").ToArray());
        Assert.All(weights.GetSpan("score.weight").ToArray(), v => Assert.Equal(7, v));
    }
}
