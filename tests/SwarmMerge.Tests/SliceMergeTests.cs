using System.Text.Json.Nodes;
using SwarmMerge.IO;
using SwarmMerge.Merging;

namespace SwarmMerge.Tests;

/// <summary>
/// <c>slices:</c> and <c>passthrough</c> by mergekit's planning rules, checked on invariants (bytes carried through
/// unchanged, hand-computed gradient positions) and on the errors that stop a slice config before anything runs.
/// </summary>
public sealed class SliceMergeTests
{
    private static string[] LayerTensors(int layer) =>
        [$"model.layers.{layer}.self_attn.q_proj.weight", $"model.layers.{layer}.mlp.up_proj.weight", $"model.layers.{layer}.input_layernorm.weight"];

    // base + 1·(expert − base) is the expert up to the last bit of fp32 (τ is not always exact).
    private static void Close(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6 * Math.Max(1, Math.Abs(expected[i])), $"[{i}] = {actual[i]:R}, expected {expected[i]:R}");
        }
    }

    private static int ConfigLayers(MergeTestBench bench, string output) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(bench[output], "config.json")))!["num_hidden_layers"]!.GetValue<int>();

    [Fact]
    public void Passthrough_stacks_layer_ranges_byte_for_byte_and_renumbers_them()
    {
        using var bench = new MergeTestBench();
        bench.Family(2);
        bench.Merge("""
            merge_method: passthrough
            slices:
              - sources: [{model: expert1, layer_range: [0, 2]}]
              - sources: [{model: expert2, layer_range: [1, 2]}]
            """, "out");

        var output = bench.AllBytes("out");
        var expert1 = bench.AllBytes("expert1");
        var expert2 = bench.AllBytes("expert2");
        foreach (int layer in new[] { 0, 1 })
        {
            foreach (string name in LayerTensors(layer))
            {
                Assert.Equal(expert1[name], output[name]);
            }
        }
        foreach (var (output2, input) in LayerTensors(2).Zip(LayerTensors(1)))
        {
            Assert.Equal(expert2[input], output[output2]); // output layer 2 is expert2's layer 1
        }
        Assert.Equal(expert1["model.embed_tokens.weight"], output["model.embed_tokens.weight"]); // before the layers: first slice
        Assert.Equal(expert2["model.norm.weight"], output["model.norm.weight"]); // after the layers: last slice
        Assert.Equal(expert2["lm_head.weight"], output["lm_head.weight"]);
        Assert.Equal(expert2["model.extra_ids"], output["model.extra_ids"]);
        Assert.Equal(3 * 3 + 4, output.Count);
        Assert.Equal(3, ConfigLayers(bench, "out"));
    }

    [Fact]
    public void Output_order_is_pre_weights_then_layers_in_order_then_post_weights()
    {
        using var bench = new MergeTestBench();
        bench.Family(1);
        using var plan = bench.Plan("""
            merge_method: passthrough
            slices:
              - sources: [{model: expert1, layer_range: [1, 2]}]
              - sources: [{model: expert1, layer_range: [0, 2]}]
            """);

        var names = plan.Tensors.Select(t => t.Output.Name).ToList();
        Assert.Equal("model.embed_tokens.weight", names[0]);
        Assert.Equal([0, 0, 0, 1, 1, 1, 2, 2, 2], names.Skip(1).Take(9).Select(n => int.Parse(n.Split('.')[2], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(["model.norm.weight", "lm_head.weight", "model.extra_ids"], names.Skip(10));
        Assert.Equal(3, plan.OutputLayers);
    }

    [Fact]
    public void Gradients_run_over_each_slice_and_tensors_outside_the_layers_sit_at_t_zero()
    {
        using var bench = new MergeTestBench();
        bench.Family(1);
        // task_arithmetic: base + w·τ. The weight gradient [0, 1] is 0 at t = 0 and 1 at t = 1.
        bench.Merge("""
            merge_method: task_arithmetic
            base_model: base
            slices:
              - sources:
                  - {model: base, layer_range: [0, 2]}
                  - {model: expert1, layer_range: [0, 2]}
              - sources:
                  - {model: base, layer_range: [0, 1]}
                  - {model: expert1, layer_range: [0, 1]}
            parameters:
              weight: [0, 1]
            """, "out");

        void Same(string model, string tensor, string output) =>
            Close(bench.Read(model, tensor), bench.Read("out", output));
        foreach (string name in new[] { "model.embed_tokens.weight", "model.norm.weight", "lm_head.weight" })
        {
            Same("base", name, name); // t = 0: weight 0 (SwarmMerge used to put the norm and head at t = 1)
        }
        foreach (var (input, output) in LayerTensors(0).Zip(LayerTensors(0)))
        {
            Same("base", input, output); // first layer of a 2-layer slice: t = 0
        }
        foreach (var (input, output) in LayerTensors(1).Zip(LayerTensors(1)))
        {
            Same("expert1", input, output); // last layer: t = 1, weight 1
        }
        foreach (var (input, output) in LayerTensors(0).Zip(LayerTensors(2)))
        {
            Same("expert1", input, output); // a 1-layer slice sits at t = 1 (mergekit's plan_slice)
        }
    }

    [Fact]
    public void A_model_parameter_filter_sees_the_tensor_name_of_that_model_not_the_renumbered_output()
    {
        using var bench = new MergeTestBench();
        bench.Family(1);
        bench.Merge("""
            merge_method: task_arithmetic
            base_model: base
            slices:
              - sources:
                  - {model: base, layer_range: [1, 2]}
                  - model: expert1
                    layer_range: [1, 2]
                    parameters:
                      weight: [{filter: layers.1., value: 1}, {value: 0}]
            """, "out");

        foreach (var (input, output) in LayerTensors(1).Zip(LayerTensors(0)))
        {
            Close(bench.Read("expert1", input), bench.Read("out", output)); // read as layers.1 → weight 1
        }
        Assert.Equal(bench.Read("base", "lm_head.weight"), bench.Read("out", "lm_head.weight"));
    }

    [Fact]
    public void Passthrough_scale_multiplies_and_a_base_of_the_same_model_is_allowed()
    {
        using var bench = new MergeTestBench();
        bench.Vector("a", 1, -2, 0.5f);
        bench.Merge("merge_method: passthrough\nbase_model: a\nmodels:\n  - model: a\n    parameters: {scale: 2}\n", "out");
        Assert.Equal([2f, -4f, 1f], bench.Read("out", "w"));
    }

    [Fact]
    public void No_copy_tokenizer_leaves_the_tokenizer_files_out_unless_tokenizer_source_is_given()
    {
        using var bench = new MergeTestBench();
        bench.Vector("a", 1, 2);
        File.WriteAllText(Path.Combine(bench["a"], "tokenizer.json"), "{}");
        const string Yaml = "merge_method: passthrough\nmodels: [a]\n";
        bench.Merge(Yaml, "copied", new MergeOptions { Threads = 1 });
        bench.Merge(Yaml, "bare", new MergeOptions { Threads = 1, CopyTokenizer = false });
        bench.Merge(Yaml + "tokenizer_source: base\n", "named", new MergeOptions { Threads = 1, CopyTokenizer = false });
        Assert.True(File.Exists(Path.Combine(bench["copied"], "tokenizer.json")));
        Assert.False(File.Exists(Path.Combine(bench["bare"], "tokenizer.json")));
        Assert.True(File.Exists(Path.Combine(bench["named"], "tokenizer.json")));
    }

    [Fact]
    public void GPT2_style_configs_get_n_layer()
    {
        using var bench = new MergeTestBench();
        var config = new JsonObject { ["model_type"] = "gpt2", ["n_layer"] = 2 };
        TestModels.Write(bench["g"], Enumerable.Range(0, 2).Select(i => new TestTensor($"transformer.h.{i}.ln_1.weight", TensorDType.F32, [2], [i, i]))
            .Append(new TestTensor("transformer.wte.weight", TensorDType.F32, [2], [5, 6])), config);
        bench.Merge("merge_method: passthrough\nslices:\n  - sources: [{model: g, layer_range: [0, 2]}]\n  - sources: [{model: g, layer_range: [0, 2]}]\n", "out");
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(bench["out"], "config.json")))!;
        Assert.Equal(4, written["n_layer"]!.GetValue<int>());
        Assert.Null(written["num_hidden_layers"]);
        Assert.Equal([1f, 1f], bench.Read("out", "transformer.h.3.ln_1.weight"));
    }

    // ---------------------------------------------------------------- refused before anything runs

    private static string PlanError(MergeTestBench bench, string yaml) =>
        Assert.ThrowsAny<Exception>(() => bench.Plan(yaml).Dispose()).Message;

    [Fact]
    public void A_layer_range_past_the_end_of_the_model_is_named()
    {
        using var bench = new MergeTestBench();
        bench.Family(1);
        string message = PlanError(bench, "merge_method: passthrough\nslices:\n  - sources: [{model: expert1, layer_range: [1, 3]}]\n");
        Assert.Contains("slices[0].sources[0]", message);
        Assert.Contains("[1, 3]", message);
        Assert.Contains("has 2 layers", message);
    }

    [Fact]
    public void A_model_twice_in_one_slice_is_refused()
    {
        using var bench = new MergeTestBench();
        bench.Family(1);
        string message = PlanError(bench, "merge_method: linear\nslices:\n  - sources:\n      - {model: expert1, layer_range: [0, 1]}\n      - {model: expert1, layer_range: [1, 2]}\n");
        Assert.Contains("slices[0]", message);
        Assert.Contains("more than once", message);
    }

    [Fact]
    public void A_method_that_needs_a_base_needs_it_among_the_slice_sources()
    {
        using var bench = new MergeTestBench();
        bench.Family(2);
        string message = PlanError(bench, "merge_method: ties\nbase_model: base\nparameters: {weight: 1}\nslices:\n  - sources:\n      - {model: expert1, layer_range: [0, 2]}\n      - {model: expert2, layer_range: [0, 2]}\n");
        Assert.Contains("slices[0]", message);
        Assert.Contains("must be one of the slice's sources", message);
        Assert.Contains("needs 'base_model'", PlanError(bench, "merge_method: ties\nslices:\n  - sources: [{model: expert1, layer_range: [0, 2]}]\n"));
    }

    [Fact]
    public void Passthrough_takes_one_model_and_no_other_base()
    {
        using var bench = new MergeTestBench();
        bench.Family(2);
        Assert.Contains("exactly one model", PlanError(bench, "merge_method: passthrough\nslices:\n  - sources:\n      - {model: expert1, layer_range: [0, 2]}\n      - {model: expert2, layer_range: [0, 2]}\n"));
        Assert.Contains("would be a second one", PlanError(bench, "merge_method: passthrough\nbase_model: base\nmodels: [expert1]\n"));
    }

    [Fact]
    public void Models_without_one_stack_of_numbered_layers_cannot_be_sliced()
    {
        using var bench = new MergeTestBench();
        bench.Vector("flat", 1, 2);
        TestModels.Write(bench["t5"], [new("encoder.block.0.x", TensorDType.F32, [1], [1]), new("decoder.block.0.x", TensorDType.F32, [1], [1])]);
        Assert.Contains("no numbered layers", PlanError(bench, "merge_method: passthrough\nslices:\n  - sources: [{model: flat, layer_range: [0, 1]}]\n"));
        Assert.Contains("2 stacks of numbered layers", PlanError(bench, "merge_method: passthrough\nslices:\n  - sources: [{model: t5, layer_range: [0, 1]}]\n"));
    }

    [Fact]
    public void Whole_model_sparsify_scope_refuses_slices_that_merge_different_models()
    {
        using var bench = new MergeTestBench();
        bench.Family(2);
        var ex = Assert.Throws<MergeConfigException>(() => bench.Merge("""
            merge_method: ties
            base_model: base
            parameters: {weight: 1, density: 0.5, sparsify_scope: model}
            slices:
              - sources: [{model: base, layer_range: [0, 1]}, {model: expert1, layer_range: [0, 1]}]
              - sources: [{model: base, layer_range: [1, 2]}, {model: expert2, layer_range: [1, 2]}]
            """, "out"));
        Assert.Contains("sparsify_scope: model", ex.Message);
        Assert.False(Directory.Exists(bench["out"]));
    }
}
