using System.Text.Json.Nodes;
using SwarmMerge.IO;
using SwarmMerge.Merging;
using SwarmMerge.Models;

namespace SwarmMerge.Tests.Adapters;

/// <summary>Adapters SwarmMerge does not support, or that do not fit their base, are refused with the file and the field or tensor named.</summary>
public sealed class LoraRefusalTests : IDisposable
{
    private readonly TestModels.TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Edited(string adapter, Action<JsonObject> edit)
    {
        string folder = LoraFixtures.Copy(adapter, _temp[adapter + "-" + Guid.NewGuid().ToString("N")[..6]]);
        string path = Path.Combine(folder, LoraConfig.FileName);
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(config);
        File.WriteAllText(path, config.ToJsonString());
        return folder;
    }

    private static AdapterFormatException Refused(string baseModel, string adapter)
    {
        using var opener = new ModelOpener();
        return Assert.Throws<AdapterFormatException>(() => opener.Open(new ModelReference(baseModel, adapter)));
    }

    public static TheoryData<string, string, string> ConfigRefusals() => new()
    {
        { "use_dora", "true", "DoRA" },
        { "peft_type", "\"IA3\"", "only LORA adapters" },
        { "lora_bias", "true", "bias on lora_B" },
        { "init_lora_weights", "\"pissa_niter_4\"", "rewrites the base weights" },
        { "alora_invocation_tokens", "[1, 2]", "cannot be folded" },
        { "r", "8", "has rank 4, but adapter_config.json gives module 'model.layers.0.self_attn.q_proj' rank 8" },
        { "target_modules", "[\"q_proj\"]", "target_modules does not select" },
        { "target_modules", "[\"q_proj\", \"v_proj\", \"down_proj\", \"k_proj\"]", "selects module 'model.layers.0.self_attn.k_proj', but the file has no LoRA weights for it" },
        { "target_modules", "[\"nothing\"]", "does not select" },
        { "modules_to_save", "[\"lm_head\"]", "modules_to_save covers module 'lm_head', but the file lacks its tensor 'base_model.model.lm_head.weight'" },
    };

    [Theory]
    [MemberData(nameof(ConfigRefusals))]
    public void Unsupported_or_inconsistent_configs_are_refused_naming_the_field(string field, string json, string reason)
    {
        string adapter = Edited("llama-plain", c => c[field] = JsonNode.Parse(json));
        var error = Refused(LoraFixtures.Path("llama"), adapter);
        Assert.Contains(reason, error.Message);
        Assert.Contains(adapter, error.Message);
    }

    [Fact]
    public void An_adapter_for_another_architecture_is_refused()
    {
        var error = Refused(LoraFixtures.Path("gpt2"), LoraFixtures.Path("adapters", "llama-plain"));
        Assert.Contains("has no tensor 'model.layers.0.self_attn.q_proj.weight'", error.Message);
    }

    [Fact]
    public void An_adapter_whose_shapes_do_not_fit_the_base_is_refused()
    {
        // The same names, one size smaller: the adapter was trained on another base.
        using var original = Checkpoint.Open(LoraFixtures.Path("llama"));
        string smaller = TestModels.Write(_temp["small-llama"], original.Tensors.Select(t =>
        {
            var shape = t.Shape.Select(d => d - 1).ToArray();
            return new TestTensor(t.Name, TensorDType.F32, shape, new float[shape.Aggregate(1L, (a, b) => a * b)]);
        }));
        var error = Refused(smaller, LoraFixtures.Path("adapters", "llama-plain"));
        Assert.Contains("the adapter was trained on another base", error.Message);
        Assert.Contains("lora_A.weight", error.Message);
    }

    [Fact]
    public void Factors_in_a_Linear_layout_on_a_GPT2_Conv1D_layer_are_refused()
    {
        // A [r, 24] and B [8, r] fit c_attn [8, 24] only as a Linear layer; GPT-2's c_attn is a Conv1D, whose A is [r, 8].
        string adapter = TestAdapters.Write(LoraFixtures.Path("gpt2"), _temp["linear-on-conv1d"], ["c_attn"], rank: 2, alpha: 2, seed: 1);
        var error = Refused(LoraFixtures.Path("gpt2"), adapter);
        Assert.Contains("do not fit 'h.0.attn.c_attn.weight' [8, 24], a Conv1D layer ([in, out])", error.Message);
    }

    [Fact]
    public void A_quantized_base_is_refused()
    {
        string quantized = _temp["quantized"];
        Directory.CreateDirectory(quantized);
        foreach (string file in Directory.EnumerateFiles(LoraFixtures.Path("llama")))
        {
            File.Copy(file, Path.Combine(quantized, Path.GetFileName(file)));
        }
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(quantized, "config.json")))!.AsObject();
        config["quantization_config"] = new JsonObject { ["quant_method"] = "bitsandbytes", ["load_in_4bit"] = true };
        File.WriteAllText(Path.Combine(quantized, "config.json"), config.ToJsonString());
        var error = Refused(quantized, LoraFixtures.Path("adapters", "llama-plain"));
        Assert.Contains("'quantization_config'", error.Message);
        Assert.Contains(Path.Combine(quantized, "config.json"), error.Message);
    }

    [Fact]
    public void A_pickled_adapter_is_never_loaded()
    {
        string folder = LoraFixtures.Copy("llama-plain", _temp["pickled"]);
        File.Move(Path.Combine(folder, LoraAdapter.WeightsFileName), Path.Combine(folder, "adapter_model.bin"));
        var error = Refused(LoraFixtures.Path("llama"), folder);
        Assert.Contains("pickled adapter_model.bin", error.Message);
    }

    [Fact]
    public void A_bare_adapter_needs_a_base_and_a_reference_has_at_most_one_plus()
    {
        var linear = MergeConfigParser.Parse("merge_method: linear\nmodels:\n  - model: adapters/llama-plain\n    parameters: {weight: 1}\n", "test.yml");
        var error = Assert.Throws<MergeConfigException>(() => MergePlanner.Create(linear, LoraFixtures.Root));
        Assert.Contains("is a PEFT adapter; without base_model, name its base as BASE+ADAPTER", error.Message);

        var three = MergeConfigParser.Parse("merge_method: task_arithmetic\nbase_model: llama\nmodels:\n  - model: llama+adapters/llama-plain+adapters/llama-patterns\n    parameters: {weight: 1}\n", "test.yml");
        Assert.Contains("one '+'", Assert.Throws<MergeConfigException>(() => MergePlanner.Create(three, LoraFixtures.Root)).Message);

        // An adapter named where a checkpoint is expected.
        using var opener = new ModelOpener();
        Assert.Contains("is a PEFT adapter (adapter_config.json), not a checkpoint",
            Assert.Throws<AdapterFormatException>(() => opener.Checkpoint(LoraFixtures.Path("adapters", "llama-plain"))).Message);
    }
}
