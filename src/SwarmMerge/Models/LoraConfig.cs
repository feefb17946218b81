using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SwarmMerge.IO;

namespace SwarmMerge.Models;

/// <summary>
/// A PEFT LoRA <c>adapter_config.json</c>: rank and alpha (with <c>rank_pattern</c>/<c>alpha_pattern</c> per module),
/// rsLoRA, the target modules, <c>modules_to_save</c>, <c>fan_in_fan_out</c>. Module selection and pattern lookup follow
/// PEFT's own rules (<c>check_target_module_exists</c>, <c>get_pattern_key</c>), with .NET regular expressions
/// standing in for Python's <c>re</c>. Settings that change what the adapter computes in ways SwarmMerge does not
/// implement (DoRA, a bias on lora_B, quantization-aware or mutated-base initializations, …) are refused.
/// </summary>
public sealed class LoraConfig
{
    /// <summary>The config's file name in an adapter folder.</summary>
    public const string FileName = "adapter_config.json";

    /// <summary>PEFT's shorthand for every linear layer but the output head.</summary>
    public const string AllLinear = "all-linear";

    // Settings that, when set, make the adapter something other than W + scale·B·A on the given base.
    private static readonly (string Field, string Why)[] Refused =
    [
        ("use_dora", "DoRA (weight-decomposed LoRA) rescales each merged column by a learned magnitude; only plain LoRA is supported"),
        ("lora_bias", "a trained bias on lora_B is not supported"),
        ("use_qalora", "QA-LoRA adapters belong to quantized (GPTQ) bases, which are not supported"),
        ("loftq_config", "LoftQ adapters belong to a quantized base, which is not supported"),
        ("alora_invocation_tokens", "activated LoRA applies only after its invocation tokens, so it cannot be folded into the weights"),
        ("layer_replication", "layer replication builds a different layer stack than the base's"),
        ("target_parameters", "LoRA on bare parameters (target_parameters) is not supported"),
        ("trainable_token_indices", "trainable token indices are not supported"),
        ("use_bdlora", "block-diagonal LoRA is not supported"),
        ("kasa_config", "KaSA changes the base weights and inserts singular values between A and B; not supported"),
        ("arrow_config", "Arrow routes between several adapters per token; not supported"),
        ("monteclora_config", "MonteCLoRA samples its factors; not supported"),
    ];

    // init_lora_weights values that rewrite the base weights at initialization: the saved factors then belong to a
    // modified base unless PEFT converted them (which also resets this field).
    private static readonly string[] MutatingInitializations = ["pissa", "olora", "corda", "loftq"];

    private readonly Dictionary<string, Regex> _regexes = new(StringComparer.Ordinal);
    private readonly string? _targetRegex;
    private readonly HashSet<string>? _targetNames;
    private readonly string? _excludeRegex;
    private readonly HashSet<string>? _excludeNames;
    private readonly List<(string Key, int Rank)> _rankPattern;
    private readonly List<(string Key, double Alpha)> _alphaPattern;
    private readonly int[]? _layersToTransform;
    private readonly string[]? _layersPattern;

    private LoraConfig(string path, JsonObject json)
    {
        Path = path;
        Json = json;
        if (Text(json, "peft_type") is not { } type)
        {
            throw new AdapterFormatException(path, "peft_type", "missing: this is not a PEFT adapter config");
        }
        if (type != "LORA")
        {
            throw new AdapterFormatException(path, "peft_type", $"is '{type}'; only LORA adapters are supported");
        }
        foreach (var (field, why) in Refused)
        {
            if (IsSet(json[field]))
            {
                throw new AdapterFormatException(path, field, $"is set: {why}");
            }
        }
        // init_lora_weights is true/false or the name of an initialization.
        if (json["init_lora_weights"] is JsonValue initValue && initValue.TryGetValue(out string? init) && MutatingInitializations.Any(m => init.StartsWith(m, StringComparison.Ordinal)))
        {
            throw new AdapterFormatException(path, "init_lora_weights",
                $"is '{init}': this initialization rewrites the base weights, so the saved factors do not apply to the original base (convert the adapter with PEFT's path_initial_model_for_weight_conversion first)");
        }

        Rank = Integer(json, "r") ?? 8;
        if (Rank < 1)
        {
            throw new AdapterFormatException(path, "r", $"must be a positive integer; it is {Rank}");
        }
        Alpha = Number(json, "lora_alpha") ?? 8;
        UseRslora = Flag(json, "use_rslora") ?? false;
        FanInFanOut = Flag(json, "fan_in_fan_out") ?? false;
        (_targetRegex, _targetNames) = NamesOrRegex(json, "target_modules");
        (_excludeRegex, _excludeNames) = NamesOrRegex(json, "exclude_modules");
        if (_targetRegex is null && _targetNames is null)
        {
            throw new AdapterFormatException(path, "target_modules", "is missing; PEFT writes the resolved list when it saves an adapter");
        }
        ModulesToSave = Strings(json, "modules_to_save") ?? [];
        _rankPattern = Pattern<int>(json, "rank_pattern", node => Integer(node, "rank_pattern") is int r && r >= 1 ? r : throw Invalid("rank_pattern", "values must be positive integers"));
        _alphaPattern = Pattern(json, "alpha_pattern", node => Number(node, "alpha_pattern"));
        _layersToTransform = json["layers_to_transform"] switch
        {
            null => null,
            JsonArray list => list.Select(n => Integer(n, "layers_to_transform") ?? throw Invalid("layers_to_transform", "must hold integers")).ToArray(),
            var single => [Integer(single, "layers_to_transform") ?? throw Invalid("layers_to_transform", "must be an integer or a list of integers")],
        };
        LayersToTransformIsList = json["layers_to_transform"] is JsonArray;
        _layersPattern = json["layers_pattern"] switch
        {
            null => null,
            JsonArray => Strings(json, "layers_pattern"),
            _ => [Text(json, "layers_pattern") ?? throw Invalid("layers_pattern", "must be a string or a list of strings")],
        };
        // Check every regular expression now, so a bad one is reported against its field before any work.
        foreach (var (field, pattern) in new[] { ("target_modules", _targetRegex), ("exclude_modules", _excludeRegex) }
            .Concat(_rankPattern.Select(p => ("rank_pattern", (string?)p.Key))).Concat(_alphaPattern.Select(p => ("alpha_pattern", (string?)p.Key)))
            .Concat(ModulesToSave.Select(m => ("modules_to_save", (string?)m))).Concat((_layersPattern ?? []).Select(p => ("layers_pattern", (string?)p))))
        {
            if (pattern is not null)
            {
                try
                {
                    _ = new Regex(pattern, RegexOptions.CultureInvariant);
                }
                catch (ArgumentException e)
                {
                    throw new AdapterFormatException(path, field, $"'{pattern}' is not a regular expression .NET reads ({e.Message})");
                }
            }
        }
    }

    /// <summary>The config file (absolute).</summary>
    public string Path { get; }

    /// <summary>The parsed file, as written.</summary>
    public JsonObject Json { get; }

    /// <summary><c>r</c>: the default rank.</summary>
    public int Rank { get; }

    /// <summary><c>lora_alpha</c>: the default alpha.</summary>
    public double Alpha { get; }

    /// <summary><c>use_rslora</c>: scale by α/√r instead of α/r.</summary>
    public bool UseRslora { get; }

    /// <summary><c>fan_in_fan_out</c>: the targets store their weights as [in, out] (GPT-2's Conv1D). PEFT decides by layer type; see <see cref="AdaptedModel"/>.</summary>
    public bool FanInFanOut { get; }

    /// <summary><c>modules_to_save</c>: modules saved in full (suffixes of module names, as PEFT matches them).</summary>
    public IReadOnlyList<string> ModulesToSave { get; }

    /// <summary>True when <c>target_modules</c> is PEFT's <c>all-linear</c> shorthand.</summary>
    public bool TargetsAllLinear => _targetRegex == AllLinear;

    private bool LayersToTransformIsList { get; }

    /// <summary>Reads and checks <paramref name="path"/>.</summary>
    /// <exception cref="AdapterFormatException">Not a LoRA config, or one that is not supported; the message names the field.</exception>
    public static LoraConfig Load(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        JsonObject json;
        try
        {
            json = Checkpoint.ReadJsonObject(path);
        }
        catch (SafetensorsFormatException e)
        {
            throw new AdapterFormatException(path, null, e.Message.StartsWith(path, StringComparison.Ordinal) ? e.Message[(path.Length + 2)..] : e.Message);
        }
        return new LoraConfig(path, json);
    }

    /// <summary>
    /// Whether PEFT puts a LoRA layer on module <paramref name="key"/> (its name in the model, e.g.
    /// <c>model.layers.0.self_attn.q_proj</c>): not excluded, not a module to save, and matched by
    /// <c>target_modules</c> (a regex matching the whole name; or a name equal to an entry, or ending in
    /// <c>.entry</c> and lying in one of <c>layers_to_transform</c>). <c>all-linear</c> matches every module.
    /// </summary>
    public bool Targets(string key)
    {
        if (_excludeRegex is not null ? FullMatch(_excludeRegex, key)
            : _excludeNames is not null && (_excludeNames.Contains(key) || _excludeNames.Any(e => key.EndsWith("." + e, StringComparison.Ordinal))))
        {
            return false;
        }
        if (ModulesToSave.Any(m => Match($"(^|.*\\.){m}($|\\..*)", key)))
        {
            return false;
        }
        if (_targetRegex is not null)
        {
            return TargetsAllLinear || FullMatch(_targetRegex, key);
        }
        if (_targetNames!.Contains(key))
        {
            return true; // an exact name is taken as it is, without the layer filter (PEFT's order of checks)
        }
        if (!_targetNames.Any(t => key.EndsWith("." + t, StringComparison.Ordinal)))
        {
            return false;
        }
        bool usingLayers = _layersToTransform is not null && (!LayersToTransformIsList || _layersToTransform.Length > 0);
        if (!usingLayers)
        {
            return true;
        }
        Match? layer = null;
        if (_layersPattern is null || _layersPattern.Length == 0)
        {
            layer = Pattern(@".*?\.[^.]*\.(\d+)\.").Match(key);
        }
        else
        {
            foreach (string pattern in _layersPattern)
            {
                layer = Pattern($@".*?\.{pattern}\.(\d+)\.").Match(key);
                if (layer.Success)
                {
                    break;
                }
            }
        }
        return layer is { Success: true } && _layersToTransform!.Contains(int.Parse(layer.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>The rank of module <paramref name="key"/>: the first <c>rank_pattern</c> key matching it (PEFT's <c>get_pattern_key</c>), else <c>r</c>.</summary>
    public int RankOf(string key) => PatternValue(_rankPattern, key) ?? Rank;

    /// <summary>The alpha of module <paramref name="key"/>: the first <c>alpha_pattern</c> key matching it, else <c>lora_alpha</c>.</summary>
    public double AlphaOf(string key) => PatternValue(_alphaPattern, key) ?? Alpha;

    /// <summary>The LoRA scale of module <paramref name="key"/>: α/r, or α/√r with rsLoRA.</summary>
    public double ScaleOf(string key) => UseRslora ? AlphaOf(key) / Math.Sqrt(RankOf(key)) : AlphaOf(key) / RankOf(key);

    /// <summary>Whether module <paramref name="key"/> is one of <c>modules_to_save</c> (PEFT: the name ends with an entry).</summary>
    public bool SavesModule(string key) => ModulesToSave.Any(m => key.EndsWith(m, StringComparison.Ordinal));

    // get_pattern_key: the first key k for which re.match(rf"(.*\.)?({k})$", name) holds; the dict's own order.
    private T? PatternValue<T>(List<(string Key, T Value)> pattern, string key) where T : struct
    {
        foreach (var (k, value) in pattern)
        {
            if (Match($"(.*\\.)?({k})$", key))
            {
                return value;
            }
        }
        // PEFT then looks the module's own name up in the dict, which only finds it when it is a key (matched above).
        return null;
    }

    private bool Match(string pattern, string key) => Pattern(pattern).IsMatch(key);

    private bool FullMatch(string pattern, string key) => Pattern($"(?:{pattern})\\z").IsMatch(key);

    // Python's re.match anchors at the start only; every pattern here is used that way.
    private Regex Pattern(string pattern)
    {
        lock (_regexes)
        {
            if (!_regexes.TryGetValue(pattern, out var regex))
            {
                regex = new Regex("^" + pattern, RegexOptions.CultureInvariant);
                _regexes[pattern] = regex;
            }
            return regex;
        }
    }

    private AdapterFormatException Invalid(string field, string problem) => new(Path, field, problem);

    private static bool IsSet(JsonNode? node) => node switch
    {
        null => false,
        JsonValue value when value.TryGetValue(out bool flag) => flag,
        JsonArray array => array.Count > 0,
        JsonObject obj => obj.Count > 0,
        _ => true,
    };

    private string? Text(JsonObject json, string field) => json[field] switch
    {
        null => null,
        JsonValue value when value.TryGetValue(out string? text) => text,
        _ => throw Invalid(field, "must be a string"),
    };

    private bool? Flag(JsonObject json, string field) => json[field] switch
    {
        null => null,
        JsonValue value when value.TryGetValue(out bool flag) => flag,
        _ => throw Invalid(field, "must be true or false"),
    };

    private double? Number(JsonObject json, string field) => Number(json[field], field);

    private double? Number(JsonNode? node, string field) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue(out double number) => number,
        _ => throw Invalid(field, "must be a number"),
    };

    private int? Integer(JsonObject json, string field) => Integer(json[field], field);

    private int? Integer(JsonNode? node, string field) => Number(node, field) switch
    {
        null => null,
        double d when d == Math.Floor(d) && Math.Abs(d) < int.MaxValue => (int)d,
        _ => throw Invalid(field, "must be an integer"),
    };

    private string[]? Strings(JsonObject json, string field) => json[field] switch
    {
        null => null,
        JsonArray list => list.Select(n => n is JsonValue v && v.TryGetValue(out string? s) ? s : throw Invalid(field, "must be a list of strings")).ToArray(),
        _ => throw Invalid(field, "must be a list of strings"),
    };

    // A list is a set of names (suffix matched); a single string is a regex matched against the whole name.
    private (string? Regex, HashSet<string>? Names) NamesOrRegex(JsonObject json, string field) => json[field] switch
    {
        null => (null, null),
        JsonArray => (null, new HashSet<string>(Strings(json, field)!, StringComparer.Ordinal)),
        _ => (Text(json, field), null),
    };

    private List<(string, T)> Pattern<T>(JsonObject json, string field, Func<JsonNode?, T?> value) where T : struct => json[field] switch
    {
        null => [],
        JsonObject map => map.Select(p => (p.Key, value(p.Value) ?? throw Invalid(field, $"'{p.Key}' has no value"))).ToList(),
        _ => throw Invalid(field, "must map module names or patterns to values"),
    };
}
