using SwarmMerge.Inference;
using SwarmMerge.IO;
using Xunit.Abstractions;

namespace SwarmMerge.Tests.Inference;

/// <summary>
/// T5 and Flan-T5 against the PyTorch reference: teacher-forced logits (max error relative to the example's max |logit|,
/// ≤ 1e-4), target log-likelihoods (relative 1e-4) and greedy decoding (identical tokens, with and without the cache).
/// </summary>
public sealed class Seq2SeqFixtureTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    private static Seq2SeqLanguageModel Open(Fixture fixture)
    {
        using var checkpoint = Checkpoint.Open(fixture.Directory);
        return Seq2SeqLanguageModel.Open(checkpoint, new InferenceOptions { Threads = 2 });
    }

    [Theory]
    [InlineData("t5")]
    [InlineData("flan_t5")]
    public void Teacher_forced_logits_and_log_likelihoods_match_the_reference(string name)
    {
        var fixture = new Fixture(name);
        var cases = fixture.Array("seq2seq");
        var requests = cases.Select(c => new Seq2SeqRequest(Fixture.Ints(c!["input_ids"]), Fixture.Ints(c["labels"]))).ToList();
        using var model = Open(fixture);
        Assert.Equal(Fixture.Ints(cases[0]!["decoder_input_ids"]), (int[])[model.DecoderStartTokenId, .. requests[0].Labels[..^1]]);
        // A shorter extra request pads both the encoder and the decoder batch.
        var padded = new Seq2SeqRequest(requests[0].InputIds[..3], requests[0].Labels[..2]);
        var batched = model.Logits([.. requests, padded]);
        var scores = model.LogLikelihoods([.. requests, padded]);
        double worst = 0;
        for (int i = 0; i < requests.Count; i++)
        {
            var expected = Fixture.Floats(cases[i]!["logits"]);
            worst = Math.Max(worst, FixtureAssert.Close(expected, model.Logits([requests[i]])[0].Values, Tolerance, $"{name} example {i} alone"));
            worst = Math.Max(worst, FixtureAssert.Close(expected, batched[i].Values, Tolerance, $"{name} example {i} in a padded batch"));
            double sum = cases[i]!["loglik_sum"]!.GetValue<double>();
            Assert.True(Math.Abs(scores[i].Sum - sum) <= Tolerance * Math.Abs(sum), $"{name} example {i}: log-likelihood {scores[i].Sum} vs {sum}");
        }
        output.WriteLine($"{name}: max relative logit error {worst:E2}");
    }

    [Theory]
    [InlineData("t5")]
    [InlineData("flan_t5")]
    public void Greedy_decoding_matches_the_reference_with_and_without_cache(string name)
    {
        var fixture = new Fixture(name);
        var cases = fixture.Array("generation");
        var inputs = cases.Select(c => Fixture.Ints(c!["input_ids"])).ToList();
        using var model = Open(fixture);
        var options = new GenerationOptions { MaxNewTokens = cases[0]!["max_new_tokens"]!.GetValue<int>() };
        var cached = model.Generate(inputs, options);
        var recomputed = model.Generate(inputs, options with { UseCache = false });
        for (int i = 0; i < inputs.Count; i++)
        {
            var expected = Fixture.Ints(cases[i]!["tokens"]);
            Assert.Equal(expected, cached[i]);
            Assert.Equal(expected, recomputed[i]);
            Assert.Equal(expected, model.Generate([inputs[i]], options)[0]);
        }
    }
}
