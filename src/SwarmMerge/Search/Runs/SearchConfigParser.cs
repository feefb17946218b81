using System.Globalization;
using SwarmMerge.Evaluation;
using SwarmMerge.IO;
using SwarmMerge.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SwarmMerge.Search.Runs;

/// <summary>Reads a <c>swarmmerge search</c> YAML file into a <see cref="SearchConfig"/>, with errors that give the line.</summary>
public static class SearchConfigParser
{
    private static readonly string[] Keys = ["base_model", "models", "tasks", "fitness", "methods", "budget", "baselines", "seed", "threads", "test_limit", "early_stopping", "tuned_baselines"];

    /// <summary>Reads <paramref name="path"/>; model and task paths resolve against <paramref name="workingDirectory"/>, as in mergekit.</summary>
    /// <exception cref="SearchConfigException">The file is missing or invalid.</exception>
    public static SearchConfig Load(string path, string workingDirectory)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) // a folder is refused by the read, as such
        {
            throw new SearchConfigException($"Search config '{path}' does not exist.");
        }
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(InputFiles.ReadAllText(path)));
        }
        catch (YamlException e)
        {
            throw new SearchConfigException($"{path}: not valid YAML at line {e.Start.Line}: {e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new SearchConfigException($"{path}: expected a mapping with base_model, models, tasks and methods.");
        }
        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in root.Children)
        {
            string key = Scalar(keyNode, path, "key");
            if (!Keys.Contains(key))
            {
                throw new SearchConfigException($"{path}: line {keyNode.Start.Line}: unknown key '{key}' (known: {string.Join(", ", Keys)}).");
            }
            values[key] = value;
        }
        string Resolve(string relative) => Path.GetFullPath(Path.Combine(workingDirectory, relative));
        string Required(string key) => values.TryGetValue(key, out var node) ? Scalar(node, path, key)
            : throw new SearchConfigException($"{path}: '{key}' is required.");

        // Models are folders, adapter folders (put on base_model) or base+adapter; kept as canonical references.
        ModelReference Reference(YamlNode node, string key, ModelReference? onBase)
        {
            try
            {
                var reference = ModelReference.Parse(Scalar(node, path, key), workingDirectory);
                return onBase is null ? reference : reference.OnBase(onBase);
            }
            catch (FormatException e)
            {
                throw new SearchConfigException($"{path}: line {node.Start.Line}: {e.Message}");
            }
        }
        var baseModel = values.TryGetValue("base_model", out var baseNode) ? Reference(baseNode, "base_model", null)
            : throw new SearchConfigException($"{path}: 'base_model' is required.");
        var experts = values.TryGetValue("models", out var models) && models is YamlSequenceNode list
            ? list.Children.Select(m => Reference(m is YamlMappingNode entry && entry.Children.TryGetValue("model", out var inner) ? inner : m, "models", baseModel).ToString()).ToList()
            : throw new SearchConfigException($"{path}: 'models' must list the expert folders.");
        if (experts.Count == 0)
        {
            throw new SearchConfigException($"{path}: 'models' must list at least one expert.");
        }
        var fitness = (values.TryGetValue("fitness", out var f) ? Scalar(f, path, "fitness") : "mean") switch
        {
            "mean" => FitnessKind.Mean,
            "normalized_mean" => FitnessKind.NormalizedMean,
            "min" => FitnessKind.Minimum,
            string other => throw new SearchConfigException($"{path}: line {f!.Start.Line}: unknown fitness '{other}' (mean, normalized_mean or min)."),
        };
        return new SearchConfig
        {
            Source = Path.GetFullPath(path),
            BaseModel = baseModel.ToString(),
            Experts = experts,
            Tasks = Resolve(Required("tasks")),
            Fitness = fitness,
            Methods = values.TryGetValue("methods", out var methods) ? ParseMethods(methods, path) : [new SearchMethodConfig(SearchKind.Pso, new Dictionary<string, object?>())],
            Budget = values.TryGetValue("budget", out var budget) ? Integer(budget, path, "budget", minimum: 1) : null,
            Baselines = values.TryGetValue("baselines", out var baselines) ? ParseBaselines(baselines, path) : [],
            TunedBaselines = values.TryGetValue("tuned_baselines", out var tuned) ? ParseTunedBaselines(tuned, path)
                : TunedBaseline.DefaultGrids(values.TryGetValue("baselines", out var listed) ? ParseBaselines(listed, path).Select(b => b.Item1) : []),
            Seed = values.TryGetValue("seed", out var seed) ? (ulong)Integer(seed, path, "seed", minimum: 0) : 0,
            Threads = values.TryGetValue("threads", out var threads) ? Integer(threads, path, "threads", minimum: 1, maximum: ThreadCount.Max) : Environment.ProcessorCount,
            TestLimit = values.TryGetValue("test_limit", out var limit) ? Integer(limit, path, "test_limit", minimum: 1) : null,
            EarlyStopping = !values.TryGetValue("early_stopping", out var early) || Flag(early, path, "early_stopping"),
        };
    }

    private static List<SearchMethodConfig> ParseMethods(YamlNode node, string path)
    {
        if (node is not YamlSequenceNode list || list.Children.Count == 0)
        {
            throw new SearchConfigException($"{path}: line {node.Start.Line}: 'methods' must list searches, e.g. '- pso: {{steps: 5}}'.");
        }
        var methods = new List<SearchMethodConfig>();
        foreach (var item in list.Children)
        {
            var (kind, settings) = item switch
            {
                YamlScalarNode scalar => (scalar.Value ?? "", new Dictionary<string, object?>()),
                YamlMappingNode { Children.Count: 1 } mapping => (Scalar(mapping.Children.Keys.First(), path, "methods"), Mapping(mapping.Children.Values.First(), path)),
                _ => throw new SearchConfigException($"{path}: line {item.Start.Line}: a method is a name or '- name: {{settings}}'."),
            };
            var searchKind = SearchKinds.FromConfigName(kind)
                ?? throw new SearchConfigException($"{path}: line {item.Start.Line}: unknown search '{kind}' (use {string.Join(", ", SearchMethods.Names)}).");
            string name = kind;
            if (settings.Remove("name", out var named))
            {
                name = named is string text && text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
                    ? text : throw new SearchConfigException($"{path}: line {item.Start.Line}: a search's 'name' is a word of letters, digits, '_' and '-'.");
            }
            if (methods.Any(m => m.Name == name))
            {
                throw new SearchConfigException($"{path}: line {item.Start.Line}: search '{name}' is listed twice (give one of them a 'name').");
            }
            methods.Add(new SearchMethodConfig(searchKind, settings) { Name = name });
        }
        return methods;
    }

    private static List<(string, IReadOnlyDictionary<string, object?>)> ParseBaselines(YamlNode node, string path) => node switch
    {
        YamlSequenceNode list => list.Children.Select(c => (Scalar(c, path, "baselines"), (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>())).ToList(),
        YamlMappingNode map => map.Children.Select(p => (Scalar(p.Key, path, "baselines"), (IReadOnlyDictionary<string, object?>)Mapping(p.Value, path))).ToList(),
        _ => throw new SearchConfigException($"{path}: line {node.Start.Line}: 'baselines' lists merge methods, e.g. [task_arithmetic, ties], or maps them to parameters."),
    };

    private static List<(string, IReadOnlyDictionary<string, object?>)> ParseTunedBaselines(YamlNode node, string path) => node is YamlMappingNode map
        ? map.Children.Select(p => (Scalar(p.Key, path, "tuned_baselines"), (IReadOnlyDictionary<string, object?>)Mapping(p.Value, path))).ToList()
        : throw new SearchConfigException($"{path}: line {node.Start.Line}: 'tuned_baselines' maps merge methods to the values to try, e.g. {{task_arithmetic: {{lambda: [0.3, 0.5, 0.7, 1.0]}}}}.");

    private static Dictionary<string, object?> Mapping(YamlNode node, string path)
    {
        if (node is YamlScalarNode { Value: null or "" or "null" or "~" })
        {
            return [];
        }
        if (node is not YamlMappingNode mapping)
        {
            throw new SearchConfigException($"{path}: line {node.Start.Line}: expected a mapping of settings.");
        }
        return mapping.Children.ToDictionary(p => Scalar(p.Key, path, "setting"), p => p.Value switch
        {
            YamlScalarNode s => Value(s),
            YamlSequenceNode list when list.Children.All(c => c is YamlScalarNode) => (object?)list.Children.Select(c => Value((YamlScalarNode)c)).ToList(),
            _ => throw new SearchConfigException($"{path}: line {p.Value.Start.Line}: setting '{p.Key}' must be a number, a word, true/false, or a list of those."),
        }, StringComparer.Ordinal);
    }

    private static object? Value(YamlScalarNode s) =>
        s.Style == ScalarStyle.Plain && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) ? number
        : s.Style == ScalarStyle.Plain && s.Value is "true" or "false" ? s.Value == "true"
        : s.Value;

    private static string Scalar(YamlNode node, string path, string key) =>
        node is YamlScalarNode { Value: { Length: > 0 } value } ? value : throw new SearchConfigException($"{path}: line {node.Start.Line}: '{key}' must be a single value.");

    private static bool Flag(YamlNode node, string path, string key) => Scalar(node, path, key) switch
    {
        "true" => true,
        "false" => false,
        string other => throw new SearchConfigException($"{path}: line {node.Start.Line}: '{key}' must be true or false, not '{other}'."),
    };

    private static int Integer(YamlNode node, string path, string key, int minimum, int maximum = int.MaxValue)
    {
        string text = Scalar(node, path, key);
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= minimum && value <= maximum
            ? value
            : throw new SearchConfigException($"{path}: line {node.Start.Line}: '{key}' must be an integer {(maximum == int.MaxValue ? $"≥ {minimum}" : $"from {minimum} to {maximum}")}, not '{text}'.");
    }
}
