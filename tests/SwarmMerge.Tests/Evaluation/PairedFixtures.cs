using System.Text.Json.Nodes;
using SwarmMerge.IO;

namespace SwarmMerge.Tests.Evaluation;

/// <summary>Checkpoint folders made of a reference model fixture with a tokenizer fixture's files beside its weights.</summary>
internal static class PairedFixtures
{
    public static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Fixtures");

    /// <summary>Copies model fixture <paramref name="model"/> and tokenizer fixture <paramref name="tokenizer"/> into <paramref name="target"/>.</summary>
    public static string Create(string model, string tokenizer, string target)
    {
        Directory.CreateDirectory(target);
        // Both fixtures have an expected.json; the tokenizer's wins, and no test here reads it.
        foreach (string file in Directory.GetFiles(Path.Combine(Root, "inference", model)).Concat(Directory.GetFiles(Path.Combine(Root, "tokenizers", tokenizer))))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }
        return target;
    }

    /// <summary>Rewrites every tensor of the checkpoint in <paramref name="directory"/> as fp32 through <paramref name="change"/>(name, values).</summary>
    public static void Rewrite(string directory, Func<string, float[], float[]> change)
    {
        var tensors = new List<TestTensor>();
        using (var checkpoint = Checkpoint.Open(directory))
        {
            foreach (var info in checkpoint.Tensors)
            {
                tensors.Add(new TestTensor(info.Name, TensorDType.F32, info.Shape, change(info.Name, TestModels.ReadFloats(checkpoint, info.Name))));
            }
        }
        var config = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "config.json")))!;
        config["torch_dtype"] = "float32";
        File.Delete(Path.Combine(directory, "model.safetensors"));
        TestModels.Write(directory, tensors, config);
    }
}
