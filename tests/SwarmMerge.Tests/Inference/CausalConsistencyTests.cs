using System.Text.Json.Nodes;
using SwarmMerge.Inference;
using SwarmMerge.IO;

namespace SwarmMerge.Tests.Inference;

public sealed class CausalConsistencyTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarmmerge-causal-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    public static TheoryData<string> Models => new() { "gpt2", "llama", "llama-tied-mha", "mistral", "qwen2", "qwen3", "phi3", "phi3-longrope", "gemma2", "gemma3_text" };

    private CausalLanguageModel Open(string name, int seed = 1, int? slidingWindow = null)
    {
        var config = name switch
        {
            "gpt2" => RandomCheckpoints.Gpt2(),
            "llama-tied-mha" => RandomCheckpoints.Llama(tied: true, kvHeads: 4),
            "qwen3" => RandomCheckpoints.Qwen3(),
            "phi3" => RandomCheckpoints.Phi3(),
            "phi3-longrope" => LongRopePhi3(),
            "gemma2" or "gemma3_text" => RandomCheckpoints.Gemma(name),
            _ => RandomCheckpoints.Llama(name),
        };
        if (slidingWindow is { } window)
        {
            config["sliding_window"] = window;
        }
        string directory = RandomCheckpoints.Write(Path.Combine(_root, $"{name}-{seed}-{slidingWindow}"), config, seed);
        using var checkpoint = Checkpoint.Open(directory);
        return CausalLanguageModel.Open(checkpoint, new InferenceOptions { Threads = 2 });
    }

    private static readonly int[][] Sequences = [[5, 6, 7, 8, 9, 10, 11], [3, 4], [12, 13, 14, 15, 1]];

    [Theory]
    [MemberData(nameof(Models))]
    public void Padded_batch_matches_one_sequence_at_a_time(string name)
    {
        using var model = Open(name);
        var batched = model.Logits(Sequences);
        for (int i = 0; i < Sequences.Length; i++)
        {
            var alone = model.Logits([Sequences[i]])[0];
            Assert.Equal(alone.Length, batched[i].Length);
            FixtureAssert.Close(alone.Values, batched[i].Values, 1e-5, $"{name} sequence {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Cached_generation_matches_recomputation(string name)
    {
        using var model = Open(name);
        var options = new GenerationOptions { MaxNewTokens = 8, StopTokenIds = [] };
        var cached = model.Generate(Sequences, options);
        var recomputed = model.Generate(Sequences, options with { UseCache = false });
        var alone = Sequences.Select(s => model.Generate([s], options)[0]).ToList();
        for (int i = 0; i < Sequences.Length; i++)
        {
            Assert.Equal(8, cached[i].Length);
            Assert.Equal(recomputed[i], cached[i]);
            Assert.Equal(alone[i], cached[i]);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Log_likelihood_matches_logits(string name)
    {
        using var model = Open(name);
        var request = new ContinuationRequest([5, 6, 7], [8, 9]);
        var result = model.LogLikelihoods([request, new ContinuationRequest([1], [2, 3, 4])])[0];
        var logits = model.Logits([[5, 6, 7, 8]])[0];
        double expected = 0;
        for (int t = 0; t < 2; t++)
        {
            var row = logits[2 + t].ToArray();
            double max = row.Max();
            double logSum = max + Math.Log(row.Sum(v => Math.Exp(v - max)));
            expected += row[request.Continuation[t]] - logSum;
        }
        Assert.Equal(expected, result.Sum, 1e-4);
        Assert.Equal(result.Sum, result.PerToken.Sum(), 1e-4);
    }

    [Fact]
    public void Switching_weights_restores_results_exactly()
    {
        using var model = Open("llama", seed: 1);
        var a = model.Logits(Sequences);
        using (var other = Checkpoint.Open(RandomCheckpoints.Write(Path.Combine(_root, "b"), RandomCheckpoints.Llama(), seed: 2)))
        {
            model.Weights.LoadFrom(other);
        }
        var b = model.Logits(Sequences);
        Assert.NotEqual(a[0].Values, b[0].Values);
        using (var first = Checkpoint.Open(Path.Combine(_root, "llama-1-")))
        {
            model.Weights.LoadFrom(first);
        }
        var again = model.Logits(Sequences);
        for (int i = 0; i < Sequences.Length; i++)
        {
            Assert.Equal(a[i].Values, again[i].Values);
        }
    }

    [Fact]
    public void Stop_tokens_and_stop_callback_end_generation()
    {
        using var model = Open("llama");
        var free = model.Generate([Sequences[0]], new GenerationOptions { MaxNewTokens = 6, StopTokenIds = [] })[0];
        var stopped = model.Generate([Sequences[0]], new GenerationOptions { MaxNewTokens = 6, StopTokenIds = [free[2]] })[0];
        Assert.Equal(free[..(Array.IndexOf(free, free[2]) + 1)], stopped);
        var called = model.Generate([Sequences[0]], new GenerationOptions { MaxNewTokens = 6, StopTokenIds = [], StopWhen = (_, tokens) => tokens.Count == 2 })[0];
        Assert.Equal(free[..2], called);
    }

    // Original context 4: of Sequences (7, 2 and 5 tokens) the first and last run on the long factors, the second on
    // the short; generations cross from short to long (where a cached generation recomputes its cache).
    private static JsonObject LongRopePhi3() => RandomCheckpoints.With(RandomCheckpoints.Phi3(),
        ("rope_scaling", new JsonObject { ["type"] = "longrope", ["short_factor"] = new JsonArray(1.0, 1.2), ["long_factor"] = new JsonArray(3.0, 9.0) }),
        ("original_max_position_embeddings", 4), ("max_position_embeddings", 16), ("sliding_window", null));

    [Fact]
    public void Longrope_picks_short_or_long_factors_per_sequence_so_a_batch_scores_each_sequence_as_alone()
    {
        using var model = Open("phi3-longrope");
        var batched = model.Logits(Sequences);
        for (int i = 0; i < Sequences.Length; i++)
        {
            FixtureAssert.Close(model.Logits([Sequences[i]])[0].Values, batched[i].Values, 1e-5, $"sequence {i}");
        }
        // A causal model scores a prefix as the run it starts, unless the run is past the original context and the
        // prefix is not: then the prefix's positions turn by the short factors and the run's by the long ones.
        var prefix = model.Logits([Sequences[0][..4]])[0];
        Assert.True(MaxDifference(prefix.Values, batched[0].Values[..prefix.Values.Length]) > 1e-3);
        var shortRun = model.Logits([Sequences[0][..3]])[0];
        FixtureAssert.Close(shortRun.Values, prefix.Values[..shortRun.Values.Length], 1e-5, "prefix of a short run");
    }

    private static float MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => MathF.Abs(x - y)).Max();

    [Fact]
    public void Sliding_window_masks_keys_beyond_the_window()
    {
        using var windowed = Open("mistral", slidingWindow: 3);
        using var full = Open("mistral", slidingWindow: 100);
        int[] sequence = [5, 6, 7, 8, 9, 10];
        var a = windowed.Logits([sequence])[0];
        var b = full.Logits([sequence])[0];
        FixtureAssert.Close(b[2].ToArray(), a[2].ToArray(), 1e-6, "inside the window");
        Assert.NotEqual(b[5].ToArray(), a[5].ToArray());
        var options = new GenerationOptions { MaxNewTokens = 5, StopTokenIds = [] };
        Assert.Equal(windowed.Generate([sequence], options with { UseCache = false })[0], windowed.Generate([sequence], options)[0]);
    }
}
