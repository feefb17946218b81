using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using SwarmMerge.IO;

namespace SwarmMerge.Tests;

/// <summary>A tensor to write into a test checkpoint: float values (encoded to <see cref="DType"/>) or raw bytes.</summary>
internal sealed record TestTensor(string Name, TensorDType DType, long[] Shape, float[]? Values = null, byte[]? Raw = null);

/// <summary>Writes small checkpoints for tests, and reads tensors back as fp32.</summary>
internal static class TestModels
{
    public static string Write(string directory, IEnumerable<TestTensor> tensors, JsonObject? config = null, long maxShardBytes = long.MaxValue)
    {
        Directory.CreateDirectory(directory);
        var list = tensors.ToList();
        using (var writer = new ShardedSafetensorsWriter(directory, list.Select(t => new OutputTensor(t.Name, t.DType, t.Shape)).ToList(), maxShardBytes))
        {
            foreach (var t in list)
            {
                byte[] bytes = t.Raw ?? Encode(t);
                writer.Write(writer.IndexOf(t.Name), 0, bytes);
            }
            writer.Complete();
        }
        config ??= new JsonObject { ["model_type"] = "llama", ["num_hidden_layers"] = 2, ["tie_word_embeddings"] = false, ["torch_dtype"] = "float32" };
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString());
        return directory;
    }

    private static byte[] Encode(TestTensor t)
    {
        var bytes = new byte[t.Values!.Length * t.DType.SizeOf()];
        FloatConversion.Encode(t.DType, t.Values, bytes);
        return bytes;
    }

    /// <summary>A tensor's values as the model gives them: a checkpoint's stored values, an adapted model's with its adapter applied.</summary>
    public static float[] ReadFloats(IModelSource model, string name)
    {
        using var values = model.OpenValues(name);
        var result = new float[values.Info.ElementCount];
        values.ReadFloats(0, result);
        return result;
    }

    public static byte[] ReadBytes(Checkpoint checkpoint, string name)
    {
        using var view = checkpoint.OpenTensor(name);
        return view.Bytes(0, (int)view.Info.ByteLength).ToArray();
    }

    public static float[] Random(int count, int seed, float scale = 1)
    {
        var random = new System.Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
    }

    /// <summary>A fresh temporary folder, deleted on dispose.</summary>
    public sealed class TempFolder : IDisposable
    {
        public TempFolder() => Directory.CreateDirectory(Path);

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "swarmmerge-test-" + Guid.NewGuid().ToString("N"));

        public string this[string child] => System.IO.Path.Combine(Path, child);

        public void Dispose()
        {
            if (Directory.Exists(Path))
            {
                Directory.Delete(Path, recursive: true);
            }
        }
    }

    public static byte[] Int64Bytes(params long[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
