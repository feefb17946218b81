using System.Text.Json.Nodes;
using SwarmMerge.IO;

namespace SwarmMerge.Models;

/// <summary>
/// A base checkpoint with a PEFT LoRA adapter applied (mergekit's <c>base+adapter</c>): every tensor of the base,
/// where the adapter's LoRA layers add scale·B·A and its full tensors (<c>modules_to_save</c>, saved biases) replace
/// the base's. Binding checks the adapter against the base the way PEFT would load it, and refuses what does
/// not fit: LoRA weights for a module the config does not target or the base lacks, targeted modules without
/// weights, ranks that differ from <c>r</c>/<c>rank_pattern</c>, shapes that do not fit, quantized bases.
/// </summary>
public sealed class AdaptedModel : IModelSource
{
    private readonly bool _ownsBase;
    private readonly Dictionary<string, LowRankDelta> _deltas;
    private readonly Dictionary<string, TensorInfo> _replacements;

    private AdaptedModel(Checkpoint baseModel, LoraAdapter adapter, bool ownsBase, Dictionary<string, LowRankDelta> deltas,
        Dictionary<string, TensorInfo> replacements, List<string> warnings, string modulePrefix)
    {
        Base = baseModel;
        ModulePrefix = modulePrefix;
        Adapter = adapter;
        _ownsBase = ownsBase;
        _deltas = deltas;
        _replacements = replacements;
        Warnings = warnings;
    }

    /// <summary>The base checkpoint the adapter is applied to.</summary>
    public Checkpoint Base { get; }

    /// <summary>The adapter.</summary>
    public LoraAdapter Adapter { get; }

    /// <summary>Things worth knowing that do not stop the model from being used (e.g. a <c>fan_in_fan_out</c> PEFT would override).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>What the adapter's module names carry before the base's tensor names (<c>transformer.</c> for a GPT-2 head model over a base saved without it; usually empty).</summary>
    public string ModulePrefix { get; }

    /// <summary>The low-rank updates, by the base tensor they change.</summary>
    public IReadOnlyDictionary<string, LowRankDelta> Deltas => _deltas;

    /// <summary>The adapter's full tensors, by the base tensor they replace.</summary>
    public IReadOnlyDictionary<string, TensorInfo> Replacements => _replacements;

    /// <inheritdoc />
    public string Name => $"{Base.Directory}+{Adapter.Directory}";

    /// <inheritdoc />
    public string Directory => Base.Directory;

    /// <inheritdoc />
    public IReadOnlyList<string> Folders => [Base.Directory, Adapter.Directory];

    /// <inheritdoc />
    public JsonObject? Config => Base.Config;

    /// <inheritdoc />
    public IReadOnlyList<TensorInfo> Tensors => Base.Tensors;

    /// <inheritdoc />
    public bool TieWordEmbeddings => Base.TieWordEmbeddings;

    /// <summary>True when the adapter changes tensor <paramref name="name"/> of the base.</summary>
    public bool Changes(string name) => _deltas.ContainsKey(name) || _replacements.ContainsKey(name);

    /// <summary>Applies <paramref name="adapter"/> to <paramref name="baseModel"/>, checking that it fits.</summary>
    /// <param name="baseModel">The base checkpoint.</param>
    /// <param name="adapter">The adapter (disposed with this model).</param>
    /// <param name="ownsBase">Dispose <paramref name="baseModel"/> with this model (false when the base is shared).</param>
    /// <exception cref="AdapterFormatException">The adapter does not fit the base; the message names the file and the field or tensor.</exception>
    public static AdaptedModel Create(Checkpoint baseModel, LoraAdapter adapter, bool ownsBase = false)
    {
        if (baseModel.Config?["quantization_config"] is not null)
        {
            throw new AdapterFormatException(Path.Combine(baseModel.Directory, "config.json"), "quantization_config",
                "the base model is quantized; adapters are applied to float (F32, F16, BF16) bases only");
        }
        var binder = new Binder(baseModel, adapter);
        return new AdaptedModel(baseModel, adapter, ownsBase, binder.Deltas, binder.Replacements, binder.Warnings, binder.ModulePrefix);
    }

    /// <inheritdoc />
    public bool Contains(string name) => Base.Contains(name);

    /// <inheritdoc />
    public TensorInfo Info(string name) => Base.Info(name);

    /// <inheritdoc />
    public ITensorValues OpenValues(string name, IModelSource? origin = null)
    {
        var info = Base.Info(name);
        bool replaced = _replacements.TryGetValue(name, out var replacement);
        var source = replaced ? Adapter.File.OpenTensor(replacement!.Name) : Base.OpenValues(name);
        try
        {
            var factors = _deltas.TryGetValue(name, out var delta) ? delta.Open(Adapter.File) : null;
            return new AdaptedTensor(info, source, replaced, factors, ReferenceEquals(origin, Base));
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The adapter changes the tensor, so its stored bytes are not the model's.</exception>
    public TensorView OpenTensor(string name) => Changes(name)
        ? throw new InvalidOperationException($"'{name}' is changed by the adapter {Adapter.Directory}; read its values (OpenValues), not the base's bytes.")
        : Base.OpenTensor(name);

    /// <inheritdoc />
    public void Dispose()
    {
        Adapter.Dispose();
        if (_ownsBase)
        {
            Base.Dispose();
        }
    }

    /// <summary>Matches an adapter's layers and full tensors to the base's tensors, as PEFT loads them.</summary>
    private sealed class Binder
    {
        private readonly Checkpoint _base;
        private readonly LoraAdapter _adapter;
        private readonly LoraConfig _config;
        private readonly List<string> _overriddenLayouts = [];
        private string? _droppedPrefix;

        public Binder(Checkpoint baseModel, LoraAdapter adapter)
        {
            _base = baseModel;
            _adapter = adapter;
            _config = adapter.Config;
            foreach (var layer in adapter.Layers)
            {
                BindLayer(layer);
            }
            foreach (var (name, info) in adapter.Replacements)
            {
                BindReplacement(name, info);
            }
            CheckTargetsHaveWeights();
            CheckModulesToSave();
            if (_overriddenLayouts.Count > 0)
            {
                Warnings.Add($"{_config.Path}: fan_in_fan_out is {(_config.FanInFanOut ? "true" : "false")}, but the base stores {string.Join(", ", _overriddenLayouts.Take(3))}"
                    + $"{(_overriddenLayouts.Count > 3 ? $" and {_overriddenLayouts.Count - 3} more" : "")} the other way; each layer's own layout is used, as PEFT does.");
            }
        }

        public Dictionary<string, LowRankDelta> Deltas { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, TensorInfo> Replacements { get; } = new(StringComparer.Ordinal);

        public List<string> Warnings { get; } = [];

        public string ModulePrefix => _droppedPrefix ?? "";

        private string WeightsPath => _adapter.File.Path;

        // A model name as the base checkpoint stores it: as written, or without the first segment (a head model's
        // "transformer." when the base was saved from the bare model, as GPT-2 on the Hub is), as transformers loads it.
        private string? BaseName(string name)
        {
            if (_base.Contains(name))
            {
                return name;
            }
            int dot = name.IndexOf('.');
            if (dot > 0 && _base.Contains(name[(dot + 1)..]))
            {
                _droppedPrefix ??= name[..(dot + 1)];
                return name[(dot + 1)..];
            }
            return null;
        }

        private TensorInfo FloatBaseTensor(string name, string adapterTensor)
        {
            var info = _base.Info(name);
            if (!info.DType.IsMergeable())
            {
                throw new AdapterFormatException(WeightsPath, adapterTensor,
                    $"changes '{name}', which the base stores as {info.DType.SafetensorsName()}: quantized or integer bases are not supported");
            }
            return info;
        }

        private void BindLayer(LoraFactors layer)
        {
            string module = layer.Module;
            string weight = BaseName(module + ".weight")
                ?? throw new AdapterFormatException(WeightsPath, layer.A.Name, $"is a LoRA layer on module '{module}', but the base model {_base.Directory} has no tensor '{module}.weight' (an adapter for another architecture?)");
            if (!_config.Targets(module))
            {
                throw new AdapterFormatException(WeightsPath, layer.A.Name,
                    $"is a LoRA layer on module '{module}', which {LoraConfig.FileName}'s target_modules does not select (PEFT would not load it)");
            }
            int rank = _config.RankOf(module);
            if (layer.Rank != rank)
            {
                throw new AdapterFormatException(WeightsPath, layer.A.Name,
                    $"has rank {layer.Rank}, but {LoraConfig.FileName} gives module '{module}' rank {rank} (r / rank_pattern); its scale would be wrong");
            }
            var info = FloatBaseTensor(weight, layer.A.Name);
            long inFeatures = layer.A.Shape[1], outFeatures = layer.B.Shape[0];
            bool linear = info.Shape.Length == 2 && info.Shape[0] == outFeatures && info.Shape[1] == inFeatures;
            bool transposed = info.Shape.Length == 2 && info.Shape[0] == inFeatures && info.Shape[1] == outFeatures;
            if (!linear && !transposed)
            {
                throw new AdapterFormatException(WeightsPath, layer.A.Name,
                    $"lora_A {layer.A.ShapeText} and lora_B {layer.B.ShapeText} make a [{outFeatures}, {inFeatures}] update{(layer.IsEmbedding ? "" : $" ([{inFeatures}, {outFeatures}] for a Conv1D layer)")}, but the base's '{weight}' is {info.ShapeText}: the adapter was trained on another base");
            }
            bool? conv1d = Conv1DLayers.IsConv1D(_base.Config, weight);
            if (layer.IsEmbedding || conv1d is not null)
            {
                // The layer's type fixes the layout: embeddings and Conv1D store (B·A)ᵀ, the known architectures' other layers B·A.
                bool wanted = layer.IsEmbedding || conv1d == true;
                if (wanted ? !transposed : !linear)
                {
                    throw new AdapterFormatException(WeightsPath, layer.A.Name,
                        $"lora_A {layer.A.ShapeText} and lora_B {layer.B.ShapeText} do not fit '{weight}' {info.ShapeText}, {(layer.IsEmbedding ? "an embedding" : wanted ? "a Conv1D layer ([in, out])" : "a Linear layer ([out, in])")}");
                }
                linear = !wanted;
            }
            else if (linear && transposed)
            {
                linear = !_config.FanInFanOut; // square, of an unknown type: only the config can tell a Conv1D from a Linear layer
            }
            if (!layer.IsEmbedding && linear == _config.FanInFanOut)
            {
                _overriddenLayouts.Add($"'{weight}' {info.ShapeText} ({(linear ? "Linear" : "Conv1D")})");
            }
            if (!Deltas.TryAdd(weight, new LowRankDelta(layer, _config.ScaleOf(module), !linear || layer.IsEmbedding, info.Shape[0], info.Shape[1])))
            {
                throw new AdapterFormatException(WeightsPath, layer.A.Name, $"is a second LoRA layer on '{weight}'");
            }
        }

        private void BindReplacement(string name, TensorInfo info)
        {
            string target = BaseName(name)
                ?? throw new AdapterFormatException(WeightsPath, info.Name, $"replaces '{name}', which the base model {_base.Directory} does not have");
            var baseInfo = FloatBaseTensor(target, info.Name);
            if (!baseInfo.Shape.SequenceEqual(info.Shape))
            {
                throw new AdapterFormatException(WeightsPath, info.Name,
                    $"has shape {info.ShapeText}, but the base's '{target}' is {baseInfo.ShapeText}{(IsVocabularyMatrix(target) ? " (a resized vocabulary is not supported)" : "")}");
            }
            if (!Replacements.TryAdd(target, info))
            {
                throw new AdapterFormatException(WeightsPath, info.Name, $"replaces '{target}' a second time");
            }
        }

        private static bool IsVocabularyMatrix(string name) =>
            name.Contains("embed", StringComparison.Ordinal) || name.Contains("lm_head", StringComparison.Ordinal) || name.Contains("wte", StringComparison.Ordinal);

        // PEFT's module keys for the base's tensors: the tensor name minus its last segment, with the prefix the
        // adapter's names carry when the base checkpoint lacks it.
        private string ModuleKey(string tensorName) => (_droppedPrefix ?? "") + tensorName[..tensorName.LastIndexOf('.')];

        private void CheckTargetsHaveWeights()
        {
            if (_config.TargetsAllLinear)
            {
                return; // the layer types that "all-linear" means are not visible in tensor names; the file's layers are taken as they are
            }
            int targeted = 0;
            foreach (var info in _base.Tensors)
            {
                if (info.Shape.Length != 2 || !info.Name.EndsWith(".weight", StringComparison.Ordinal) || !_config.Targets(ModuleKey(info.Name)))
                {
                    continue;
                }
                targeted++;
                if (!Deltas.ContainsKey(info.Name))
                {
                    throw new AdapterFormatException(WeightsPath, null,
                        $"{LoraConfig.FileName}'s target_modules selects module '{ModuleKey(info.Name)}', but the file has no LoRA weights for it (PEFT would leave it untrained)");
                }
            }
            if (targeted == 0)
            {
                throw new AdapterFormatException(_config.Path, "target_modules", $"selects no module of the base model {_base.Directory}");
            }
        }

        // PEFT's modules_to_save wrapper loads every parameter of a matching module from the file, and fails without one.
        private void CheckModulesToSave()
        {
            foreach (var info in _base.Tensors)
            {
                string key = (_droppedPrefix ?? "") + info.Name;
                for (int dot = key.IndexOf('.'); dot > 0; dot = key.IndexOf('.', dot + 1))
                {
                    if (_config.SavesModule(key[..dot]) && !Replacements.ContainsKey(info.Name))
                    {
                        throw new AdapterFormatException(WeightsPath, null,
                            $"{LoraConfig.FileName}'s modules_to_save covers module '{key[..dot]}', but the file lacks its tensor '{LoraAdapter.Prefix}{key}'");
                    }
                }
            }
        }
    }
}
