using System.Text.Json.Nodes;
using SwarmMerge.Models;

namespace SwarmMerge.Tests;

/// <summary>
/// A <c>slices</c> merge keeps each output layer's attention (sliding or full) as the layer it is made from had it, in
/// the fields its model type reads (a documented difference from mergekit, which sets only the layer count).
/// </summary>
public sealed class SliceAttentionTests
{
    private const string S = "sliding_attention", F = "full_attention";

    // MergeTestBench.Family models have 2 layers.
    private static void Configure(MergeTestBench bench, JsonObject config, params string[] models)
    {
        foreach (string model in models)
        {
            config["num_hidden_layers"] = 2;
            File.WriteAllText(Path.Combine(bench[model], "config.json"), config.ToJsonString());
        }
    }

    // A base and one expert with this config.
    private static MergeTestBench FamilyOf(JsonObject config)
    {
        var bench = new MergeTestBench();
        bench.Family(1);
        Configure(bench, config, "base", "expert1");
        return bench;
    }

    private static JsonObject Gemma2() => new() { ["model_type"] = "gemma2", ["sliding_window"] = 4 };

    private static JsonObject Qwen3() => new() { ["model_type"] = "qwen3", ["use_sliding_window"] = true, ["sliding_window"] = 4, ["max_window_layers"] = 1 };

    private static JsonObject Passthrough(MergeTestBench bench, string slices)
    {
        string output = $"out{Directory.GetDirectories(bench.Root, "out*").Length}";
        bench.Merge("merge_method: passthrough\nslices:\n" + slices, output);
        return JsonNode.Parse(File.ReadAllText(Path.Combine(bench[output], "config.json")))!.AsObject();
    }

    private static string Slice(string model, int start, int end) => $"  - sources: [{{model: {model}, layer_range: [{start}, {end}]}}]\n";

    // What the engine reads from the written config: the sliding flag of each layer.
    private static string[] Attention(JsonObject config) =>
        LayerAttention.SlidingFlags(new ConfigReader(config, "out/config.json"), (string)config["model_type"]!)!.Select(s => s ? S : F).ToArray();

    private static string[]? LayerTypes(JsonObject config) => config["layer_types"]?.AsArray().Select(n => (string)n!).ToArray();

    private static string[] Given(JsonObject config) => LayerTypes(config) ?? throw new Xunit.Sdk.XunitException("config.json has no layer_types");

    [Fact]
    public void Gemma2_keeps_its_index_rule_when_it_still_fits_and_gets_layer_types_when_it_does_not()
    {
        using var bench = FamilyOf(Gemma2());  // layer 0 sliding, layer 1 full

        var repeated = Passthrough(bench, Slice("expert1", 0, 2) + Slice("expert1", 0, 2));
        Assert.Equal([S, F, S, F], Attention(repeated));
        Assert.Null(LayerTypes(repeated));  // Gemma 2's every-other-layer rule already gives it

        var shifted = Passthrough(bench, Slice("expert1", 1, 2) + Slice("expert1", 0, 2));
        Assert.Equal([F, S, F], Given(shifted));
        Assert.Equal([F, S, F], Attention(shifted));
        Assert.Equal(3, (int)shifted["num_hidden_layers"]!);
    }

    [Fact]
    public void Qwen_sliding_tail_is_written_as_max_window_layers_and_any_other_pattern_as_layer_types()
    {
        using var bench = FamilyOf(Qwen3());  // layer 0 full, layer 1 sliding

        var unchanged = Passthrough(bench, Slice("expert1", 0, 2) + Slice("expert1", 1, 2));
        Assert.Equal([F, S, S], Attention(unchanged));
        Assert.Equal(1, (int)unchanged["max_window_layers"]!);
        Assert.Null(LayerTypes(unchanged));

        var tail = Passthrough(bench, Slice("expert1", 0, 1) + Slice("expert1", 0, 2));
        Assert.Equal([F, F, S], Attention(tail));
        Assert.Equal(2, (int)tail["max_window_layers"]!);
        Assert.Null(LayerTypes(tail));

        var mixed = Passthrough(bench, Slice("expert1", 1, 2) + Slice("expert1", 0, 1));
        Assert.Equal([S, F], Given(mixed));
        Assert.Equal([S, F], Attention(mixed));
    }

    [Fact]
    public void A_given_layer_types_is_rewritten_to_the_output_length_from_each_source_models_own_config()
    {
        using var bench = new MergeTestBench();
        bench.Family(2);
        var gemma3 = new JsonObject { ["model_type"] = "gemma3_text", ["sliding_window"] = 4, ["layer_types"] = new JsonArray(S, F) };
        Configure(bench, gemma3, "base", "expert1");
        gemma3["layer_types"] = new JsonArray(F, S);
        Configure(bench, gemma3, "expert2");

        var config = Passthrough(bench, Slice("expert1", 0, 2) + Slice("expert2", 0, 2));
        Assert.Equal([S, F, F, S], Given(config));
        Assert.Equal(4, (int)config["num_hidden_layers"]!);
    }

    [Fact]
    public void Model_types_without_per_layer_attention_and_models_merges_get_no_attention_fields()
    {
        using var bench = new MergeTestBench();
        bench.Family(1);
        var config = Passthrough(bench, Slice("expert1", 1, 2) + Slice("expert1", 0, 2));
        Assert.False(config.ContainsKey("layer_types"));
        Assert.False(config.ContainsKey("max_window_layers"));

        Configure(bench, Gemma2(), "base", "expert1");
        bench.Merge("merge_method: linear\nmodels:\n  - model: base\n    parameters: {weight: 1}\n  - model: expert1\n    parameters: {weight: 1}\n", "whole");
        var whole = JsonNode.Parse(File.ReadAllText(Path.Combine(bench["whole"], "config.json")))!.AsObject();
        Assert.False(whole.ContainsKey("layer_types"));
        Assert.Equal(2, (int)whole["num_hidden_layers"]!);
    }
}
