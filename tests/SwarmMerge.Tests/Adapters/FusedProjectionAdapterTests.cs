using SwarmMerge.Inference;
using SwarmMerge.IO;
using SwarmMerge.Models;
using SwarmMerge.Tests.Inference;

namespace SwarmMerge.Tests.Adapters;

/// <summary>
/// PEFT LoRA on Phi-3's fused projections (<c>qkv_proj</c>, <c>gate_up_proj</c>) and its <c>o_proj</c>, <c>down_proj</c>:
/// each folds as W + (α / r)·B·A on the whole fused matrix, checked against a fold computed here in doubles.
/// </summary>
public sealed class FusedProjectionAdapterTests : IDisposable
{
    private static readonly string[] Targets = ["qkv_proj", "gate_up_proj", "o_proj", "down_proj"];

    private readonly TestModels.TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private (string Base, string Adapter) Write(bool fanInFanOut = false)
    {
        string baseModel = RandomCheckpoints.Write(_temp["phi3"], RandomCheckpoints.Phi3(), seed: 7);
        string adapter = TestAdapters.Write(baseModel, _temp["lora"], Targets, rank: 3, alpha: 6, seed: 11, magnitude: 0.2f);
        if (fanInFanOut)
        {
            string path = Path.Combine(adapter, LoraConfig.FileName);
            var config = Checkpoint.ReadJsonObject(path);
            config["fan_in_fan_out"] = true;
            File.WriteAllText(path, config.ToJsonString());
        }
        return (baseModel, adapter);
    }

    // W + scale·B·A for W [out, in], A [r, in], B [out, r], in doubles.
    private static float[] Fold(float[] w, float[] a, float[] b, int outFeatures, int inFeatures, int rank, double scale)
    {
        var result = new float[w.Length];
        for (int o = 0; o < outFeatures; o++)
        {
            for (int i = 0; i < inFeatures; i++)
            {
                double sum = 0;
                for (int k = 0; k < rank; k++)
                {
                    sum += (double)b[o * rank + k] * a[k * inFeatures + i];
                }
                result[o * inFeatures + i] = (float)(w[o * inFeatures + i] + scale * sum);
            }
        }
        return result;
    }

    private static Dictionary<string, float[]> HandFold(string baseModel, string adapter)
    {
        using var checkpoint = Checkpoint.Open(baseModel);
        using var lora = SafetensorsFile.Open(Path.Combine(adapter, LoraAdapter.WeightsFileName));
        var folded = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var info in checkpoint.Tensors)
        {
            var w = TestModels.ReadFloats(checkpoint, info.Name);
            string module = info.Name.EndsWith(".weight", StringComparison.Ordinal) ? info.Name[..^".weight".Length] : info.Name;
            if (info.Shape.Length == 2 && Targets.Any(t => module.EndsWith("." + t, StringComparison.Ordinal)))
            {
                var a = LoraFixtures.Values(lora, $"{LoraAdapter.Prefix}{module}.lora_A.weight");
                var b = LoraFixtures.Values(lora, $"{LoraAdapter.Prefix}{module}.lora_B.weight");
                w = Fold(w, a, b, (int)info.Shape[0], (int)info.Shape[1], rank: 3, scale: 6.0 / 3);
            }
            folded[info.Name] = w;
        }
        return folded;
    }

    [Fact]
    public void Lora_on_the_fused_projections_folds_as_W_plus_scaled_B_A()
    {
        var (baseModel, adapter) = Write();
        var expected = HandFold(baseModel, adapter);
        using var opener = new ModelOpener();
        var model = (AdaptedModel)opener.Open($"{baseModel}+{adapter}", _temp.Path);
        Assert.Empty(opener.Warnings);
        // Every targeted module of both layers, the fused ones included: qkv_proj [64, 32], gate_up_proj [96, 32], o_proj [32, 32], down_proj [32, 48].
        string[] modules = ["self_attn.qkv_proj", "self_attn.o_proj", "mlp.gate_up_proj", "mlp.down_proj"];
        Assert.Equal(Enumerable.Range(0, 2).SelectMany(l => modules.Select(m => $"model.layers.{l}.{m}.weight")).Order(), model.Deltas.Keys.Order());
        foreach (var (name, values) in expected)
        {
            LoraFixtures.AssertClose(values, TestModels.ReadFloats(model, name), name, 1e-6, 1e-6);
        }
        // The untargeted tensors are the base's, and the fold changed every targeted one.
        using var checkpoint = Checkpoint.Open(baseModel);
        foreach (var info in checkpoint.Tensors)
        {
            bool targeted = model.Deltas.ContainsKey(info.Name);
            Assert.Equal(!targeted, TestModels.ReadFloats(checkpoint, info.Name).SequenceEqual(expected[info.Name]));
        }
    }

    [Fact]
    public void The_engine_scores_base_plus_adapter_as_the_folded_model()
    {
        var (baseModel, adapter) = Write();
        int[][] sequences = [[5, 6, 7, 8, 9, 10, 11]];
        using var checkpoint = Checkpoint.Open(baseModel);
        using var model = CausalLanguageModel.Open(checkpoint, new InferenceOptions { Threads = 2 });
        foreach (var (name, values) in HandFold(baseModel, adapter))
        {
            values.CopyTo(model.Weights.GetSpan(name));
        }
        var byHand = model.Logits(sequences)[0].Values;
        using var opener = new ModelOpener();
        model.Weights.LoadFrom(opener.Open($"{baseModel}+{adapter}", _temp.Path));
        FixtureAssert.Close(byHand, model.Logits(sequences)[0].Values, 1e-5, "base+adapter");
    }

    [Fact]
    public void A_fan_in_fan_out_adapter_on_Phi3_is_read_as_Linear_layers_with_a_warning()
    {
        // PEFT sets fan_in_fan_out to False for nn.Linear targets; o_proj [32, 32] is square, so only the type can tell.
        var (baseModel, adapter) = Write(fanInFanOut: true);
        var expected = HandFold(baseModel, adapter);
        using var opener = new ModelOpener();
        var model = opener.Open($"{baseModel}+{adapter}", _temp.Path);
        var warning = Assert.Single(opener.Warnings);
        Assert.Contains("fan_in_fan_out is true", warning);
        Assert.Contains("(Linear)", warning);
        Assert.DoesNotContain("Conv1D", warning);
        foreach (var (name, values) in expected)
        {
            LoraFixtures.AssertClose(values, TestModels.ReadFloats(model, name), name, 1e-6, 1e-6);
        }
    }
}
