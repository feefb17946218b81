using SwarmMerge.Inference;
using SwarmMerge.IO;

namespace SwarmMerge.Tests.Inference;

public sealed class EncoderConsistencyTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarmmerge-encoder-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("bert")]
    [InlineData("roberta")]
    public void Padded_batch_matches_one_input_at_a_time(string modelType)
    {
        string directory = RandomCheckpoints.Write(Path.Combine(_root, modelType), RandomCheckpoints.Bert(modelType), seed: 3);
        using var checkpoint = Checkpoint.Open(directory);
        using var model = SequenceClassificationModel.Open(checkpoint, new InferenceOptions { Threads = 2 });
        EncoderInput[] inputs =
        [
            new([0, 5, 6, 7, 2], modelType == "bert" ? [0, 0, 0, 1, 1] : null),
            new([0, 9, 2]),
            new([0, 11, 12, 13, 14, 15, 16, 2]),
        ];
        var batched = model.Classify(inputs);
        Assert.Equal(3, model.NumLabels);
        for (int i = 0; i < inputs.Length; i++)
        {
            var alone = model.Classify([inputs[i]])[0];
            FixtureAssert.Close(alone, batched[i], 1e-5, $"{modelType} input {i}");
        }
        Assert.NotEqual(batched[0], batched[1]);
    }
}
