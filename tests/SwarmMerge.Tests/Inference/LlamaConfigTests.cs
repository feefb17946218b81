using System.Text.Json.Nodes;
using SwarmMerge.Inference;
using SwarmMerge.IO;
using SwarmMerge.Models;

namespace SwarmMerge.Tests.Inference;

/// <summary>
/// How the newer Llama-style configs (Qwen3, Phi-3, Gemma 2, Gemma 3 text) are read: Hugging Face's defaults, the fields
/// refused before anything is built (with the file and field named), and equivalent spellings of one model.
/// </summary>
public sealed class LlamaConfigTests : IDisposable
{
    private const string Source = "models/x/config.json";

    private readonly string _root = Directory.CreateTempSubdirectory("swarmmerge-llama-configs-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static ModelConfigException Refused(JsonObject config) =>
        Assert.Throws<ModelConfigException>(() => CausalLanguageModel.Create(config, new InferenceOptions { Threads = 1 }, Source));

    private static void AssertRefused(JsonObject config, string field, params string[] words)
    {
        var error = Refused(config);
        Assert.StartsWith(Source + ": ", error.Message);
        Assert.Contains($"'{field}'", error.Message);
        foreach (string word in words)
        {
            Assert.Contains(word, error.Message);
        }
    }

    private static JsonObject With(JsonObject config, string field, JsonNode? value) => RandomCheckpoints.With(config, (field, value));

    private static int[]? WindowsOf(JsonObject config) => LlamaConfigs.Read(new ConfigReader(config, Source), (string)config["model_type"]!)
        .LayerWindows?.ToArray();

    [Fact]
    public void Qwen2_and_Qwen3_slide_from_max_window_layers_on_only_with_use_sliding_window_as_their_configs_derive_it()
    {
        // RandomCheckpoints' Llama configs have 2 layers. Qwen2Config / Qwen3Config: the window counts only with
        // use_sliding_window (default 4096, null: none); layer i slides when i >= max_window_layers (default 28).
        foreach (var qwen in new[] { RandomCheckpoints.Qwen3(), RandomCheckpoints.With(RandomCheckpoints.Llama("qwen2", true), ("use_sliding_window", false)) })
        {
            JsonObject Set(params (string, JsonNode?)[] fields) => RandomCheckpoints.With((JsonObject)qwen.DeepClone(), fields);
            Assert.Equal(2, (int)qwen["num_hidden_layers"]!);
            Assert.Null(WindowsOf(Set()));
            Assert.Null(WindowsOf(Set(("sliding_window", 6), ("max_window_layers", 0))));
            Assert.Null(WindowsOf(Set(("use_sliding_window", true))));  // max_window_layers 28 ≥ 2 layers
            Assert.Equal(new[] { 0, 6 }, WindowsOf(Set(("use_sliding_window", true), ("sliding_window", 6), ("max_window_layers", 1))));
            Assert.Equal(new[] { 4096, 4096 }, WindowsOf(Set(("use_sliding_window", true), ("max_window_layers", 0))));
            Assert.Null(WindowsOf(Set(("use_sliding_window", true), ("sliding_window", null), ("max_window_layers", 0))));
            // layer_types, when given, names the sliding layers instead.
            Assert.Equal(new[] { 6, 0 }, WindowsOf(Set(("use_sliding_window", true), ("sliding_window", 6), ("max_window_layers", 1),
                ("layer_types", new JsonArray("sliding_attention", "full_attention")))));
            AssertRefused(Set(("layer_types", new JsonArray("sliding_attention", "full_attention"))), "layer_types", "no sliding window");
        }
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("llama3")]
    [InlineData("dynamic")]
    public void Phi3_rope_scaling_other_than_longrope_is_refused_by_type(string type)
    {
        var scaling = new JsonObject { ["type"] = type, ["short_factor"] = new JsonArray(1.0, 1.0), ["long_factor"] = new JsonArray(2.0, 2.0), ["factor"] = 2.0 };
        AssertRefused(With(RandomCheckpoints.Phi3(), "rope_scaling", scaling), "rope_scaling", $"'{type}'", "supported: default, longrope");
    }

    private static JsonObject LongRopeScaling(string type = "longrope") =>
        new() { ["type"] = type, ["short_factor"] = new JsonArray(1.0, 1.5), ["long_factor"] = new JsonArray(2.0, 8.0) };

    [Theory]
    [InlineData("longrope")]
    [InlineData("su")]     // Phi3Config renames su and yarn to longrope
    [InlineData("yarn")]
    public void Phi3_longrope_divides_the_default_frequencies_by_each_factor_list_as_Phi3Config_reads_it(string type)
    {
        // RandomCheckpoints.Phi3: head_dim 32 / 4 = 8, partial_rotary_factor 0.5: 4 rotated dims, frequencies 1 and 1e4^(-1/2).
        JsonObject Config() => With(With(RandomCheckpoints.Phi3(), "rope_scaling", LongRopeScaling(type)), "max_position_embeddings", 131072);
        var config = Config();
        var rope = LlamaConfigs.Read(new ConfigReader(config, Source), "phi3").LongRope!;
        Assert.Equal(new[] { 1f, 1 / (1.5f * 100f) }, rope.Short);
        Assert.Equal(new[] { 0.5f, 1 / (8f * 100f) }, rope.Long);
        Assert.Equal(4096, rope.OriginalContext);  // Phi3Config's default original_max_position_embeddings
        // √(1 + ln 32 / ln 4096) = √(1 + 5/12)
        Assert.Equal(MathF.Sqrt(17f / 12f), rope.AttentionFactor, 6);

        var explicitFactor = With(With(Config(), "original_max_position_embeddings", 8), "rope_scaling",
            RandomCheckpoints.With(LongRopeScaling(type), ("attention_factor", 1.25)));
        rope = LlamaConfigs.Read(new ConfigReader(explicitFactor, Source), "phi3").LongRope!;
        Assert.Equal((8, 1.25f), (rope.OriginalContext, rope.AttentionFactor));
        // A context no longer than the original one: no attention factor.
        var unscaled = With(With(Config(), "max_position_embeddings", 4096), "original_max_position_embeddings", 4096);
        Assert.Equal(1f, LlamaConfigs.Read(new ConfigReader(unscaled, Source), "phi3").LongRope!.AttentionFactor);
    }

    [Fact]
    public void Phi3_longrope_factor_lists_must_hold_one_positive_number_per_rotated_pair()
    {
        var phi3 = RandomCheckpoints.Phi3();
        JsonObject Scaling(params (string, JsonNode?)[] fields) => With(phi3, "rope_scaling", RandomCheckpoints.With(LongRopeScaling(), fields));
        AssertRefused(Scaling(("short_factor", new JsonArray(1.0, 1.0, 1.0))), "rope_scaling.short_factor", "3 entries, not 2");
        AssertRefused(Scaling(("long_factor", new JsonArray(1.0, -2.0))), "rope_scaling.long_factor", "index 1");
        AssertRefused(Scaling(("long_factor", null)), "rope_scaling.long_factor", "missing");
        AssertRefused(Scaling(("short_factor", "1.0")), "rope_scaling.short_factor", "not a list");
    }

    [Theory]
    [InlineData(0.45)]   // head_dim 8: int(3.6) = 3 dimensions, odd
    [InlineData(0.2)]    // int(1.6) = 1
    [InlineData(1.5)]    // more than head_dim
    public void Phi3_partial_rotary_factor_must_rotate_an_even_count_of_at_most_head_dim(double factor)
    {
        AssertRefused(With(RandomCheckpoints.Phi3(), "partial_rotary_factor", factor), "partial_rotary_factor", "even");
    }

    [Theory]
    [InlineData("qwen3")]
    [InlineData("gemma2")]
    [InlineData("gemma3_text")]
    public void Partial_rotary_factor_is_refused_where_the_model_type_rotates_every_dimension(string modelType)
    {
        var config = modelType == "qwen3" ? RandomCheckpoints.Qwen3() : RandomCheckpoints.Gemma(modelType);
        AssertRefused(With(config, "partial_rotary_factor", 0.5), "partial_rotary_factor", "not 1");
    }

    [Theory]
    [InlineData("gemma2")]
    [InlineData("gemma3_text")]
    public void Gemma_bidirectional_attention_is_refused(string modelType)
    {
        AssertRefused(With(RandomCheckpoints.Gemma(modelType), "use_bidirectional_attention", true), "use_bidirectional_attention", "causal");
    }

    [Fact]
    public void Gemma_layer_types_must_name_each_layer_sliding_or_full()
    {
        AssertRefused(With(RandomCheckpoints.Gemma("gemma3_text"), "layer_types", new JsonArray("sliding_attention", "full_attention")),
            "layer_types", "2 entries", "num_hidden_layers (3)");
        AssertRefused(With(RandomCheckpoints.Gemma("gemma3_text"), "layer_types", new JsonArray("sliding_attention", "chunked_attention", "full_attention")),
            "layer_types", "entry 1", "'chunked_attention'");
        AssertRefused(With(RandomCheckpoints.Gemma("gemma2"), "layer_types", new JsonArray(1, 2)), "layer_types", "not a string");
    }

    [Fact]
    public void Gemma3_rope_types_are_checked_per_layer_type()
    {
        var config = RandomCheckpoints.Gemma("gemma3_text");
        config["rope_parameters"] = new JsonObject
        {
            ["full_attention"] = new JsonObject { ["rope_type"] = "yarn", ["factor"] = 4.0, ["rope_theta"] = 1e6 },
            ["sliding_attention"] = new JsonObject { ["rope_type"] = "default", ["rope_theta"] = 1e4 },
        };
        config.Remove("rope_scaling");
        AssertRefused(config, "rope_parameters.full_attention", "'yarn'");
    }

    [Fact]
    public void Gemma_hidden_size_must_be_a_multiple_of_the_heads()
    {
        var config = With(RandomCheckpoints.Gemma("gemma2"), "num_attention_heads", 5);
        AssertRefused(With(config, "num_key_value_heads", 1), "hidden_size", "multiple");
    }

    [Fact]
    public void Defaults_follow_the_config_classes()
    {
        // Qwen3Config's head_dim defaults to 128 whatever hidden / heads is; Gemma's to 256 and its head is tied.
        var qwen3 = RandomCheckpoints.Qwen3(tied: false);
        qwen3.Remove("head_dim");
        var specs = RandomCheckpoints.SpecsOf(qwen3).ToDictionary(s => s.Name);
        Assert.Equal([4 * 128, 32], specs["model.layers.0.self_attn.q_proj.weight"].Shape);
        Assert.Equal([128], specs["model.layers.0.self_attn.q_norm.weight"].Shape);
        Assert.Contains("lm_head.weight", specs.Keys);

        var gemma = RandomCheckpoints.Gemma("gemma2");
        gemma.Remove("head_dim");
        specs = RandomCheckpoints.SpecsOf(gemma).ToDictionary(s => s.Name);
        Assert.Equal([4 * 256, 32], specs["model.layers.0.self_attn.q_proj.weight"].Shape);
        Assert.DoesNotContain("lm_head.weight", specs.Keys);
        Assert.Contains("model.layers.1.pre_feedforward_layernorm.weight", specs.Keys);

        var phi3 = RandomCheckpoints.Phi3();
        specs = RandomCheckpoints.SpecsOf(phi3).ToDictionary(s => s.Name);
        Assert.Equal([(4 + 2 * 2) * 8, 32], specs["model.layers.0.self_attn.qkv_proj.weight"].Shape);
        Assert.Equal([2 * 48, 32], specs["model.layers.0.mlp.gate_up_proj.weight"].Shape);
        Assert.DoesNotContain(specs.Keys, name => name.Contains("q_proj") || name.Contains(".gate_proj"));
    }

    private float[] LogitsOf(string name, JsonObject config, string weights)
    {
        using var source = Checkpoint.Open(weights);
        string directory = Path.Combine(_root, name);
        Directory.CreateDirectory(directory);
        foreach (string file in Directory.GetFiles(weights).Where(f => !f.EndsWith("config.json", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)), overwrite: true);
        }
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString());
        using var checkpoint = Checkpoint.Open(directory);
        using var model = CausalLanguageModel.Open(checkpoint, new InferenceOptions { Threads = 2 });
        return model.Logits([[5, 6, 7, 8, 9, 10, 11, 12]])[0].Values;
    }

    [Fact]
    public void Gemma3_layer_types_and_rope_parameters_by_layer_type_spell_the_same_model()
    {
        var legacy = RandomCheckpoints.Gemma("gemma3_text");
        legacy["rope_theta"] = 1e6;
        legacy["rope_local_base_freq"] = 1e4;
        string weights = RandomCheckpoints.Write(Path.Combine(_root, "weights"), legacy, seed: 3);
        var expected = LogitsOf("legacy", legacy, weights);

        var byLayerType = (JsonObject)legacy.DeepClone();
        byLayerType.Remove("sliding_window_pattern");
        byLayerType.Remove("rope_theta");
        byLayerType.Remove("rope_local_base_freq");
        byLayerType.Remove("rope_scaling");
        byLayerType["layer_types"] = new JsonArray("sliding_attention", "sliding_attention", "full_attention");
        byLayerType["rope_parameters"] = new JsonObject
        {
            ["full_attention"] = new JsonObject { ["rope_type"] = "linear", ["factor"] = 8.0, ["rope_theta"] = 1e6 },
            ["sliding_attention"] = new JsonObject { ["rope_type"] = "default", ["rope_theta"] = 1e4 },
        };
        Assert.Equal(expected, LogitsOf("by-layer-type", byLayerType, weights));

        // And the pattern matters: another one (layer 1 full) gives other logits.
        var other = (JsonObject)legacy.DeepClone();
        other["sliding_window_pattern"] = 2;
        Assert.NotEqual(expected, LogitsOf("pattern-2", other, weights));
    }

    [Fact]
    public void Gemma3_ignores_attn_logit_softcapping_as_transformers_does_and_Gemma2_applies_it()
    {
        // Gemma3Attention never passes attn_logit_softcapping to its attention function; Gemma2Attention does.
        foreach (string modelType in new[] { "gemma3_text", "gemma2" })
        {
            var config = RandomCheckpoints.Gemma(modelType);
            config["attn_logit_softcapping"] = null;
            string weights = RandomCheckpoints.Write(Path.Combine(_root, modelType + "-weights"), config, seed: 4);
            var uncapped = LogitsOf(modelType + "-uncapped", config, weights);
            var capped = LogitsOf(modelType + "-capped", With((JsonObject)config.DeepClone(), "attn_logit_softcapping", 0.5), weights);
            if (modelType == "gemma3_text")
            {
                Assert.Equal(uncapped, capped);
            }
            else
            {
                Assert.NotEqual(uncapped, capped);
            }
        }
    }

    [Fact]
    public void Gemma2_soft_caps_default_to_50_and_30_and_null_turns_them_off()
    {
        var config = RandomCheckpoints.Gemma("gemma2");
        config.Remove("attn_logit_softcapping");
        config.Remove("final_logit_softcapping");
        string weights = RandomCheckpoints.Write(Path.Combine(_root, "caps-weights"), config, seed: 5);
        var defaults = LogitsOf("caps-default", config, weights);
        var explicitDefaults = (JsonObject)config.DeepClone();
        explicitDefaults["attn_logit_softcapping"] = 50.0;
        explicitDefaults["final_logit_softcapping"] = 30.0;
        Assert.Equal(defaults, LogitsOf("caps-explicit", explicitDefaults, weights));
        var off = (JsonObject)config.DeepClone();
        off["attn_logit_softcapping"] = null;
        off["final_logit_softcapping"] = null;
        Assert.NotEqual(defaults, LogitsOf("caps-off", off, weights));
    }
}
