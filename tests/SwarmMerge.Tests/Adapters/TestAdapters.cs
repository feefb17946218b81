using System.Text.Json.Nodes;
using SwarmMerge.IO;
using SwarmMerge.Models;

namespace SwarmMerge.Tests.Adapters;

/// <summary>Writes small PEFT LoRA adapters for test checkpoints (PEFT's names and config fields), and folds them into checkpoints.</summary>
internal static class TestAdapters
{
    /// <summary>A rank-<paramref name="rank"/> adapter on the linear layers of <paramref name="baseModel"/> named by <paramref name="targets"/> (suffixes).</summary>
    public static string Write(string baseModel, string folder, string[] targets, int rank, double alpha, int seed, float magnitude = 0.05f)
    {
        using var checkpoint = Checkpoint.Open(baseModel);
        var tensors = new List<TestTensor>();
        foreach (var info in checkpoint.Tensors.Where(t => t.Shape.Length == 2 && targets.Any(s => t.Name.EndsWith($".{s}.weight", StringComparison.Ordinal))))
        {
            string module = LoraAdapter.Prefix + info.Name[..^".weight".Length];
            long outFeatures = info.Shape[0], inFeatures = info.Shape[1];
            tensors.Add(new TestTensor(module + ".lora_A.weight", TensorDType.F32, [rank, inFeatures], TestModels.Random((int)(rank * inFeatures), seed + tensors.Count, magnitude)));
            tensors.Add(new TestTensor(module + ".lora_B.weight", TensorDType.F32, [outFeatures, rank], TestModels.Random((int)(outFeatures * rank), seed + tensors.Count, magnitude)));
        }
        TestModels.Write(folder, tensors);
        File.Move(Path.Combine(folder, Checkpoint.SingleFileName), Path.Combine(folder, LoraAdapter.WeightsFileName));
        File.Delete(Path.Combine(folder, "config.json"));
        var config = new JsonObject
        {
            ["peft_type"] = "LORA", ["task_type"] = "CAUSAL_LM", ["base_model_name_or_path"] = baseModel, ["r"] = rank, ["lora_alpha"] = alpha,
            ["target_modules"] = new JsonArray(targets.Select(t => (JsonNode)t!).ToArray()), ["lora_dropout"] = 0.0, ["bias"] = "none",
        };
        File.WriteAllText(Path.Combine(folder, LoraConfig.FileName), config.ToJsonString());
        return folder;
    }

}
