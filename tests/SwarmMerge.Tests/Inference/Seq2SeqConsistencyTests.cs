using SwarmMerge.Inference;
using SwarmMerge.IO;

namespace SwarmMerge.Tests.Inference;

public sealed class Seq2SeqConsistencyTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarmmerge-t5-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Seq2SeqLanguageModel Open(bool flan)
    {
        string directory = RandomCheckpoints.Write(Path.Combine(_root, flan ? "flan" : "t5"), RandomCheckpoints.T5(flan), seed: 4);
        using var checkpoint = Checkpoint.Open(directory);
        return Seq2SeqLanguageModel.Open(checkpoint, new InferenceOptions { Threads = 2 });
    }

    private static readonly Seq2SeqRequest[] Requests =
    [
        new([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 1], [30, 31, 32, 1]),
        new([3, 4, 1], [33, 1]),
        new([12, 13, 14, 1], [34, 35, 36, 37, 38, 39, 1]),
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Padded_batch_matches_one_request_at_a_time(bool flan)
    {
        using var model = Open(flan);
        var batched = model.Logits(Requests);
        var scores = model.LogLikelihoods(Requests);
        for (int i = 0; i < Requests.Length; i++)
        {
            var alone = model.Logits([Requests[i]])[0];
            FixtureAssert.Close(alone.Values, batched[i].Values, 1e-5, $"request {i}");
            Assert.Equal(model.LogLikelihoods([Requests[i]])[0].Sum, scores[i].Sum, 1e-4);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cached_generation_matches_recomputation_and_teacher_forcing(bool flan)
    {
        using var model = Open(flan);
        var inputs = Requests.Select(r => r.InputIds).ToArray();
        var options = new GenerationOptions { MaxNewTokens = 6, StopTokenIds = [] };
        var cached = model.Generate(inputs, options);
        var recomputed = model.Generate(inputs, options with { UseCache = false });
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(6, cached[i].Length);
            Assert.Equal(recomputed[i], cached[i]);
            Assert.Equal(model.Generate([inputs[i]], options)[0], cached[i]);
            Assert.True(model.LogLikelihoods([new Seq2SeqRequest(inputs[i], cached[i])])[0].IsGreedy);
        }
    }
}
