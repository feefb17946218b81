using System.Text.Json.Nodes;
using SwarmMerge.Inference;
using SwarmMerge.IO;
using SwarmMerge.Models;

namespace SwarmMerge.Tests.Inference;

public sealed class InferenceErrorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarmmerge-inference-errors-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Unsupported_model_type_lists_the_supported_ones()
    {
        var config = new JsonObject { ["model_type"] = "falcon" };
        var error = Assert.Throws<ModelConfigException>(() => CausalLanguageModel.Create(config, source: "falcon/config.json"));
        Assert.Contains("falcon/config.json", error.Message);
        Assert.Contains("'falcon'", error.Message);
        Assert.Contains("gpt2, llama, mistral, qwen2, qwen3, phi3, gemma2, gemma3_text, bert, roberta, t5", error.Message);
    }

    [Fact]
    public void A_model_type_of_another_family_is_rejected()
    {
        var error = Assert.Throws<ModelConfigException>(() => CausalLanguageModel.Create(RandomCheckpoints.Bert("bert")));
        Assert.Contains("'bert'", error.Message);
        Assert.Contains("SequenceClassification", error.Message);
    }

    [Fact]
    public void Missing_config_field_is_named()
    {
        var config = RandomCheckpoints.Llama();
        config.Remove("hidden_size");
        var error = Assert.Throws<ModelConfigException>(() => CausalLanguageModel.Create(config));
        Assert.Contains("'hidden_size'", error.Message);
    }

    [Fact]
    public void Unsupported_rope_scaling_is_rejected()
    {
        var config = RandomCheckpoints.Llama();
        config["rope_scaling"] = new JsonObject { ["rope_type"] = "yarn", ["factor"] = 4.0 };
        var error = Assert.Throws<ModelConfigException>(() => CausalLanguageModel.Create(config));
        Assert.Contains("rope_scaling", error.Message);
        Assert.Contains("yarn", error.Message);
    }

    [Fact]
    public void Missing_tensor_is_named()
    {
        string directory = RandomCheckpoints.Write(Path.Combine(_root, "missing"), RandomCheckpoints.Llama(), seed: 1,
            skip: name => name == "model.layers.1.mlp.up_proj.weight");
        using var checkpoint = Checkpoint.Open(directory);
        var error = Assert.Throws<SafetensorsFormatException>(() => CausalLanguageModel.Open(checkpoint, new InferenceOptions { Threads = 1 }));
        Assert.Equal("model.layers.1.mlp.up_proj.weight", error.Tensor);
        Assert.Contains("missing", error.Message);
        Assert.Contains("[64, 32]", error.Message);
    }

    [Fact]
    public void Misshaped_tensor_is_named()
    {
        string directory = RandomCheckpoints.Write(Path.Combine(_root, "misshaped"), RandomCheckpoints.Llama(), seed: 1);
        var narrower = RandomCheckpoints.Llama();
        narrower["intermediate_size"] = 48;
        using var checkpoint = Checkpoint.Open(directory);
        using var model = CausalLanguageModel.Create(narrower, new InferenceOptions { Threads = 1 });
        var error = Assert.Throws<SafetensorsFormatException>(() => model.Weights.LoadFrom(checkpoint));
        Assert.Equal("model.layers.0.mlp.gate_proj.weight", error.Tensor);
        Assert.Contains("[64, 32]", error.Message);
        Assert.Contains("[48, 32]", error.Message);
    }

    [Fact]
    public void Tied_head_needs_no_lm_head_tensor_and_shares_the_embedding_buffer()
    {
        string directory = RandomCheckpoints.Write(Path.Combine(_root, "tied"), RandomCheckpoints.Llama(tied: true), seed: 1, TensorDType.BF16);
        using var checkpoint = Checkpoint.Open(directory);
        Assert.False(checkpoint.Contains("lm_head.weight"));
        using var model = CausalLanguageModel.Open(checkpoint, new InferenceOptions { Threads = 1 });
        Assert.True(model.Weights.Contains("lm_head.weight"));
        Assert.DoesNotContain(model.Weights.Specs, s => s.Name == "lm_head.weight");
        model.Weights.GetSpan("lm_head.weight")[0] = 42f;
        Assert.Equal(42f, model.Weights.GetSpan("model.embed_tokens.weight")[0]);
    }

    [Fact]
    public void Cuda_without_the_native_provider_fails_clearly()
    {
        var error = Assert.Throws<NotSupportedException>(() => CausalLanguageModel.Create(RandomCheckpoints.Llama(), new InferenceOptions { ExecutionProvider = "cuda" }));
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu", error.Message);
        var unknown = Assert.Throws<ArgumentException>(() => CausalLanguageModel.Create(RandomCheckpoints.Llama(), new InferenceOptions { ExecutionProvider = "tpu" }));
        Assert.Contains("'tpu'", unknown.Message);
    }

    [Fact]
    public void Weights_of_another_model_are_rejected()
    {
        using var a = CausalLanguageModel.Create(RandomCheckpoints.Llama(), new InferenceOptions { Threads = 1 });
        using var b = CausalLanguageModel.Create(RandomCheckpoints.Llama(), new InferenceOptions { Threads = 1 });
        Assert.Throws<ArgumentException>(() => a.UseWeights(b.Weights));
        var second = a.CreateWeights();
        a.UseWeights(second);
        Assert.Same(second, a.Weights);
    }

    [Fact]
    public void Open_picks_the_model_class_from_model_type()
    {
        using var checkpoint = Checkpoint.Open(RandomCheckpoints.Write(Path.Combine(_root, "bert"), RandomCheckpoints.Bert("bert"), seed: 1));
        using var model = ModelFamilies.Open(checkpoint, new InferenceOptions { Threads = 1 });
        Assert.IsType<SequenceClassificationModel>(model);
        Assert.Equal("bert", model.ModelType);
    }
}
