using System.Globalization;
using SwarmMerge.IO;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SwarmMerge.Merging;

/// <summary>Reads mergekit-style YAML into a <see cref="MergeConfig"/>, with errors that give the line.</summary>
public static class MergeConfigParser
{
    private static readonly string[] Supported = ["merge_method", "base_model", "models", "parameters", "dtype", "out_dtype", "tokenizer_source"];

    private static readonly Dictionary<string, string> Unsupported = new()
    {
        ["slices"] = "'slices' (layer ranges) is not supported yet; list whole models under 'models:'",
        ["modules"] = "'modules' is not supported yet; list whole models under 'models:'",
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
        if (models.Count == 0)
        {
            throw new MergeConfigException($"{source}: 'models' must list at least one model.");
        }
        return new MergeConfig(method, baseModel, models, parameters, dtype, outDtype, tokenizerSource) { SourceText = yaml };
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
                return new ScalarSetting(ScalarValue(scalar));
            case YamlSequenceNode sequence when sequence.Children.Count == 0:
                throw new MergeConfigException($"{source}: line {node.Start.Line}: empty parameter list.");
            case YamlSequenceNode sequence when sequence.Children.All(c => c is YamlScalarNode):
                var values = sequence.Children.Select(c => ScalarValue((YamlScalarNode)c)).ToArray();
                return values.All(v => v is double)
                    ? new GradientSetting(values.Cast<double>().ToArray())
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

    private static object ScalarValue(YamlScalarNode scalar)
    {
        string text = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.Plain)
        {
            if (text is "true" or "True" or "TRUE")
            {
                return true;
            }
            if (text is "false" or "False" or "FALSE")
            {
                return false;
            }
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            {
                return number;
            }
        }
        return text;
    }

    private static string Text(YamlNode node, string source) =>
        node is YamlScalarNode { Value: { } value }
            ? value
            : throw new MergeConfigException($"{source}: line {node.Start.Line}: expected a single value.");
}
