using SwarmMerge.Inference;
using SwarmMerge.IO;
using Xunit.Abstractions;

namespace SwarmMerge.Tests.Inference;

/// <summary>
/// The decoders against the PyTorch reference. Logit errors are max |ours − reference| divided by the max |reference logit|
/// of the same sequence (the scale of its logits), and must be ≤ 1e-4; greedy tokens must be identical.
/// </summary>
public sealed class CausalFixtureTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    public static TheoryData<string> Cases => new() { "gpt2", "llama", "llama_tied_bf16", "llama3_rope_scaling", "mistral", "qwen2", "qwen3", "qwen3_sliding", "phi3", "phi3_longrope", "gemma2", "gemma3_text" };

    private static CausalLanguageModel Open(Fixture fixture, int maxBatchSize = 8)
    {
        using var checkpoint = Checkpoint.Open(fixture.Directory);
        return CausalLanguageModel.Open(checkpoint, new InferenceOptions { Threads = 2, MaxBatchSize = maxBatchSize });
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Logits_match_the_reference_alone_and_in_padded_batches(string name)
    {
        var fixture = new Fixture(name);
        var sequences = fixture.Array("sequences");
        var inputs = sequences.Select(s => Fixture.Ints(s!["input_ids"])).ToList();
        // The fixtures' sequences have different lengths (5, 9 and 12 tokens), so the batch is padded. None is cut to a
        // prefix: with longrope a prefix within the original context turns by other frequencies than the whole.
        Assert.Equal(inputs.Count, inputs.Select(i => i.Length).Distinct().Count());
        using var model = Open(fixture);
        var batched = model.Logits(inputs);
        double worst = 0, absolute = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            var expected = Fixture.Floats(sequences[i]!["logits"]).AsSpan(0, inputs[i].Length * model.VocabSize);
            var alone = model.Logits([inputs[i]])[0];
            worst = Math.Max(worst, FixtureAssert.Close(expected, alone.Values, Tolerance, $"{name} sequence {i} alone"));
            worst = Math.Max(worst, FixtureAssert.Close(expected, batched[i].Values, Tolerance, $"{name} sequence {i} in a padded batch"));
            absolute = Math.Max(absolute, Math.Max(FixtureAssert.MaxDifference(expected, alone.Values), FixtureAssert.MaxDifference(expected, batched[i].Values)));
        }
        output.WriteLine($"{name}: max |Δlogit| {absolute:E2}, max relative logit error {worst:E2}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Log_likelihoods_match_the_reference(string name)
    {
        var fixture = new Fixture(name);
        var cases = fixture.Array("loglik");
        var requests = cases.Select(c => new ContinuationRequest(Fixture.Ints(c!["context"]), Fixture.Ints(c["continuation"]))).ToList();
        using var model = Open(fixture);
        var results = model.LogLikelihoods(requests);
        for (int i = 0; i < requests.Count; i++)
        {
            double sum = cases[i]!["sum"]!.GetValue<double>();
            Assert.True(Math.Abs(results[i].Sum - sum) <= Tolerance * Math.Abs(sum), $"{name} request {i}: sum {results[i].Sum} vs {sum}");
            var perToken = Fixture.Floats(cases[i]!["per_token"]);
            for (int t = 0; t < perToken.Length; t++)
            {
                Assert.True(Math.Abs(results[i].PerToken[t] - perToken[t]) <= Tolerance * Math.Max(1, Math.Abs(perToken[t])), $"{name} request {i} token {t}");
            }
            Assert.Equal(cases[i]!["is_greedy"]!.GetValue<bool>(), results[i].IsGreedy);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Greedy_generation_matches_the_reference_with_and_without_cache(string name)
    {
        var fixture = new Fixture(name);
        var cases = fixture.Array("generation");
        var prompts = cases.Select(c => Fixture.Ints(c!["prompt"])).ToList();
        int maxNew = cases[0]!["max_new_tokens"]!.GetValue<int>();
        using var model = Open(fixture);
        var options = new GenerationOptions { MaxNewTokens = maxNew };
        var cached = model.Generate(prompts, options);
        var recomputed = model.Generate(prompts, options with { UseCache = false });
        for (int i = 0; i < prompts.Count; i++)
        {
            var expected = Fixture.Ints(cases[i]!["tokens"]);
            Assert.Equal(expected, cached[i]);
            Assert.Equal(expected, recomputed[i]);
        }
    }

    [Fact]
    public void Switching_checkpoints_and_back_reproduces_results_exactly()
    {
        var a = new Fixture("llama");
        var b = new Fixture("llama_tied_bf16");
        using var model = Open(a);
        int[][] inputs = [Fixture.Ints(a.Array("sequences")[0]!["input_ids"])];
        var first = model.Logits(inputs)[0].Values;

        // Same config shape, different weights: load B's weights into A's buffers (B has a tied head, A does not, so
        // copy B's embedding into lm_head too), score, then reload A.
        using (var checkpointB = Checkpoint.Open(b.Directory))
        using (var modelB = CausalLanguageModel.Open(checkpointB, new InferenceOptions { Threads = 2 }))
        {
            foreach (var spec in model.Weights.Specs)
            {
                if (modelB.Weights.Contains(spec.Name) && modelB.Weights.Spec(spec.Name).Shape.SequenceEqual(spec.Shape))
                {
                    modelB.Weights.GetSpan(spec.Name).CopyTo(model.Weights.GetSpan(spec.Name));
                }
            }
        }
        Assert.NotEqual(first, model.Logits(inputs)[0].Values);
        using (var checkpointA = Checkpoint.Open(a.Directory))
        {
            model.Weights.LoadFrom(checkpointA);
        }
        Assert.Equal(first, model.Logits(inputs)[0].Values);
    }
}
