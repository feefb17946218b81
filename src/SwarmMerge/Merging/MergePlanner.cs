using SwarmMerge.IO;

namespace SwarmMerge.Merging;

/// <summary>Turns a <see cref="MergeConfig"/> into a validated <see cref="MergePlan"/>.</summary>
public static class MergePlanner
{
    private static readonly string[] TiedEmbeddingNames =
    [
        "model.embed_tokens.weight", "transformer.wte.weight", "model.decoder.embed_tokens.weight", "shared.weight",
        "gpt_neox.embed_in.weight", "embed_tokens.weight", "wte.weight",
    ];

    private static readonly string[] VocabularyMatrixMarkers = ["embed_tokens", "wte", "word_embeddings", "shared", "embed_in", "embed_out", "lm_head"];

    /// <summary>
    /// Opens and checks every input of <paramref name="config"/>; relative model paths resolve against
    /// <paramref name="root"/> (mergekit resolves them against the working directory).
    /// </summary>
    /// <exception cref="MergeConfigException">The config cannot run as written.</exception>
    /// <exception cref="SafetensorsFormatException">An input file is invalid or a tensor does not fit.</exception>
    public static MergePlan Create(MergeConfig config, string root)
    {
        var method = MergeMethods.Get(config.MergeMethod);
        var opened = new Dictionary<string, Checkpoint>(StringComparer.Ordinal);
        try
        {
            return Build(config, root, method, opened);
        }
        catch
        {
            foreach (var checkpoint in opened.Values)
            {
                checkpoint.Dispose();
            }
            throw;
        }
    }

    private static MergePlan Build(MergeConfig config, string root, IMergeMethod method, Dictionary<string, Checkpoint> opened)
    {
        Checkpoint Open(string path, string field)
        {
            string full = Path.GetFullPath(Path.Combine(root, path));
            if (!opened.TryGetValue(full, out var checkpoint))
            {
                if (!Directory.Exists(full))
                {
                    throw new MergeConfigException($"{field}: model folder '{path}' not found (looked in '{full}'). SwarmMerge reads local folders; it does not download from the Hugging Face Hub.");
                }
                checkpoint = Checkpoint.Open(full);
                opened[full] = checkpoint;
            }
            return checkpoint;
        }

        if (method.RequiresBaseModel && config.BaseModel is null)
        {
            throw new MergeConfigException($"merge_method '{method.Name}' needs 'base_model'.");
        }
        var baseModel = config.BaseModel is null ? null : Open(config.BaseModel, "base_model");
        var entries = new List<(ModelEntry Entry, Checkpoint Checkpoint)>();
        foreach (var (entry, i) in config.Models.Select((e, i) => (e, i)))
        {
            var checkpoint = Open(entry.Model, $"models[{i}]");
            if (method.RequiresBaseModel && ReferenceEquals(checkpoint, baseModel))
            {
                continue; // the base is the origin of the task vectors, never one of them
            }
            entries.Add((entry, checkpoint));
        }
        method.ValidateModelCount(entries.Count);
        var reference = baseModel ?? entries[0].Checkpoint;

        TensorDType? dtype = ParseDType(config.DType, "dtype"), outputDType = ParseDType(config.OutDType, "out_dtype") ?? dtype;
        var warnings = new List<string>();
        CheckParameterNames(config, method);

        var positions = new LayerPosition(reference.Tensors.Select(t => t.Name));
        var tensors = new List<PlannedTensor>();
        long globalOffset = 0;
        foreach (var info in reference.Tensors)
        {
            if (!info.DType.IsMergeable())
            {
                tensors.Add(new PlannedTensor(new OutputTensor(info.Name, info.DType, info.Shape), null, reference));
                continue;
            }
            var inputs = entries.Select(e => ResolveInput(e.Checkpoint, info, warnings)).ToList();
            double t = positions.Of(info.Name);
            var parameters = method.Parameters.ToDictionary(d => d.Name, d => Evaluate(d, config.Parameters, null, info.Name, t, null));
            var modelParameters = entries.Select(e => (IReadOnlyDictionary<string, object>)method.ModelParameters
                .ToDictionary(d => d.Name, d => Evaluate(d, e.Entry.Parameters, config.Parameters, info.Name, t, e.Entry.Model))).ToList();
            var output = new OutputTensor(info.Name, outputDType ?? info.DType, info.Shape);
            var baseInput = baseModel is null ? null : new TensorInput(baseModel, info.Name, info);
            var job = new TensorMergeJob(info.Name, info.Shape, output.DType, baseInput, inputs, parameters, modelParameters, globalOffset);
            method.ValidateParameters(job);
            tensors.Add(new PlannedTensor(output, job, null));
            globalOffset += job.Length;
        }

        foreach (var checkpoint in entries.Select(e => e.Checkpoint).Append(baseModel).OfType<Checkpoint>().Distinct())
        {
            CheckForExtraTensors(checkpoint, reference, warnings);
        }

        string tokenizerSource = config.TokenizerSource switch
        {
            null or "base" => reference.Directory,
            "union" => throw new MergeConfigException("tokenizer_source: 'union' (merging vocabularies) is not supported; use 'base' or a model folder."),
            var path => Open(path, "tokenizer_source").Directory,
        };
        foreach (string name in MergeExecutor.SupportFiles.Where(name => File.Exists(Path.Combine(tokenizerSource, name))))
        {
            InputFiles.RequireRegularFile(Path.Combine(tokenizerSource, name)); // copied into the output at the end
        }
        return new MergePlan(config, method, reference, baseModel, entries.Select(e => e.Checkpoint).ToList(), tensors, warnings,
            tokenizerSource, outputDType, opened.Values.ToList());
    }

    private static TensorDType? ParseDType(string? name, string field)
    {
        if (name is null)
        {
            return null;
        }
        return TensorDTypes.TryParseTorchName(name, out var dtype)
            ? dtype
            : throw new MergeConfigException($"{field}: '{name}' is not a float dtype (float32, bfloat16, float16).");
    }

    private static object Evaluate(ParameterDefinition definition, IReadOnlyDictionary<string, ParameterSetting> own,
        IReadOnlyDictionary<string, ParameterSetting>? global, string tensor, double t, string? model)
    {
        object? value = null;
        if (own.TryGetValue(definition.Name, out var setting))
        {
            value = setting.Evaluate(tensor, t);
        }
        if (value is null && global is not null && global.TryGetValue(definition.Name, out var fallback))
        {
            value = fallback.Evaluate(tensor, t);
        }
        return value ?? definition.Default
            ?? throw new MergeConfigException($"Missing required parameter '{definition.Name}'{(model is null ? "" : $" of model '{model}'")} for tensor '{tensor}'.");
    }

    private static void CheckParameterNames(MergeConfig config, IMergeMethod method)
    {
        var known = method.Parameters.Concat(method.ModelParameters).Select(d => d.Name).ToHashSet();
        var given = config.Parameters.Select(p => (p.Key, p.Value, Where: "parameters"))
            .Concat(config.Models.SelectMany(m => m.Parameters.Select(p => (p.Key, p.Value, Where: $"model '{m.Model}'"))));
        foreach (var (name, setting, where) in given)
        {
            if (!known.Contains(name))
            {
                throw new MergeConfigException($"{setting.Location ?? where}: unknown parameter '{name}' for merge_method '{method.Name}' (it reads: {string.Join(", ", known.Order())}).");
            }
        }
    }

    private static TensorInput ResolveInput(Checkpoint model, TensorInfo wanted, List<string> warnings)
    {
        if (!model.Contains(wanted.Name))
        {
            string? tied = wanted.Name.EndsWith("lm_head.weight", StringComparison.Ordinal) && model.TieWordEmbeddings
                ? TiedEmbeddingNames.FirstOrDefault(model.Contains)
                : null;
            if (tied is null)
            {
                throw new SafetensorsFormatException(model.Directory, wanted.Name, "missing from this model but present in the base model");
            }
            return CheckShape(model, tied, model.Info(tied), wanted, warnings);
        }
        return CheckShape(model, wanted.Name, model.Info(wanted.Name), wanted, warnings);
    }

    private static TensorInput CheckShape(Checkpoint model, string name, TensorInfo info, TensorInfo wanted, List<string> warnings)
    {
        if (!info.DType.IsMergeable())
        {
            throw new SafetensorsFormatException(model.Directory, name, $"is {info.DType.SafetensorsName()} here but {wanted.DType.SafetensorsName()} in the base model");
        }
        if (info.Shape.SequenceEqual(wanted.Shape))
        {
            return new TensorInput(model, name, info);
        }
        bool vocabularyRows = VocabularyMatrixMarkers.Any(m => wanted.Name.Contains(m, StringComparison.Ordinal))
            && info.Shape.Length == wanted.Shape.Length && info.Shape.Length >= 1
            && info.Shape.Skip(1).SequenceEqual(wanted.Shape.Skip(1));
        if (vocabularyRows && info.Shape[0] > wanted.Shape[0])
        {
            warnings.Add($"{model.Directory}: '{name}' has {info.Shape[0]} rows, the base {wanted.Shape[0]}; merging the first {wanted.Shape[0]} (the shared vocabulary), as mergekit does.");
            return new TensorInput(model, name, info);
        }
        throw new SafetensorsFormatException(model.Directory, name,
            vocabularyRows
                ? $"has {info.Shape[0]} vocabulary rows, fewer than the base model's {wanted.Shape[0]}; only a larger vocabulary can be cut down to the base's"
                : $"shape {info.ShapeText} does not match the base model's {wanted.ShapeText}");
    }

    private static void CheckForExtraTensors(Checkpoint model, Checkpoint reference, List<string> warnings)
    {
        if (ReferenceEquals(model, reference))
        {
            return;
        }
        foreach (var info in model.Tensors)
        {
            if (reference.Contains(info.Name))
            {
                continue;
            }
            if (info.Name.EndsWith("lm_head.weight", StringComparison.Ordinal))
            {
                warnings.Add($"{model.Directory}: '{info.Name}' is ignored: the base model ties its output head to the input embeddings, so the merged model does too.");
                continue;
            }
            throw new SafetensorsFormatException(model.Directory, info.Name, $"not present in the base model '{reference.Directory}'");
        }
    }
}
