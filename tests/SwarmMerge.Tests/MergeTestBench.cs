using System.Text.Json.Nodes;
using SwarmMerge.IO;
using SwarmMerge.Merging;

namespace SwarmMerge.Tests;

/// <summary>Builds small base/expert families in a temporary folder and runs merges on them.</summary>
internal sealed class MergeTestBench : IDisposable
{
    private readonly TestModels.TempFolder _temp = new();

    public string Root => _temp.Path;

    public string this[string child] => _temp[child];

    /// <summary>A model with one tensor "w" holding <paramref name="values"/> (F32).</summary>
    public string Vector(string name, params float[] values) =>
        TestModels.Write(_temp[name], [new TestTensor("w", TensorDType.F32, [values.Length], values)]);

    /// <summary>A Llama-shaped family: base plus <paramref name="experts"/> experts, BF16 matrices and F32 norms, and an I64 buffer.</summary>
    public void Family(int experts, int seed = 1)
    {
        WriteModel("base", seed, 0);
        for (int e = 1; e <= experts; e++)
        {
            WriteModel($"expert{e}", seed, e);
        }
    }

    private void WriteModel(string name, int seed, int expert)
    {
        IEnumerable<TestTensor> Tensors()
        {
            yield return Tensor("model.embed_tokens.weight", TensorDType.BF16, [32, 16], 0);
            for (int layer = 0; layer < 2; layer++)
            {
                yield return Tensor($"model.layers.{layer}.self_attn.q_proj.weight", TensorDType.BF16, [16, 16], 1 + layer);
                yield return Tensor($"model.layers.{layer}.mlp.up_proj.weight", TensorDType.BF16, [24, 16], 3 + layer);
                yield return Tensor($"model.layers.{layer}.input_layernorm.weight", TensorDType.F32, [16], 5 + layer);
            }
            yield return Tensor("model.norm.weight", TensorDType.F32, [16], 7);
            yield return Tensor("lm_head.weight", TensorDType.BF16, [32, 16], 8);
            yield return new TestTensor("model.extra_ids", TensorDType.I64, [3], Raw: TestModels.Int64Bytes(4, 5, 6));
        }

        TestTensor Tensor(string tensor, TensorDType dtype, long[] shape, int salt)
        {
            int count = (int)shape.Aggregate(1L, (a, b) => a * b);
            var values = TestModels.Random(count, seed * 1000 + salt);
            if (expert > 0)
            {
                var delta = TestModels.Random(count, seed * 1000 + salt + 100 * expert, 0.1f);
                for (int i = 0; i < count; i++)
                {
                    values[i] += delta[i];
                }
            }
            return new TestTensor(tensor, dtype, shape, values);
        }

        TestModels.Write(_temp[name], Tensors());
    }

    /// <summary>Merges YAML <paramref name="yaml"/> (paths relative to the bench) into <paramref name="output"/>.</summary>
    public MergeResult Merge(string yaml, string output, MergeOptions? options = null, IProgress<MergeProgress>? progress = null, CancellationToken cancellation = default)
    {
        var config = MergeConfigParser.Parse(yaml, "test.yml");
        using var plan = MergePlanner.Create(config, Root);
        return MergeExecutor.Run(plan, _temp[output], options ?? new MergeOptions { Threads = 2 }, progress, cancellation);
    }

    public MergePlan Plan(string yaml) => MergePlanner.Create(MergeConfigParser.Parse(yaml, "test.yml"), Root);

    public float[] Read(string model, string tensor)
    {
        using var checkpoint = Checkpoint.Open(_temp[model]);
        return TestModels.ReadFloats(checkpoint, tensor);
    }

    public Dictionary<string, byte[]> AllBytes(string model)
    {
        using var checkpoint = Checkpoint.Open(_temp[model]);
        return checkpoint.Tensors.ToDictionary(t => t.Name, t => TestModels.ReadBytes(checkpoint, t.Name));
    }

    public static JsonObject Config(bool tied) =>
        new() { ["model_type"] = "llama", ["tie_word_embeddings"] = tied, ["torch_dtype"] = "float32" };

    public void Dispose() => _temp.Dispose();
}
