using SwarmMerge.Merging;

namespace SwarmMerge.Tests;

/// <summary>mergekit-style YAML: structure, parameter kinds and their evaluation, and errors that give the line.</summary>
public sealed class MergeConfigParserTests
{
    private const string Example = """
        merge_method: ties
        base_model: models/base
        models:
          - model: models/math
            parameters: {weight: 1.0, density: 0.5}
          - model: models/code
            parameters:
              weight: [0.2, 1.0]
              density:
                - filter: mlp
                  value: 0.3
                - value: 0.7
        parameters:
          normalize: true
          lambda: 1.0
          int8_mask: true
        dtype: float32
        out_dtype: bfloat16
        tokenizer_source: base
        """;

    private static MergeConfig Parse(string yaml) => MergeConfigParser.Parse(yaml, "test.yml");

    /// <summary>The setting <c>p</c> of a config whose only top-level parameter is <c>p: {yaml}</c>.</summary>
    private static ParameterSetting Setting(string yaml) =>
        Parse($"merge_method: linear\nmodels: [a]\nparameters:\n  p: {yaml}\n").Parameters["p"];

    private static MergeConfigException Fails(string yaml) => Assert.Throws<MergeConfigException>(() => Parse(yaml));

    // ---------------------------------------------------------------- the example

    [Fact]
    public void Example_config_parses_its_top_level_fields()
    {
        var config = Parse(Example);

        Assert.Equal("ties", config.MergeMethod);
        Assert.Equal("models/base", config.BaseModel);
        Assert.Equal(["models/math", "models/code"], config.Models.Select(m => m.Model));
        Assert.Equal("float32", config.DType);
        Assert.Equal("bfloat16", config.OutDType);
        Assert.Equal("base", config.TokenizerSource);
        Assert.Equal(Example, config.SourceText);
    }

    [Fact]
    public void Example_config_top_level_parameters_are_typed()
    {
        var parameters = Parse(Example).Parameters;

        Assert.Equal(["int8_mask", "lambda", "normalize"], parameters.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new ScalarSetting(true), parameters["normalize"]);
        Assert.Equal(new ScalarSetting(1.0), parameters["lambda"]);
        Assert.Equal(new ScalarSetting(true), parameters["int8_mask"]);
    }

    [Fact]
    public void Example_config_flow_mapping_parameters_are_scalars()
    {
        var parameters = Parse(Example).Models[0].Parameters;

        Assert.Equal(1.0, Assert.IsType<ScalarSetting>(parameters["weight"]).Value);
        Assert.Equal(0.5, Assert.IsType<ScalarSetting>(parameters["density"]).Value);
    }

    [Fact]
    public void Example_config_gradient_interpolates_over_t()
    {
        var weight = Parse(Example).Models[1].Parameters["weight"];

        Assert.Equal([0.2, 1.0], Assert.IsType<GradientSetting>(weight).Points);
        Assert.Equal(0.2, (double)weight.Evaluate("any", 0)!, 12);
        Assert.Equal(0.6, (double)weight.Evaluate("any", 0.5)!, 12);
        Assert.Equal(1.0, (double)weight.Evaluate("any", 1)!, 12);
    }

    [Fact]
    public void Example_config_filtered_density_picks_by_tensor_name()
    {
        var density = Parse(Example).Models[1].Parameters["density"];

        Assert.IsType<ConditionalSetting>(density);
        Assert.Equal(0.3, density.Evaluate("model.layers.0.mlp.up_proj.weight", 0));
        Assert.Equal(0.7, density.Evaluate("model.layers.0.self_attn.q_proj.weight", 0));
    }

    // ---------------------------------------------------------------- evaluation

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.25, 2.0)]  // half way between the first two points
    [InlineData(0.5, 3.0)]
    [InlineData(0.75, 2.5)]  // half way between the last two points
    [InlineData(1.0, 2.0)]
    public void Three_point_gradient_interpolates_between_neighbours(double t, double expected)
    {
        Assert.Equal(expected, (double)Setting("[1.0, 3.0, 2.0]").Evaluate("w", t)!, 12);
    }

    [Fact]
    public void Single_point_gradient_is_constant()
    {
        var setting = Setting("[0.4]");
        Assert.Equal(0.4, setting.Evaluate("w", 0));
        Assert.Equal(0.4, setting.Evaluate("w", 1));
    }

    [Theory]
    [InlineData("model.layers.0.self_attn.q_proj.weight", 1.0)] // first match wins over the later 'attn'
    [InlineData("model.layers.0.cross_attn.q_proj.weight", 2.0)]
    [InlineData("model.layers.0.mlp.up_proj.weight", 3.0)]      // no filter: the default
    public void Filter_list_takes_the_first_substring_match(string tensor, double expected)
    {
        var setting = Setting("[{filter: self_attn, value: 1}, {filter: attn, value: 2}, {value: 3}]");
        Assert.Equal(expected, setting.Evaluate(tensor, 0));
    }

    [Fact]
    public void Star_filter_matches_every_tensor()
    {
        var setting = Setting("[{filter: '*', value: 5}, {filter: mlp, value: 6}]");
        Assert.Equal(5.0, setting.Evaluate("model.layers.0.mlp.up_proj.weight", 0));
        Assert.Equal(5.0, setting.Evaluate("lm_head.weight", 0));
    }

    [Fact]
    public void Filter_list_without_a_match_gives_null()
    {
        var setting = Setting("[{filter: mlp, value: 1}]");
        Assert.Null(setting.Evaluate("model.layers.0.self_attn.q_proj.weight", 0));
    }

    [Fact]
    public void Single_filter_mapping_is_a_one_entry_filter_list()
    {
        var setting = Setting("{filter: mlp, value: 0.3}");
        Assert.IsType<ConditionalSetting>(setting);
        Assert.Equal(0.3, setting.Evaluate("x.mlp.y", 0));
        Assert.Null(setting.Evaluate("x.attn.y", 0));
    }

    [Fact]
    public void Filtered_value_may_be_a_gradient()
    {
        var setting = Setting("[{filter: mlp, value: [0.0, 1.0]}, {value: 9}]");
        Assert.Equal(0.5, (double)setting.Evaluate("x.mlp.y", 0.5)!, 12);
        Assert.Equal(9.0, setting.Evaluate("x.attn.y", 0.5));
    }

    [Theory]
    [InlineData(0.0, "a")]
    [InlineData(0.49, "a")]
    [InlineData(0.5, "b")]
    [InlineData(0.99, "b")]
    [InlineData(1.0, "c")]
    public void String_list_steps_over_t(double t, string expected)
    {
        var setting = Setting("[a, b, c]");
        Assert.IsType<SteppedSetting>(setting);
        Assert.Equal(expected, setting.Evaluate("w", t));
    }

    [Fact]
    public void Boolean_list_is_a_gradient_of_ones_and_zeros_as_mergekit_reads_it()
    {
        var setting = Setting("[true, false]");
        Assert.Equal([1.0, 0.0], Assert.IsType<GradientSetting>(setting).Points);
        Assert.Equal(0.5, setting.Evaluate("w", 0.5)); // a flag reading this is true (non-zero), as in mergekit
        Assert.Equal(0.0, setting.Evaluate("w", 1));
    }

    // ---------------------------------------------------------------- scalar typing (PyYAML safe_load, then pydantic)

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("True", true)]
    [InlineData("yes", true)] // YAML 1.1
    [InlineData("No", false)]
    [InlineData("on", true)]
    [InlineData("OFF", false)]
    public void Plain_booleans_are_bools(string yaml, bool expected)
    {
        Assert.Equal(new ScalarSetting(expected), Setting(yaml));
    }

    // Each value was checked against PyYAML 6 safe_load + pydantic 2 (mergekit's ParameterSetting).
    [Theory]
    [InlineData("1", 1.0)]
    [InlineData("1.0", 1.0)]
    [InlineData("-0.25", -0.25)]
    [InlineData("1e-3", 0.001)]          // text in YAML 1.1 (no dot), a float to pydantic
    [InlineData("1e+3", 1000.0)]
    [InlineData(".5", 0.5)]
    [InlineData("1_000", 1000.0)]        // YAML 1.1 integer with separators
    [InlineData("0x10", 16.0)]           // YAML 1.1 hexadecimal
    [InlineData("010", 8.0)]             // YAML 1.1 octal
    [InlineData("0b101", 5.0)]
    [InlineData("1:30", 90.0)]           // YAML 1.1 sexagesimal
    [InlineData("\"0.5\"", 0.5)]         // quoted: pydantic reads the text as a float
    [InlineData("' 0.5 '", 0.5)]
    [InlineData("\"1e-3\"", 0.001)]
    [InlineData("\"5.\"", 5.0)]
    [InlineData("\"+1.5\"", 1.5)]
    [InlineData("\"-.5\"", -0.5)]
    [InlineData("\"1_000\"", 1000.0)]
    [InlineData("\"1_0.5\"", 10.5)]
    [InlineData("\"010\"", 10.0)]        // quoted: decimal, not octal
    [InlineData("\"1E3\"", 1000.0)]
    public void Numbers_are_read_as_mergekit_reads_them(string yaml, double expected)
    {
        Assert.Equal(new ScalarSetting(expected), Setting(yaml));
    }

    [Theory]
    [InlineData(".inf", double.PositiveInfinity)]
    [InlineData("-.inf", double.NegativeInfinity)]
    [InlineData("\"inf\"", double.PositiveInfinity)]
    [InlineData("\"-Infinity\"", double.NegativeInfinity)]
    [InlineData("\"nan\"", double.NaN)]
    [InlineData(".NaN", double.NaN)]
    public void Infinities_and_NaN_are_numbers(string yaml, double expected)
    {
        Assert.Equal(expected, (double)Assert.IsType<ScalarSetting>(Setting(yaml)).Value);
    }

    // pydantic refuses these as floats, so they stay text (mergekit would reject the config; here a method
    // reading them as numbers reports the tensor and value).
    [Theory]
    [InlineData("'true'", "true")]
    [InlineData("\"yes\"", "yes")]
    [InlineData("\"0x10\"", "0x10")]
    [InlineData("\"1,5\"", "1,5")]
    [InlineData("\"1__0\"", "1__0")]
    [InlineData("\"_1\"", "_1")]
    [InlineData("\"5e\"", "5e")]
    [InlineData("\"- 1\"", "- 1")]
    [InlineData("magnitude", "magnitude")]
    public void Text_that_is_not_a_number_stays_text(string yaml, string expected)
    {
        Assert.Equal(new ScalarSetting(expected), Setting(yaml));
    }

    [Fact]
    public void Quoted_numbers_in_a_list_make_a_gradient()
    {
        Assert.Equal([0.2, 1.0], Assert.IsType<GradientSetting>(Setting("[\"0.2\", '1']")).Points);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("~")]
    [InlineData("")]
    public void An_empty_parameter_value_is_an_error_with_its_line(string yaml)
    {
        var ex = Fails($"merge_method: linear\nmodels: [a]\nparameters:\n  p: {yaml}\n");
        Assert.StartsWith("test.yml: line 4:", ex.Message);
        Assert.Contains("empty", ex.Message);
    }

    // ---------------------------------------------------------------- slices

    private const string Slices = """
        merge_method: slerp
        base_model: a
        slices:
          - sources:
              - model: a
                layer_range: [0, 4]
                parameters: {weight: 0.3}
              - model: b
                layer_range: ["2", 6.0]
              - model: d
                layer_range: [false, " 4 "]
            parameters:
              t: [0, 1]
          - sources:
              - model: c
                layer_range: [4, 5]
            base_model: c
            residual_weight: 0.5
        parameters:
          t: 0.5
        """;

    [Fact]
    public void Slices_parse_sources_ranges_and_parameters()
    {
        var config = Parse(Slices);

        Assert.Empty(config.Models);
        var slices = Assert.IsAssignableFrom<IReadOnlyList<OutputSlice>>(config.Slices);
        Assert.Equal(2, slices.Count);
        Assert.Equal(["a", "b", "d"], slices[0].Sources.Select(s => s.Model));
        Assert.Equal((0, 4), (slices[0].Sources[0].Start, slices[0].Sources[0].End));
        Assert.Equal((2, 6), (slices[0].Sources[1].Start, slices[0].Sources[1].End)); // pydantic ints: "2" and 6.0
        Assert.Equal((0, 4), (slices[0].Sources[2].Start, slices[0].Sources[2].End)); // and false, " 4 "
        Assert.Equal(new ScalarSetting(0.3), slices[0].Sources[0].Parameters["weight"]);
        Assert.Empty(slices[0].Sources[1].Parameters);
        Assert.Equal([0.0, 1.0], Assert.IsType<GradientSetting>(slices[0].Parameters["t"]).Points);
        Assert.Null(slices[0].BaseModel);
        Assert.Equal("c", slices[1].BaseModel);
        Assert.Equal(1, slices[1].Sources[0].Length);
    }

    [Fact]
    public void Sources_of_a_slice_must_have_equal_lengths()
    {
        var ex = Fails("merge_method: linear\nslices:\n  - sources:\n      - {model: a, layer_range: [0, 4]}\n      - {model: b, layer_range: [0, 3]}\n");
        Assert.StartsWith("test.yml: line 3:", ex.Message);
        Assert.Contains("same number of layers", ex.Message);
        Assert.Contains("4, 3", ex.Message);
    }

    [Theory]
    [InlineData("[4, 2]", "0 <= first <= end")]
    [InlineData("[-1, 2]", "0 <= first <= end")]
    [InlineData("[0]", "two layer numbers")]
    [InlineData("[0, 1.5]", "whole number")]
    [InlineData("[0, \"0x10\"]", "whole number")]
    public void Layer_range_must_be_two_ordered_layer_numbers(string range, string message)
    {
        var ex = Fails($"merge_method: linear\nslices:\n  - sources:\n      - model: a\n        layer_range: {range}\n");
        Assert.StartsWith("test.yml: line 5:", ex.Message);
        Assert.Contains(message, ex.Message);
    }

    [Theory]
    [InlineData("  - sources: []\n", "needs 'sources'")]
    [InlineData("  - sources:\n      - {model: a}\n", "needs 'model' and 'layer_range'")]
    [InlineData("  - sources:\n      - {model: a, layer_range: [0, 1], weight: 1}\n", "unknown key 'weight' in a slice source")]
    [InlineData("  - {sources: [{model: a, layer_range: [0, 1]}], extra: 1}\n", "unknown key 'extra' in a slice")]
    public void Malformed_slices_are_errors_with_their_line(string slice, string message)
    {
        var ex = Fails("merge_method: linear\nslices:\n" + slice);
        Assert.StartsWith("test.yml: line ", ex.Message);
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void An_empty_slices_list_counts_as_absent_as_in_mergekit()
    {
        Assert.Null(Parse("merge_method: linear\nmodels: [a]\nslices: []\n").Slices);
    }

    [Fact]
    public void Models_and_slices_together_are_an_error()
    {
        var ex = Fails("merge_method: linear\nmodels: [a]\nslices:\n  - sources: [{model: a, layer_range: [0, 1]}]\n");
        Assert.Contains("either 'models' or 'slices'", ex.Message);
    }

    [Fact]
    public void Modules_are_refused_with_the_reason_and_line()
    {
        var ex = Fails("merge_method: linear\nmodules:\n  text: {models: [a]}\n");
        Assert.StartsWith("test.yml: line 2:", ex.Message);
        Assert.Contains("'modules'", ex.Message);
        Assert.Contains("not supported", ex.Message);
    }

    [Fact]
    public void Bare_model_names_are_accepted_in_the_models_list()
    {
        var config = Parse("merge_method: linear\nmodels:\n  - a\n  - b\n");
        Assert.Equal(["a", "b"], config.Models.Select(m => m.Model));
        Assert.All(config.Models, m => Assert.Empty(m.Parameters));
    }

    // ---------------------------------------------------------------- errors

    [Fact]
    public void Unknown_top_level_key_is_an_error_with_its_line()
    {
        var ex = Fails("merge_method: linear\nmodels: [a]\nweights: 3\n");
        Assert.StartsWith("test.yml: line 3:", ex.Message);
        Assert.Contains("unknown key 'weights'", ex.Message);
    }

    [Fact]
    public void Missing_merge_method_is_an_error()
    {
        var ex = Fails("models: [a]\n");
        Assert.Contains("test.yml", ex.Message);
        Assert.Contains("missing 'merge_method'", ex.Message);
    }

    [Theory]
    [InlineData("merge_method: linear\nmodels: []\n")]
    [InlineData("merge_method: linear\n")]
    public void Empty_or_missing_models_is_an_error(string yaml)
    {
        var ex = Fails(yaml);
        Assert.Contains("test.yml", ex.Message);
        Assert.Contains("'models' (or 'slices') must list at least one model", ex.Message);
    }

    [Fact]
    public void Model_entry_without_model_is_an_error_with_its_line()
    {
        var ex = Fails("merge_method: linear\nmodels:\n  - model: a\n  - parameters: {weight: 1}\n");
        Assert.StartsWith("test.yml: line 4:", ex.Message);
        Assert.Contains("model entry without 'model'", ex.Message);
    }

    [Fact]
    public void Invalid_YAML_is_an_error_with_its_line()
    {
        var ex = Fails("merge_method: linear\nmodels: [a]\nbase_model: a: b\n");
        Assert.StartsWith("test.yml: not valid YAML at line 3:", ex.Message);
    }

    [Fact]
    public void Missing_config_file_is_an_error()
    {
        string path = Path.Combine(Path.GetTempPath(), "swarmmerge-absent-" + Guid.NewGuid().ToString("N") + ".yml");
        var ex = Assert.Throws<MergeConfigException>(() => MergeConfigParser.Load(path));
        Assert.Contains("does not exist", ex.Message);
    }
}

/// <summary>t ∈ [0, 1] along the network, by mergekit's rule: layer N of L is N / (L − 1) (1 when L = 1), everything outside the layers 0.</summary>
public sealed class LayerPositionTests
{
    private static readonly string[] Llama =
    [
        "model.embed_tokens.weight",
        .. Enumerable.Range(0, 4).SelectMany(i => new[] { $"model.layers.{i}.self_attn.q_proj.weight", $"model.layers.{i}.mlp.up_proj.weight" }),
        "model.norm.weight",
        "lm_head.weight",
    ];

    [Theory]
    [InlineData("model.layers.0.self_attn.q_proj.weight", 0.0)]
    [InlineData("model.layers.1.mlp.up_proj.weight", 1.0 / 3)]
    [InlineData("model.layers.2.self_attn.q_proj.weight", 2.0 / 3)]
    [InlineData("model.layers.3.mlp.up_proj.weight", 1.0)]
    [InlineData("model.embed_tokens.weight", 0.0)]
    [InlineData("model.norm.weight", 0.0)] // mergekit plans pre- and post-weights with one reader at t = 0
    [InlineData("lm_head.weight", 0.0)]
    public void Llama_names(string name, double expected)
    {
        Assert.Equal(expected, new LayerPosition(Llama).Of(name), 12);
    }

    [Theory]
    [InlineData("transformer.wte.weight", 0.0)]
    [InlineData("transformer.wpe.weight", 0.0)]
    [InlineData("transformer.h.0.attn.c_attn.weight", 0.0)]
    [InlineData("transformer.h.1.mlp.c_fc.weight", 0.5)]
    [InlineData("transformer.h.2.ln_1.weight", 1.0)]
    [InlineData("transformer.ln_f.weight", 0.0)]
    public void Gpt2_names(string name, double expected)
    {
        string[] names =
        [
            "transformer.wte.weight", "transformer.wpe.weight",
            .. Enumerable.Range(0, 3).SelectMany(i => new[] { $"transformer.h.{i}.attn.c_attn.weight", $"transformer.h.{i}.mlp.c_fc.weight", $"transformer.h.{i}.ln_1.weight" }),
            "transformer.ln_f.weight",
        ];
        Assert.Equal(expected, new LayerPosition(names).Of(name), 12);
    }

    [Theory]
    [InlineData("encoder.block.0.layer.0.SelfAttention.q.weight", 0.0)]
    [InlineData("encoder.block.1.layer.1.DenseReluDense.wi.weight", 1.0 / 3)]
    [InlineData("encoder.block.3.layer.0.SelfAttention.q.weight", 1.0)]
    [InlineData("decoder.block.0.layer.1.EncDecAttention.k.weight", 0.0)]
    [InlineData("decoder.block.1.layer.1.EncDecAttention.k.weight", 1.0)] // the decoder has its own count (2)
    [InlineData("shared.weight", 0.0)]
    [InlineData("encoder.final_layer_norm.weight", 0.0)]
    public void T5_encoder_and_decoder_blocks_are_counted_separately(string name, double expected)
    {
        string[] names =
        [
            "shared.weight",
            .. Enumerable.Range(0, 4).SelectMany(i => new[] { $"encoder.block.{i}.layer.0.SelfAttention.q.weight", $"encoder.block.{i}.layer.1.DenseReluDense.wi.weight" }),
            "encoder.final_layer_norm.weight",
            .. Enumerable.Range(0, 2).Select(i => $"decoder.block.{i}.layer.1.EncDecAttention.k.weight"),
            "decoder.final_layer_norm.weight",
        ];
        Assert.Equal(expected, new LayerPosition(names).Of(name), 12);
    }

    [Fact]
    public void GPT_NeoX_input_embedding_and_output_head_both_sit_at_t_zero()
    {
        string[] names = ["gpt_neox.embed_in.weight", "gpt_neox.layers.0.mlp.dense_h_to_4h.weight", "gpt_neox.layers.1.mlp.dense_h_to_4h.weight", "embed_out.weight"];
        var position = new LayerPosition(names);
        Assert.Equal(0.0, position.Of("gpt_neox.embed_in.weight"));
        Assert.Equal(0.0, position.Of("embed_out.weight"));
        Assert.False(LayerPosition.IsEmbedding("embed_out.weight")); // still after the layers (a post-weight for slices)
    }

    [Fact]
    public void A_single_layer_is_at_t_one_as_mergekit_plans_a_one_layer_slice()
    {
        var position = new LayerPosition(["model.layers.0.mlp.up_proj.weight", "model.norm.weight"]);
        Assert.Equal(1.0, position.Of("model.layers.0.mlp.up_proj.weight"));
        Assert.Equal(0.0, position.Of("model.norm.weight"));
    }

    [Fact]
    public void Layer_count_comes_from_the_highest_index_not_from_name_order()
    {
        var position = new LayerPosition(["model.layers.4.mlp.w", "model.layers.0.mlp.w", "model.layers.2.mlp.w"]);
        Assert.Equal(0.5, position.Of("model.layers.2.mlp.w"), 12);
    }
}
