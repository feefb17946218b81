using SwarmMerge.IO;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SwarmMerge.Merging;

/// <summary>Reads mergekit-style YAML into a <see cref="MergeConfig"/>, with errors that give the line.</summary>
public static class MergeConfigParser
{
    private static readonly string[] Supported = ["merge_method", "base_model", "models", "slices", "parameters", "dtype", "out_dtype", "tokenizer_source"];

    private static readonly Dictionary<string, string> Unsupported = new()
    {
        ["modules"] = "'modules' (per-module slices of multi-module models) is not supported; use 'models:' or 'slices:'",
        ["tokenizer"] = "'tokenizer' (vocabulary merging) is not supported; use 'tokenizer_source: base' or a model folder",
        ["chat_template"] = "'chat_template' is not supported yet; edit tokenizer_config.json of the output instead",
    };

    /// <summary>Reads the config file at <paramref name="path"/>.</summary>
    public static MergeConfig Load(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) // a folder is refused by the read, as such
        {
            throw new MergeConfigException($"Config file '{path}' does not exist.");
        }
        return Parse(InputFiles.ReadAllText(path), path);
    }

    /// <summary>Parses YAML text; <paramref name="source"/> names it in errors.</summary>
    public static MergeConfig Parse(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new MergeConfigException($"{source}: not valid YAML at line {e.Start.Line}: {e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new MergeConfigException($"{source}: expected a mapping with at least 'merge_method' and 'models'.");
        }

        string? method = null, baseModel = null, dtype = null, outDtype = null, tokenizerSource = null;
        var models = new List<ModelEntry>();
        List<OutputSlice>? slices = null;
        IReadOnlyDictionary<string, ParameterSetting> parameters = new Dictionary<string, ParameterSetting>();
        foreach (var (keyNode, value) in root.Children)
        {
            string key = Text(keyNode, source);
            switch (key)
            {
                case "merge_method": method = Text(value, source); break;
                case "base_model": baseModel = Text(value, source); break;
                case "dtype": dtype = Text(value, source); break;
                case "out_dtype": outDtype = Text(value, source); break;
                case "tokenizer_source": tokenizerSource = Text(value, source); break;
                case "parameters": parameters = ParseParameters(value, source); break;
                case "models": models = ParseModels(value, source); break;
                case "slices": slices = ParseSlices(value, source); break;
                default:
                    throw new MergeConfigException(Unsupported.TryGetValue(key, out var why)
                        ? $"{source}: line {keyNode.Start.Line}: {why}."
                        : $"{source}: line {keyNode.Start.Line}: unknown key '{key}' (supported: {string.Join(", ", Supported)}).");
            }
        }
        if (method is null)
        {
            throw new MergeConfigException($"{source}: missing 'merge_method'.");
        }
        // mergekit: "Exactly one of 'models', 'slices', or 'modules' must be present" (an empty list counts as absent).
        if (models.Count > 0 && slices is { Count: > 0 })
        {
            throw new MergeConfigException($"{source}: give either 'models' or 'slices', not both.");
        }
        if (models.Count == 0 && slices is not { Count: > 0 })
        {
            throw new MergeConfigException($"{source}: 'models' (or 'slices') must list at least one model.");
        }
        return new MergeConfig(method, baseModel, models, parameters, dtype, outDtype, tokenizerSource) { Slices = slices is { Count: > 0 } ? slices : null, SourceText = yaml };
    }

    private static List<OutputSlice> ParseSlices(YamlNode node, string source)
    {
        if (node is not YamlSequenceNode sequence)
        {
            throw new MergeConfigException($"{source}: line {node.Start.Line}: 'slices' must be a list.");
        }
        var slices = new List<OutputSlice>();
        foreach (var item in sequence.Children)
        {
            var fields = Mapping(item, source, "a slice", "sources", "parameters", "base_model", "residual_weight");
            if (!fields.TryGetValue("sources", out var sourcesNode) || sourcesNode is not YamlSequenceNode { Children.Count: > 0 } sourceList)
            {
                throw new MergeConfigException($"{source}: line {item.Start.Line}: a slice needs 'sources', a list of at least one {{model, layer_range}}.");
            }
            var sources = sourceList.Children.Select(s => ParseSliceSource(s, source)).ToList();
            if (sources.Any(s => s.Length != sources[0].Length))
            {
                throw new MergeConfigException($"{source}: line {item.Start.Line}: all sources of a slice must have the same number of layers; layer_range lengths are {string.Join(", ", sources.Select(s => s.Length))}.");
            }
            slices.Add(new OutputSlice(
                sources,
                fields.TryGetValue("parameters", out var p) ? ParseParameters(p, source) : new Dictionary<string, ParameterSetting>(),
                fields.TryGetValue("base_model", out var b) ? Text(b, source) : null));
        }
        return slices;
    }

    private static SliceSource ParseSliceSource(YamlNode node, string source)
    {
        var fields = Mapping(node, source, "a slice source", "model", "layer_range", "parameters");
        if (!fields.TryGetValue("model", out var model) || !fields.TryGetValue("layer_range", out var range))
        {
            throw new MergeConfigException($"{source}: line {node.Start.Line}: a slice source needs 'model' and 'layer_range'.");
        }
        int[] bounds = range is YamlSequenceNode { Children.Count: 2 } pair
            ? pair.Children.Select(c => LayerIndex(c, source)).ToArray()
            : throw new MergeConfigException($"{source}: line {range.Start.Line}: 'layer_range' must be [first, end], two layer numbers (end exclusive).");
        if (bounds[0] < 0 || bounds[1] < bounds[0])
        {
            throw new MergeConfigException($"{source}: line {range.Start.Line}: 'layer_range' [{bounds[0]}, {bounds[1]}] must satisfy 0 <= first <= end.");
        }
        return new SliceSource(Text(model, source), bounds[0], bounds[1],
            fields.TryGetValue("parameters", out var p) ? ParseParameters(p, source) : new Dictionary<string, ParameterSetting>());
    }

    // pydantic's int: an integral number, also written as text ("8"), as a float (8.0) or as a boolean (1).
    private static int LayerIndex(YamlNode node, string source) =>
        node is YamlScalarNode scalar && MergekitScalar.Number(scalar) is double d && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue
            ? (int)d
            : throw new MergeConfigException($"{source}: line {node.Start.Line}: a layer number must be a whole number.");

    private static Dictionary<string, YamlNode> Mapping(YamlNode node, string source, string what, params string[] keys)
    {
        if (node is not YamlMappingNode mapping)
        {
            throw new MergeConfigException($"{source}: line {node.Start.Line}: {what} must be a mapping ({string.Join(", ", keys)}).");
        }
        var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in mapping.Children)
        {
            string key = Text(keyNode, source);
            fields[keys.Contains(key) ? key : throw new MergeConfigException($"{source}: line {keyNode.Start.Line}: unknown key '{key}' in {what} (expected {string.Join(", ", keys)}).")] = value;
        }
        return fields;
    }

    private static List<ModelEntry> ParseModels(YamlNode node, string source)
    {
        if (node is not YamlSequenceNode sequence)
        {
            throw new MergeConfigException($"{source}: line {node.Start.Line}: 'models' must be a list.");
        }
        var models = new List<ModelEntry>();
        foreach (var item in sequence.Children)
        {
            if (item is YamlScalarNode bare)
            {
                models.Add(new ModelEntry(Text(bare, source), new Dictionary<string, ParameterSetting>()));
                continue;
            }
            if (item is not YamlMappingNode mapping)
            {
                throw new MergeConfigException($"{source}: line {item.Start.Line}: each model must be a mapping with 'model' and optional 'parameters'.");
            }
            string? model = null;
            IReadOnlyDictionary<string, ParameterSetting> parameters = new Dictionary<string, ParameterSetting>();
            foreach (var (keyNode, value) in mapping.Children)
            {
                string key = Text(keyNode, source);
                if (key == "model")
                {
                    model = Text(value, source);
                }
                else if (key == "parameters")
                {
                    parameters = ParseParameters(value, source);
                }
                else
                {
                    throw new MergeConfigException($"{source}: line {keyNode.Start.Line}: unknown key '{key}' in a model entry (expected 'model', 'parameters').");
                }
            }
            if (model is null)
            {
                throw new MergeConfigException($"{source}: line {item.Start.Line}: model entry without 'model'.");
            }
            models.Add(new ModelEntry(model, parameters));
        }
        return models;
    }

    private static Dictionary<string, ParameterSetting> ParseParameters(YamlNode node, string source)
    {
        var result = new Dictionary<string, ParameterSetting>(StringComparer.Ordinal);
        if (node is YamlScalarNode { Value: null or "" or "null" or "~" })
        {
            return result;
        }
        if (node is not YamlMappingNode mapping)
        {
            throw new MergeConfigException($"{source}: line {node.Start.Line}: 'parameters' must be a mapping.");
        }
        foreach (var (keyNode, value) in mapping.Children)
        {
            result[Text(keyNode, source)] = ParseSetting(value, source) with { Location = $"{source}: line {keyNode.Start.Line}" };
        }
        return result;
    }

    private static ParameterSetting ParseSetting(YamlNode node, string source)
    {
        switch (node)
        {
            case YamlScalarNode scalar:
                return new ScalarSetting(ScalarValue(scalar, source));
            case YamlSequenceNode sequence when sequence.Children.Count == 0:
                throw new MergeConfigException($"{source}: line {node.Start.Line}: empty parameter list.");
            case YamlSequenceNode sequence when sequence.Children.All(c => c is YamlScalarNode):
                var values = sequence.Children.Select(c => ScalarValue((YamlScalarNode)c, source)).ToArray();
                // mergekit reads every value as a float (pydantic turns true/false into 1.0/0.0), so a list of
                // numbers and booleans is a gradient; lists of text are SwarmMerge's own (e.g. rescale_mode).
                return values.All(v => v is double or bool)
                    ? new GradientSetting(values.Select(v => v is bool b ? (b ? 1.0 : 0.0) : (double)v).ToArray())
                    : new SteppedSetting(values);
            case YamlSequenceNode sequence:
                var alternatives = new List<(string?, ParameterSetting)>();
                foreach (var item in sequence.Children)
                {
                    if (item is not YamlMappingNode entry || !entry.Children.ContainsKey("value"))
                    {
                        throw new MergeConfigException($"{source}: line {item.Start.Line}: a conditional parameter entry needs 'value' (and optionally 'filter').");
                    }
                    string? filter = entry.Children.TryGetValue("filter", out var f) ? Text(f, source) : null;
                    alternatives.Add((filter, ParseSetting(entry.Children["value"], source)));
                }
                return new ConditionalSetting(alternatives);
            case YamlMappingNode mapping when mapping.Children.ContainsKey("value"):
                string? single = mapping.Children.TryGetValue("filter", out var sf) ? Text(sf, source) : null;
                return new ConditionalSetting([(single, ParseSetting(mapping.Children["value"], source))]);
            default:
                throw new MergeConfigException($"{source}: line {node.Start.Line}: cannot read this parameter value.");
        }
    }

    // A number, boolean or text as mergekit reads it: quoted numbers ("0.5") are numbers, yes/no are booleans.
    private static object ScalarValue(YamlScalarNode scalar, string source) => MergekitScalar.Resolve(scalar) switch
    {
        null => throw new MergeConfigException($"{source}: line {scalar.Start.Line}: a parameter value is empty (null)."),
        string text when MergekitScalar.TryParseNumber(text, out double number) => number,
        var value => value,
    };

    private static string Text(YamlNode node, string source) =>
        node is YamlScalarNode { Value: { } value }
            ? value
            : throw new MergeConfigException($"{source}: line {node.Start.Line}: expected a single value.");
}
