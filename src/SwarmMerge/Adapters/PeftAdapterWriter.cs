using System.Text.Json;
using System.Text.Json.Nodes;
using SwarmMerge.IO;
using SwarmMerge.Models;

namespace SwarmMerge.Adapters;

/// <summary>One LoRA layer to write, in PEFT's own layout: A [r, in] and B [out, r] (for embeddings lora_embedding_A [r, num], lora_embedding_B [dim, r]).</summary>
/// <param name="Module">The module's key in the model (e.g. <c>model.layers.0.self_attn.q_proj</c>).</param>
/// <param name="IsEmbedding">True for an embedding layer.</param>
/// <param name="A">lora_A, row-major.</param>
/// <param name="AShape">Its shape.</param>
/// <param name="B">lora_B, row-major.</param>
/// <param name="BShape">Its shape.</param>
public sealed record AdapterLayer(string Module, bool IsEmbedding, float[] A, long[] AShape, float[] B, long[] BShape);

/// <summary>A full tensor to write (a module to save, or a targeted module's own parameter): its key after <c>base_model.model.</c>, and its values read by range.</summary>
/// <param name="Key">E.g. <c>lm_head.weight</c> or <c>model.layers.0.self_attn.q_proj.base_layer.bias</c>.</param>
/// <param name="DType">Stored dtype.</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Read">Writes values [start, start + destination.Length) into the destination.</param>
public sealed record AdapterFullTensor(string Key, TensorDType DType, long[] Shape, Action<long, Span<float>> Read);

/// <summary>
/// Writes a PEFT LoRA adapter folder: <c>adapter_config.json</c> and <c>adapter_model.safetensors</c> with PEFT's
/// names (<c>base_model.model.&lt;module&gt;.lora_A.weight</c>, …), in a temporary folder moved into place when complete.
/// Every layer has the same rank and <c>lora_alpha</c> = r, so the scale is 1 and B carries everything.
/// </summary>
public static class PeftAdapterWriter
{
    private const int Block = 1 << 18;

    /// <summary>Writes the adapter into <paramref name="directory"/>.</summary>
    /// <param name="directory">The adapter folder.</param>
    /// <param name="overwrite">Replace a non-empty folder.</param>
    /// <param name="config">The adapter config (see <see cref="Config"/>).</param>
    /// <param name="layers">LoRA layers.</param>
    /// <param name="full">Full tensors.</param>
    /// <param name="factorDType">Dtype of the LoRA factors.</param>
    /// <param name="extraFiles">Other files to write beside (name → text), e.g. the merge config.</param>
    public static void Write(string directory, bool overwrite, JsonObject config, IReadOnlyList<AdapterLayer> layers, IReadOnlyList<AdapterFullTensor> full,
        TensorDType factorDType, IReadOnlyDictionary<string, string>? extraFiles = null)
    {
        var outputs = new List<OutputTensor>();
        var sources = new List<Action<long, Span<float>>>();
        foreach (var layer in layers)
        {
            var (a, b) = layer.IsEmbedding ? ("lora_embedding_A", "lora_embedding_B") : ("lora_A.weight", "lora_B.weight");
            outputs.Add(new OutputTensor($"{LoraAdapter.Prefix}{layer.Module}.{a}", factorDType, layer.AShape));
            sources.Add((start, destination) => layer.A.AsSpan((int)start, destination.Length).CopyTo(destination));
            outputs.Add(new OutputTensor($"{LoraAdapter.Prefix}{layer.Module}.{b}", factorDType, layer.BShape));
            sources.Add((start, destination) => layer.B.AsSpan((int)start, destination.Length).CopyTo(destination));
        }
        foreach (var tensor in full)
        {
            outputs.Add(new OutputTensor(LoraAdapter.Prefix + tensor.Key, tensor.DType, tensor.Shape));
            sources.Add(tensor.Read);
        }

        using var output = new CheckpointOutput(directory, overwrite, outputs, long.MaxValue);
        var values = new float[Block];
        for (int i = 0; i < outputs.Count; i++)
        {
            long count = outputs[i].Shape.Aggregate(1L, (x, y) => x * y);
            for (long start = 0; start < count; start += Block)
            {
                int length = (int)Math.Min(Block, count - start);
                sources[i](start, values.AsSpan(0, length));
                output.Write(outputs[i].Name, start, values.AsSpan(0, length));
            }
        }
        output.CompleteTensors();
        File.Move(Path.Combine(output.TemporaryPath, Checkpoint.SingleFileName), Path.Combine(output.TemporaryPath, LoraAdapter.WeightsFileName));
        File.WriteAllText(Path.Combine(output.TemporaryPath, LoraConfig.FileName), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        foreach (var (name, text) in extraFiles ?? new Dictionary<string, string>())
        {
            File.WriteAllText(Path.Combine(output.TemporaryPath, name), text);
        }
        output.Commit();
    }

    /// <summary>
    /// The adapter config PEFT writes for a plain LoRA of rank <paramref name="rank"/> with scale 1 (<c>lora_alpha</c> = r).
    /// <c>target_modules</c> names a module by its last segment when that selects exactly the written ones among
    /// <paramref name="candidates"/> (every module with a 2-D weight), else by its full name.
    /// </summary>
    public static JsonObject Config(string baseModel, int rank, IReadOnlyCollection<string> targets, IReadOnlyCollection<string> candidates,
        IReadOnlyCollection<string> modulesToSave, bool fanInFanOut, string taskType, bool savesBiases)
    {
        var bySuffix = candidates.GroupBy(Suffix).ToDictionary(g => g.Key, g => g.ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var targetSet = targets.ToHashSet(StringComparer.Ordinal);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var group in targets.GroupBy(Suffix))
        {
            if (bySuffix.TryGetValue(group.Key, out var all) && all.All(targetSet.Contains))
            {
                names.Add(group.Key);
            }
            else
            {
                names.UnionWith(group);
            }
        }
        return new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = taskType,
            ["base_model_name_or_path"] = baseModel,
            ["r"] = rank,
            ["lora_alpha"] = rank,
            ["use_rslora"] = false,
            ["target_modules"] = new JsonArray(names.Select(n => (JsonNode)n!).ToArray()),
            ["modules_to_save"] = modulesToSave.Count == 0 ? null : new JsonArray(modulesToSave.Order(StringComparer.Ordinal).Select(n => (JsonNode)n!).ToArray()),
            ["fan_in_fan_out"] = fanInFanOut,
            ["bias"] = savesBiases ? "lora_only" : "none",
            ["lora_dropout"] = 0.0,
            ["rank_pattern"] = new JsonObject(),
            ["alpha_pattern"] = new JsonObject(),
            ["init_lora_weights"] = true,
            ["use_dora"] = false,
            ["inference_mode"] = true,
        };
    }

    /// <summary>
    /// Where PEFT loads full tensors from: a tensor of a LoRA-targeted module as <c>&lt;module&gt;.base_layer.&lt;param&gt;</c>;
    /// any other module is listed in <c>modules_to_save</c> and saved whole (PEFT's wrapper loads every parameter of it).
    /// </summary>
    /// <param name="baseModel">The base (its tensor list gives a saved module's parameters).</param>
    /// <param name="prefix">The module prefix of PEFT keys (see <see cref="AdaptedModel.ModulePrefix"/>).</param>
    /// <param name="targetModules">The LoRA-targeted modules, by base tensor name minus <c>.weight</c>.</param>
    /// <param name="tensors">The base tensors to save in full.</param>
    /// <param name="make">Makes the full tensor of a base tensor under a key.</param>
    /// <returns>The full tensors, the modules to save (PEFT keys), and whether any targeted module's own parameter is saved.</returns>
    public static (List<AdapterFullTensor> Full, List<string> ModulesToSave, bool TargetParameters) PlaceFullTensors(Checkpoint baseModel, string prefix,
        IReadOnlySet<string> targetModules, IEnumerable<string> tensors, Func<string, string, AdapterFullTensor> make)
    {
        var full = new List<AdapterFullTensor>();
        var saved = new SortedSet<string>(StringComparer.Ordinal);
        bool targetParameters = false;
        foreach (string tensor in tensors)
        {
            string module = tensor[..tensor.LastIndexOf('.')];
            if (targetModules.Contains(module))
            {
                full.Add(make(tensor, $"{prefix}{module}.base_layer.{tensor[(module.Length + 1)..]}"));
                targetParameters = true;
            }
            else
            {
                saved.Add(module);
            }
        }
        foreach (string module in saved)
        {
            foreach (var info in baseModel.Tensors.Where(t => t.DType.IsMergeable() && t.Name.StartsWith(module + ".", StringComparison.Ordinal) && !t.Name[(module.Length + 1)..].Contains('.')))
            {
                full.Add(make(info.Name, prefix + info.Name));
            }
        }
        return (full, saved.Select(m => prefix + m).ToList(), targetParameters);
    }

    /// <summary>
    /// The prefix PEFT's module keys carry over the base's tensor names: the adapters' own (<see cref="AdaptedModel.ModulePrefix"/>);
    /// without adapters, <c>transformer.</c> for a GPT-2 base saved without it (GPT2LMHeadModel's modules are <c>transformer.h.0…</c>).
    /// </summary>
    public static string ModulePrefix(Checkpoint baseModel, IEnumerable<IModelSource> experts)
    {
        if (experts.OfType<AdaptedModel>().FirstOrDefault() is { } adapted)
        {
            return adapted.ModulePrefix;
        }
        bool gpt2 = baseModel.Config?["model_type"]?.ToString() == "gpt2";
        return gpt2 && !baseModel.Tensors.Any(t => t.Name.StartsWith("transformer.", StringComparison.Ordinal)) ? "transformer." : "";
    }

    /// <summary>Every module of <paramref name="baseModel"/> with a 2-D weight, by PEFT key: the modules a suffix in target_modules could select.</summary>
    public static List<string> Candidates(Checkpoint baseModel, string prefix) => baseModel.Tensors
        .Where(t => t.Shape.Length == 2 && t.Name.EndsWith(".weight", StringComparison.Ordinal))
        .Select(t => prefix + t.Name[..^".weight".Length]).ToList();

    /// <summary>The experts' adapters' <c>task_type</c> (the first one given), else CAUSAL_LM.</summary>
    public static string TaskType(IEnumerable<IModelSource> experts) =>
        experts.OfType<AdaptedModel>().Select(a => a.Adapter.Config.Json["task_type"]?.ToString()).FirstOrDefault(t => t is not null) ?? "CAUSAL_LM";

    private static string Suffix(string module) => module[(module.LastIndexOf('.') + 1)..];
}
