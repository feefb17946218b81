using SwarmMerge.IO;
using SwarmMerge.Models;

namespace SwarmMerge.Merging;

/// <summary>Turns a <see cref="MergeConfig"/> into a validated <see cref="MergePlan"/>.</summary>
public static class MergePlanner
{
    private static readonly string[] TiedEmbeddingNames =
    [
        "model.embed_tokens.weight", "transformer.wte.weight", "model.decoder.embed_tokens.weight", "shared.weight",
        "gpt_neox.embed_in.weight", "embed_tokens.weight", "wte.weight",
    ];

    private static readonly IReadOnlyDictionary<string, ParameterSetting> NoParameters = new Dictionary<string, ParameterSetting>();

    private static readonly string[] VocabularyMatrixMarkers = ["embed_tokens", "wte", "word_embeddings", "shared", "embed_in", "embed_out", "lm_head"];

    /// <summary>
    /// Opens and checks every input of <paramref name="config"/>; relative model paths resolve against
    /// <paramref name="root"/> (mergekit resolves them against the working directory).
    /// </summary>
    /// <exception cref="MergeConfigException">The config cannot run as written.</exception>
    /// <exception cref="SafetensorsFormatException">An input file is invalid or a tensor does not fit.</exception>
    /// <exception cref="AdapterFormatException">An adapter is invalid or does not fit its base.</exception>
    public static MergePlan Create(MergeConfig config, string root)
    {
        var method = MergeMethods.Get(config.MergeMethod);
        var opener = new ModelOpener();
        try
        {
            return Build(config, root, method, opener);
        }
        catch
        {
            opener.Dispose();
            throw;
        }
    }

    private static MergePlan Build(MergeConfig config, string root, IMergeMethod method, ModelOpener opener)
    {
        ModelReference Reference(string text, string field)
        {
            ModelReference reference;
            try
            {
                reference = ModelReference.Parse(text, root);
            }
            catch (FormatException e)
            {
                throw new MergeConfigException($"{field}: {e.Message}");
            }
            foreach (string folder in reference.Folders)
            {
                if (!Directory.Exists(folder))
                {
                    throw new MergeConfigException($"{field}: model folder '{text}' not found (looked in '{folder}'). SwarmMerge reads local folders; it does not download from the Hugging Face Hub.");
                }
            }
            return reference;
        }

        var baseReference = config.BaseModel is null ? null : Reference(config.BaseModel, "base_model");

        // A model as a config names it: a checkpoint, base+adapter, or an adapter folder alone, which goes on base_model.
        IModelSource Open(string text, string field)
        {
            var reference = Reference(text, field);
            if (reference.IsBareAdapter)
            {
                if (baseReference is null)
                {
                    throw new MergeConfigException($"{field}: '{text}' is a PEFT adapter; without base_model, name its base as BASE+ADAPTER (mergekit's form).");
                }
                try
                {
                    reference = reference.OnBase(baseReference);
                }
                catch (FormatException e)
                {
                    throw new MergeConfigException($"{field}: {e.Message}");
                }
            }
            return opener.Open(reference);
        }

        var baseModel = baseReference is null ? null : opener.Open(baseReference);
        TensorDType? dtype = ParseDType(config.DType, "dtype"), outputDType = ParseDType(config.OutDType, "out_dtype") ?? dtype;
        var warnings = new List<string>();
        CheckParameterNames(config, method);

        var layout = config.Slices is null
            ? WholeModels(config, method, baseModel, Open, warnings)
            : SlicePlanner.Plan(config, method, baseModel, Open, warnings);
        var tensors = new List<PlannedTensor>();
        long globalOffset = 0;
        foreach (var slot in layout.Slots)
        {
            var info = slot.Reference.Info(slot.ReferenceName);
            if (!info.DType.IsMergeable())
            {
                tensors.Add(new PlannedTensor(new OutputTensor(slot.Name, info.DType, info.Shape), null, slot.Reference) { SourceName = slot.ReferenceName == slot.Name ? null : slot.ReferenceName });
                continue;
            }
            var inputs = slot.Inputs.Select(i => ResolveInput(i.Model, i.TensorName, info, warnings)).ToList();
            // As mergekit's plan_tensor: method-wide values are read for the output tensor's name, each model's for its own input tensor's.
            var parameters = method.Parameters.ToDictionary(d => d.Name, d => Evaluate(d, [slot.SliceParameters, config.Parameters], slot.Name, slot.T, null));
            var modelParameters = slot.Inputs.Select(i => (IReadOnlyDictionary<string, object>)method.ModelParameters
                .ToDictionary(d => d.Name, d => Evaluate(d, [i.Parameters, slot.SliceParameters, config.Parameters], i.TensorName, slot.T, i.Label))).ToList();
            var output = new OutputTensor(slot.Name, outputDType ?? info.DType, info.Shape);
            var baseInput = slot.Base is { } b ? new TensorInput(b.Model, b.TensorName, b.Model.Info(b.TensorName)) : null;
            var job = new TensorMergeJob(slot.Name, info.Shape, output.DType, baseInput, inputs, parameters, modelParameters, globalOffset);
            method.ValidateParameters(job);
            tensors.Add(new PlannedTensor(output, job, null));
            globalOffset += job.Length;
        }

        string tokenizerSource = config.TokenizerSource switch
        {
            null or "base" => layout.Reference.Directory,
            "union" => throw new MergeConfigException("tokenizer_source: 'union' (merging vocabularies) is not supported; use 'base' or a model folder."),
            var path => Open(path, "tokenizer_source").Directory, // for base+adapter, the base's folder
        };
        foreach (string name in MergeExecutor.SupportFiles.Where(name => File.Exists(Path.Combine(tokenizerSource, name))))
        {
            InputFiles.RequireRegularFile(Path.Combine(tokenizerSource, name)); // copied into the output at the end
        }
        return new MergePlan(config, method, layout.Reference, baseModel, layout.Models, tensors, opener.Warnings.Concat(warnings).ToList(),
            tokenizerSource, outputDType, opener)
        {
            OutputLayers = layout.OutputLayers,
            OutputAttention = layout.LayerOrigins is { } origins ? SliceAttention.Of(layout.Reference, origins) : null,
        };
    }

    // models: every tensor of the reference (the base, else the first model) under its own name, t by layer position.
    private static PlanLayout WholeModels(MergeConfig config, IMergeMethod method, IModelSource? baseModel,
        Func<string, string, IModelSource> open, List<string> warnings)
    {
        if (method.RequiresBaseModel && baseModel is null)
        {
            throw new MergeConfigException($"merge_method '{method.Name}' needs 'base_model'.");
        }
        var entries = new List<(ModelEntry Entry, IModelSource Model)>();
        foreach (var (entry, i) in config.Models.Select((e, i) => (e, i)))
        {
            var model = open(entry.Model, $"models[{i}]");
            if (method.RequiresBaseModel && ReferenceEquals(model, baseModel))
            {
                continue; // the base is the origin of the task vectors, never one of them
            }
            entries.Add((entry, model));
        }
        method.ValidateModelCount(entries.Count);
        var reference = baseModel ?? entries[0].Model;
        var positions = new LayerPosition(reference.Tensors.Select(t => t.Name));
        var slots = reference.Tensors.Select(info => new TensorSlot(
            info.Name, positions.Of(info.Name), reference, info.Name,
            baseModel is null ? null : new SlotInput(baseModel, info.Name, NoParameters, config.BaseModel!),
            entries.Select(e => new SlotInput(e.Model, info.Name, e.Entry.Parameters, e.Entry.Model)).ToList(),
            NoParameters)).ToList();
        foreach (var model in entries.Select(e => e.Model).Append(baseModel).OfType<IModelSource>().Distinct())
        {
            CheckForExtraTensors(model, reference, warnings);
        }
        return new PlanLayout(slots, reference, entries.Select(e => e.Model).ToList(), null);
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

    // The first level (a model's own, its slice's, the top level) whose setting gives a value for this tensor wins.
    private static object Evaluate(ParameterDefinition definition, IReadOnlyDictionary<string, ParameterSetting>[] levels, string tensor, double t, string? model)
    {
        foreach (var level in levels)
        {
            if (level.TryGetValue(definition.Name, out var setting) && setting.Evaluate(tensor, t) is { } value)
            {
                return value;
            }
        }
        return definition.Default
            ?? throw new MergeConfigException($"Missing required parameter '{definition.Name}'{(model is null ? "" : $" of model '{model}'")} for tensor '{tensor}'.");
    }

    // An unknown parameter is an error with its line: a typo ("dencity") would otherwise merge with the default.
    private static void CheckParameterNames(MergeConfig config, IMergeMethod method)
    {
        var known = method.Parameters.Concat(method.ModelParameters).Select(d => d.Name).ToHashSet();
        IEnumerable<(string Name, ParameterSetting Setting, string Where)> In(IReadOnlyDictionary<string, ParameterSetting> parameters, string where) =>
            parameters.Select(p => (p.Key, p.Value, where));
        var given = In(config.Parameters, "parameters")
            .Concat(config.Models.SelectMany(m => In(m.Parameters, $"model '{m.Model}'")))
            .Concat((config.Slices ?? []).SelectMany((s, i) => In(s.Parameters, $"slices[{i}]")
                .Concat(s.Sources.SelectMany(src => In(src.Parameters, $"slices[{i}] model '{src.Model}'")))));
        foreach (var (name, setting, where) in given)
        {
            if (!known.Contains(name))
            {
                throw new MergeConfigException($"{setting.Location ?? where}: unknown parameter '{name}' for merge_method '{method.Name}' (it reads: {string.Join(", ", known.Order())}).");
            }
        }
    }

    // The tensor `name` of `model` that stands for the reference tensor `wanted`.
    private static TensorInput ResolveInput(IModelSource model, string name, TensorInfo wanted, List<string> warnings)
    {
        if (!model.Contains(name))
        {
            string? tied = name.EndsWith("lm_head.weight", StringComparison.Ordinal) && model.TieWordEmbeddings
                ? TiedEmbeddingNames.FirstOrDefault(model.Contains)
                : null;
            if (tied is null)
            {
                string where = name == wanted.Name ? "" : $" (as '{wanted.Name}')";
                throw new SafetensorsFormatException(model.Name, name, $"missing from this model but present in the base model{where}");
            }
            return CheckShape(model, tied, model.Info(tied), wanted, warnings);
        }
        return CheckShape(model, name, model.Info(name), wanted, warnings);
    }

    private static TensorInput CheckShape(IModelSource model, string name, TensorInfo info, TensorInfo wanted, List<string> warnings)
    {
        if (!info.DType.IsMergeable())
        {
            throw new SafetensorsFormatException(model.Name, name, $"is {info.DType.SafetensorsName()} here but {wanted.DType.SafetensorsName()} in the base model");
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
            warnings.Add($"{model.Name}: '{name}' has {info.Shape[0]} rows, the base {wanted.Shape[0]}; merging the first {wanted.Shape[0]} (the shared vocabulary), as mergekit does.");
            return new TensorInput(model, name, info);
        }
        throw new SafetensorsFormatException(model.Name, name,
            vocabularyRows
                ? $"has {info.Shape[0]} vocabulary rows, fewer than the base model's {wanted.Shape[0]}; only a larger vocabulary can be cut down to the base's"
                : $"shape {info.ShapeText} does not match the base model's {wanted.ShapeText}");
    }

    private static void CheckForExtraTensors(IModelSource model, IModelSource reference, List<string> warnings)
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
                warnings.Add($"{model.Name}: '{info.Name}' is ignored: the base model ties its output head to the input embeddings, so the merged model does too.");
                continue;
            }
            throw new SafetensorsFormatException(model.Name, info.Name, $"not present in the base model '{reference.Name}'");
        }
    }
}
