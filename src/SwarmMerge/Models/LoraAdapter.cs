using SwarmMerge.IO;

namespace SwarmMerge.Models;

/// <summary>The factors of one LoRA layer as the adapter file holds them.</summary>
/// <param name="Module">The module's name in the model (PEFT's key, e.g. <c>model.layers.0.self_attn.q_proj</c>).</param>
/// <param name="A">lora_A ([r, in]), or lora_embedding_A ([r, num_embeddings]).</param>
/// <param name="B">lora_B ([out, r]), or lora_embedding_B ([embedding_dim, r]).</param>
/// <param name="IsEmbedding">True for an embedding layer, whose delta PEFT always transposes: (B·A)ᵀ.</param>
public sealed record LoraFactors(string Module, TensorInfo A, TensorInfo B, bool IsEmbedding)
{
    /// <summary>The rank the file holds.</summary>
    public int Rank => (int)A.Shape[0];
}

/// <summary>
/// A PEFT LoRA adapter folder: <c>adapter_config.json</c> and <c>adapter_model.safetensors</c>, its tensors sorted
/// into LoRA factors per module and full tensors. Names follow PEFT's <c>get_peft_model_state_dict</c>:
/// <c>base_model.model.&lt;module&gt;.lora_A.weight</c> (or <c>lora_A.&lt;adapter name&gt;.weight</c>, as older or other
/// writers save them), <c>lora_embedding_A</c> for embeddings; any other tensor (<c>modules_to_save</c>, saved biases
/// and embeddings, a targeted module's <c>base_layer.*</c>) replaces the base tensor of the same name, as PEFT's
/// <c>load_state_dict</c> puts it there. It is not tied to a base yet: <see cref="AdaptedModel"/> does that.
/// </summary>
public sealed class LoraAdapter : IDisposable
{
    /// <summary>The weights' file name in an adapter folder.</summary>
    public const string WeightsFileName = "adapter_model.safetensors";

    /// <summary>The prefix PEFT's model wrapper gives every saved name.</summary>
    public const string Prefix = "base_model.model.";

    private LoraAdapter(string directory, LoraConfig config, SafetensorsFile file, IReadOnlyList<LoraFactors> layers, IReadOnlyDictionary<string, TensorInfo> replacements)
    {
        Directory = directory;
        Config = config;
        File = file;
        Layers = layers;
        Replacements = replacements;
    }

    /// <summary>The adapter folder (absolute).</summary>
    public string Directory { get; }

    /// <summary>Its config.</summary>
    public LoraConfig Config { get; }

    /// <summary>Its weights file.</summary>
    public SafetensorsFile File { get; }

    /// <summary>The LoRA layers, in file order.</summary>
    public IReadOnlyList<LoraFactors> Layers { get; }

    /// <summary>Full tensors, by the model name they replace (prefix and <c>base_layer</c> removed).</summary>
    public IReadOnlyDictionary<string, TensorInfo> Replacements { get; }

    /// <summary>True when <paramref name="directory"/> holds a PEFT adapter (an <c>adapter_config.json</c> and no model weights).</summary>
    public static bool IsAdapterFolder(string directory) =>
        System.IO.File.Exists(Path.Combine(directory, LoraConfig.FileName))
        && !System.IO.File.Exists(Path.Combine(directory, Checkpoint.SingleFileName))
        && !System.IO.File.Exists(Path.Combine(directory, Checkpoint.IndexFileName));

    /// <summary>Opens the adapter in <paramref name="directory"/>.</summary>
    /// <exception cref="AdapterFormatException">Missing files, an unsupported config, or tensors PEFT would not write.</exception>
    public static LoraAdapter Open(string directory)
    {
        directory = Path.GetFullPath(directory);
        string configPath = Path.Combine(directory, LoraConfig.FileName);
        if (!System.IO.File.Exists(configPath))
        {
            throw new AdapterFormatException(directory, null, $"no {LoraConfig.FileName}: not a PEFT adapter folder");
        }
        var config = LoraConfig.Load(configPath);
        string weights = Path.Combine(directory, WeightsFileName);
        if (!System.IO.File.Exists(weights))
        {
            throw new AdapterFormatException(directory, null, System.IO.File.Exists(Path.Combine(directory, "adapter_model.bin"))
                ? "only a pickled adapter_model.bin; SwarmMerge never loads pickled files (unpickling can run code). Save it with safe_serialization=True."
                : $"no {WeightsFileName}");
        }
        var file = SafetensorsFile.Open(weights);
        try
        {
            var (layers, replacements) = Sort(file);
            return new LoraAdapter(directory, config, file, layers, replacements);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static (List<LoraFactors>, Dictionary<string, TensorInfo>) Sort(SafetensorsFile file)
    {
        var a = new Dictionary<string, (TensorInfo Info, bool Embedding)>(StringComparer.Ordinal);
        var b = new Dictionary<string, (TensorInfo Info, bool Embedding)>(StringComparer.Ordinal);
        var order = new List<string>();
        var replacements = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        string? adapterName = null;
        foreach (var info in file.Tensors)
        {
            string name = info.Name.StartsWith(Prefix, StringComparison.Ordinal) ? info.Name[Prefix.Length..] : info.Name;
            var parts = name.Split('.');
            int lora = Array.FindIndex(parts, p => p.StartsWith("lora_", StringComparison.Ordinal));
            if (lora < 0)
            {
                string target = ReplacedName(parts);
                if (!info.DType.IsMergeable())
                {
                    throw new AdapterFormatException(file.Path, info.Name, $"is {info.DType.SafetensorsName()}; full tensors in an adapter must be F32, F16 or BF16");
                }
                if (!replacements.TryAdd(target, info))
                {
                    throw new AdapterFormatException(file.Path, info.Name, $"replaces '{target}', which another tensor of the file replaces too");
                }
                continue;
            }
            string module = string.Join('.', parts[..lora]);
            string kind = parts[lora];
            string[] rest = parts[(lora + 1)..];
            bool embedding = kind is "lora_embedding_A" or "lora_embedding_B";
            // Linear factors end in ".weight", embedding factors are bare parameters; either may carry the adapter name.
            string? name2 = (embedding, rest) switch
            {
                (false, ["weight"]) or (true, []) => null,
                (false, [var n, "weight"]) => n,
                (true, [var n]) => n,
                (false, ["bias"] or [_, "bias"]) => throw new AdapterFormatException(file.Path, info.Name, "is a trained bias on lora_B (lora_bias); not supported"),
                _ => throw Unsupported(file.Path, info.Name, kind),
            };
            if (kind is not ("lora_A" or "lora_B" or "lora_embedding_A" or "lora_embedding_B"))
            {
                throw Unsupported(file.Path, info.Name, kind);
            }
            if (name2 is not null)
            {
                adapterName ??= name2;
                if (name2 != adapterName)
                {
                    throw new AdapterFormatException(file.Path, info.Name, $"belongs to adapter '{name2}' but the file also holds adapter '{adapterName}'; save one adapter per folder");
                }
            }
            var side = kind.EndsWith('A') ? a : b;
            if (!side.TryAdd(module, (info, embedding)))
            {
                throw new AdapterFormatException(file.Path, info.Name, $"is the second {kind} of module '{module}'");
            }
            if (!order.Contains(module))
            {
                order.Add(module);
            }
        }

        var layers = new List<LoraFactors>();
        foreach (string module in order)
        {
            if (!a.TryGetValue(module, out var factorA) || !b.TryGetValue(module, out var factorB))
            {
                throw new AdapterFormatException(file.Path, null, $"module '{module}' has {(a.ContainsKey(module) ? "lora_A but no lora_B" : "lora_B but no lora_A")}");
            }
            if (factorA.Embedding != factorB.Embedding)
            {
                throw new AdapterFormatException(file.Path, factorA.Info.Name, $"module '{module}' mixes embedding and linear LoRA factors");
            }
            if (factorA.Info.Shape.Length != 2 || factorB.Info.Shape.Length != 2)
            {
                throw new AdapterFormatException(file.Path, factorA.Info.Name,
                    $"has shape {factorA.Info.ShapeText} (lora_B {factorB.Info.ShapeText}); only LoRA on linear, Conv1D and embedding layers (2-D factors) is supported, not on convolutions");
            }
            if (factorA.Info.Shape[0] != factorB.Info.Shape[1])
            {
                throw new AdapterFormatException(file.Path, factorA.Info.Name, $"has rank {factorA.Info.Shape[0]} but its lora_B {factorB.Info.ShapeText} has rank {factorB.Info.Shape[1]}");
            }
            foreach (var info in new[] { factorA.Info, factorB.Info })
            {
                if (!info.DType.IsMergeable())
                {
                    throw new AdapterFormatException(file.Path, info.Name, $"is {info.DType.SafetensorsName()}; LoRA factors must be F32, F16 or BF16");
                }
            }
            layers.Add(new LoraFactors(module, factorA.Info, factorB.Info, factorA.Embedding));
        }
        return (layers, replacements);
    }

    // "model.layers.0.q_proj.base_layer.bias" → "model.layers.0.q_proj.bias"; "score.modules_to_save.default.weight" → "score.weight".
    private static string ReplacedName(string[] parts)
    {
        var kept = new List<string>();
        for (int i = 0; i < parts.Length; i++)
        {
            if (parts[i] == "base_layer")
            {
                continue;
            }
            if (parts[i] == "modules_to_save" && i + 1 < parts.Length - 1)
            {
                i++; // the adapter name that follows
                continue;
            }
            kept.Add(parts[i]);
        }
        return string.Join('.', kept);
    }

    private static AdapterFormatException Unsupported(string path, string tensor, string kind) => new(path, tensor,
        kind.StartsWith("lora_magnitude", StringComparison.Ordinal)
            ? "is a DoRA magnitude vector; DoRA adapters are not supported"
            : $"is not a tensor PEFT writes for a plain LoRA adapter ('{kind}'); expected lora_A/lora_B.weight or lora_embedding_A/B");

    /// <inheritdoc />
    public void Dispose() => File.Dispose();
}
