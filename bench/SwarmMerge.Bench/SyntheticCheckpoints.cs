using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using SwarmMerge.IO;

namespace SwarmMerge.Bench;

/// <summary>Writes Llama-shaped BF16 checkpoints of random weights: a base, and experts that differ from it by small random deltas.</summary>
internal static class SyntheticCheckpoints
{
    public sealed record Shape(int Layers, int Hidden, int Intermediate, int Vocab);

    public static List<OutputTensor> Tensors(Shape s)
    {
        var tensors = new List<OutputTensor> { new("model.embed_tokens.weight", TensorDType.BF16, [s.Vocab, s.Hidden]) };
        for (int l = 0; l < s.Layers; l++)
        {
            string p = $"model.layers.{l}.";
            tensors.Add(new(p + "input_layernorm.weight", TensorDType.BF16, [s.Hidden]));
            foreach (string proj in new[] { "q_proj", "k_proj", "v_proj", "o_proj" })
            {
                tensors.Add(new(p + $"self_attn.{proj}.weight", TensorDType.BF16, [s.Hidden, s.Hidden]));
            }
            tensors.Add(new(p + "post_attention_layernorm.weight", TensorDType.BF16, [s.Hidden]));
            tensors.Add(new(p + "mlp.gate_proj.weight", TensorDType.BF16, [s.Intermediate, s.Hidden]));
            tensors.Add(new(p + "mlp.up_proj.weight", TensorDType.BF16, [s.Intermediate, s.Hidden]));
            tensors.Add(new(p + "mlp.down_proj.weight", TensorDType.BF16, [s.Hidden, s.Intermediate]));
        }
        tensors.Add(new("model.norm.weight", TensorDType.BF16, [s.Hidden]));
        tensors.Add(new("lm_head.weight", TensorDType.BF16, [s.Vocab, s.Hidden]));
        return tensors;
    }

    /// <summary>Writes model number <paramref name="model"/> (0 = base) unless it already exists.</summary>
    public static void Write(string directory, Shape shape, int model, long maxShardBytes)
    {
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"), ["model_type"] = "llama", ["hidden_size"] = shape.Hidden,
            ["intermediate_size"] = shape.Intermediate, ["num_hidden_layers"] = shape.Layers, ["num_attention_heads"] = shape.Hidden / 128,
            ["num_key_value_heads"] = shape.Hidden / 128, ["vocab_size"] = shape.Vocab, ["tie_word_embeddings"] = false, ["torch_dtype"] = "bfloat16",
        };
        Write(directory, Tensors(shape), config, model, maxShardBytes, normsAtOne: false);
    }

    /// <summary>
    /// Writes model number <paramref name="model"/> (0 = base) of <paramref name="tensors"/> with <paramref name="config"/>
    /// unless it already exists; with <paramref name="normsAtOne"/>, 1-D <c>*norm*</c> weights are 1 + the same small noise
    /// (as trained RMSNorm weights are), so activations keep their scale through the layers.
    /// </summary>
    public static void Write(string directory, List<OutputTensor> tensors, JsonObject config, int model, long maxShardBytes, bool normsAtOne)
    {
        if (File.Exists(Path.Combine(directory, "config.json")))
        {
            return;
        }
        string partial = FreshPartial(directory);
        using (var writer = new ShardedSafetensorsWriter(partial, tensors, maxShardBytes))
        {
            Parallel.For(0, tensors.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                var t = tensors[i];
                long count = t.Shape.Aggregate(1L, (a, b) => a * b);
                float offset = normsAtOne && t.Shape.Length == 1 && t.Name.Contains("norm", StringComparison.Ordinal) ? 1f : 0f;
                const int Block = 1 << 20;
                var values = new float[Block];
                var bits = new ushort[Block];
                for (long start = 0; start < count; start += Block)
                {
                    int n = (int)Math.Min(Block, count - start);
                    Fill(values.AsSpan(0, n), (ulong)i, start, model);
                    if (offset != 0)
                    {
                        System.Numerics.Tensors.TensorPrimitives.Add(values.AsSpan(0, n), offset, values.AsSpan(0, n));
                    }
                    FloatConversion.EncodeBFloat16(values.AsSpan(0, n), bits);
                    writer.Write(i, start * 2, MemoryMarshal.AsBytes(bits.AsSpan(0, n)));
                }
            });
            writer.Complete();
        }
        File.WriteAllText(Path.Combine(partial, "config.json"), config.ToJsonString());
        Directory.Move(partial, directory);
    }

    /// <summary>
    /// Writes PEFT LoRA adapter number <paramref name="model"/> of rank <paramref name="rank"/> (BF16 factors on the seven
    /// projections of every layer, lora_alpha = rank) unless it already exists.
    /// </summary>
    public static void WriteAdapter(string directory, Shape shape, int model, int rank)
    {
        if (File.Exists(Path.Combine(directory, "adapter_config.json")))
        {
            return;
        }
        string partial = FreshPartial(directory);
        var tensors = new List<OutputTensor>();
        foreach (var weight in Tensors(shape).Where(t => t.Shape.Length == 2 && t.Name.Contains("_proj", StringComparison.Ordinal)))
        {
            string module = "base_model.model." + weight.Name[..^".weight".Length];
            tensors.Add(new(module + ".lora_A.weight", TensorDType.BF16, [rank, weight.Shape[1]]));
            tensors.Add(new(module + ".lora_B.weight", TensorDType.BF16, [weight.Shape[0], rank]));
        }
        using (var writer = new ShardedSafetensorsWriter(partial, tensors, long.MaxValue))
        {
            for (int i = 0; i < tensors.Count; i++)
            {
                long count = tensors[i].Shape.Aggregate(1L, (a, b) => a * b);
                var values = new float[count];
                var bits = new ushort[count];
                // Factors ~U(−0.02, 0.02): the update's entries are then of the order of the full experts' deltas.
                for (int j = 0; j < values.Length; j++)
                {
                    values[j] = Uniform(Mix(((ulong)i + 7919 * (ulong)model) * 0xD1B54A32D192ED03 + (ulong)j)) * 0.02f;
                }
                FloatConversion.EncodeBFloat16(values, bits);
                writer.Write(i, 0, MemoryMarshal.AsBytes(bits.AsSpan()));
            }
            writer.Complete();
        }
        File.Move(Path.Combine(partial, "model.safetensors"), Path.Combine(partial, "adapter_model.safetensors"));
        var config = new JsonObject
        {
            ["peft_type"] = "LORA", ["task_type"] = "CAUSAL_LM", ["r"] = rank, ["lora_alpha"] = rank, ["lora_dropout"] = 0.0, ["bias"] = "none",
            ["target_modules"] = new JsonArray("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
        };
        File.WriteAllText(Path.Combine(partial, "adapter_config.json"), config.ToJsonString());
        Directory.Move(partial, directory);
    }

    // An empty folder beside the destination, moved into place when complete (a killed run leaves no half model).
    private static string FreshPartial(string directory)
    {
        string partial = directory + ".partial";
        if (Directory.Exists(partial))
        {
            Directory.Delete(partial, true);
        }
        Directory.CreateDirectory(partial);
        return partial;
    }

    // Base weights ~U(−0.05, 0.05); an expert adds its own ~U(−0.005, 0.005) delta. Uniform from a hash of (tensor, index, model).
    private static void Fill(Span<float> values, ulong tensor, long start, int model)
    {
        for (int j = 0; j < values.Length; j++)
        {
            ulong index = (ulong)(start + j);
            float w = Uniform(Mix(tensor * 0x9E3779B97F4A7C15 + index)) * 0.05f;
            if (model > 0)
            {
                w += Uniform(Mix((tensor + 1000 * (ulong)model) * 0xD1B54A32D192ED03 + index)) * 0.005f;
            }
            values[j] = w;
        }
    }

    private static float Uniform(ulong bits) => (bits >> 40) / 8388608f - 1f;

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
