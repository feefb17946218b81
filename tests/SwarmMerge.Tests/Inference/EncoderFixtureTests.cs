using SwarmMerge.Inference;
using SwarmMerge.IO;
using Xunit.Abstractions;

namespace SwarmMerge.Tests.Inference;

/// <summary>
/// BERT/RoBERTa classifiers against the PyTorch reference. Errors are max |ours − reference| over an input's logits
/// divided by that input's max |reference logit|; they must be ≤ 1e-4, alone and in a padded batch.
/// </summary>
public sealed class EncoderFixtureTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("bert")]
    [InlineData("roberta")]
    public void Classifier_logits_match_the_reference(string name)
    {
        var fixture = new Fixture(name);
        var cases = fixture.Array("classification");
        var inputs = cases.Select(c => new EncoderInput(Fixture.Ints(c!["input_ids"]), Fixture.Ints(c["token_type_ids"]))).ToList();
        using var checkpoint = Checkpoint.Open(fixture.Directory);
        using var model = SequenceClassificationModel.Open(checkpoint, new InferenceOptions { Threads = 2 });
        // A shorter extra input makes the batch padded.
        var batched = model.Classify([.. inputs, new EncoderInput(inputs[0].InputIds[..3], inputs[0].TokenTypeIds![..3])]);
        double worst = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            var expected = Fixture.Floats(cases[i]!["logits"]);
            worst = Math.Max(worst, FixtureAssert.Close(expected, model.Classify([inputs[i]])[0], 1e-4, $"{name} input {i} alone"));
            worst = Math.Max(worst, FixtureAssert.Close(expected, batched[i], 1e-4, $"{name} input {i} in a padded batch"));
            Assert.Equal(cases[i]!["label"]!.GetValue<int>(), Array.IndexOf(batched[i], batched[i].Max()));
        }
        output.WriteLine($"{name}: max relative logit error {worst:E2}");
    }
}
