using System.Text.Json;
using System.Text.Json.Nodes;

namespace SwarmMerge.IO;

/// <summary>
/// A Hugging Face checkpoint folder: <c>config.json</c>, and weights in <c>model.safetensors</c> or in shards
/// listed by <c>model.safetensors.index.json</c>. Pickled <c>.bin</c> weights are never loaded.
/// </summary>
public sealed class Checkpoint : IModelSource
{
    /// <summary>File name of a single-file checkpoint.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>File name of the shard index.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, SafetensorsFile> _fileOfTensor;

    private Checkpoint(string directory, JsonObject? config, List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> fileOfTensor, List<TensorInfo> tensors)
    {
        Directory = directory;
        Config = config;
        _files = files;
        _fileOfTensor = fileOfTensor;
        Tensors = tensors;
    }

    /// <summary>The checkpoint's folder (absolute).</summary>
    public string Directory { get; }

    /// <inheritdoc />
    public string Name => Directory;

    /// <inheritdoc />
    public IReadOnlyList<string> Folders => [Directory];

    /// <summary>The parsed <c>config.json</c>, or null when the folder has none.</summary>
    public JsonObject? Config { get; }

    /// <summary>Every tensor, shard by shard in data order.</summary>
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>
    /// Whether the input and output embeddings are tied: <c>tie_word_embeddings</c> from the config, else the
    /// default of the model type's Hugging Face config class (false for Llama-style decoders, true otherwise).
    /// </summary>
    public bool TieWordEmbeddings
    {
        get
        {
            if (Config?["tie_word_embeddings"] is JsonValue value && value.TryGetValue(out bool tied))
            {
                return tied;
            }
            string? modelType = Config?["model_type"] is JsonValue type && type.TryGetValue(out string? name) ? name : null;
            return modelType is not ("llama" or "mistral" or "mixtral" or "qwen2" or "qwen2_moe" or "qwen3" or "qwen3_moe"
                or "phi" or "phi3" or "olmo" or "olmo2" or "gpt_neox" or "stablelm" or "deepseek_v2" or "deepseek_v3");
        }
    }

    /// <summary>Opens the checkpoint in <paramref name="directory"/>, validating every safetensors header.</summary>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    /// <exception cref="SafetensorsFormatException">Missing or invalid weights, or an index that escapes the folder.</exception>
    public static Checkpoint Open(string directory)
    {
        directory = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Model folder '{directory}' does not exist (SwarmMerge reads local Hugging Face folders; it does not download from the Hub).");
        }

        JsonObject? config = null;
        string configPath = Path.Combine(directory, "config.json");
        if (File.Exists(configPath))
        {
            config = ReadJsonObject(configPath);
        }

        string indexPath = Path.Combine(directory, IndexFileName);
        string singlePath = Path.Combine(directory, SingleFileName);
        var files = new List<SafetensorsFile>();
        var fileOfTensor = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        var tensors = new List<TensorInfo>();
        try
        {
            if (File.Exists(indexPath))
            {
                OpenSharded(directory, indexPath, files, fileOfTensor, tensors);
            }
            else if (File.Exists(singlePath) || System.IO.Directory.Exists(singlePath))
            {
                var file = SafetensorsFile.Open(singlePath);
                files.Add(file);
                foreach (var tensor in file.Tensors)
                {
                    fileOfTensor[tensor.Name] = file;
                    tensors.Add(tensor);
                }
            }
            else
            {
                throw new SafetensorsFormatException(directory, null, DescribeMissingWeights(directory));
            }
        }
        catch
        {
            foreach (var file in files)
            {
                file.Dispose();
            }
            throw;
        }
        return new Checkpoint(directory, config, files, fileOfTensor, tensors);
    }

    private static void OpenSharded(string directory, string indexPath, List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> fileOfTensor, List<TensorInfo> tensors)
    {
        var index = ReadJsonObject(indexPath);
        if (index["weight_map"] is not JsonObject weightMap)
        {
            throw new SafetensorsFormatException(indexPath, null, "missing object 'weight_map'");
        }
        string root = directory.EndsWith(Path.DirectorySeparatorChar) ? directory : directory + Path.DirectorySeparatorChar;
        var shards = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        var wanted = new Dictionary<SafetensorsFile, HashSet<string>>();
        foreach (var (tensorName, shardNode) in weightMap)
        {
            if (shardNode is not JsonValue shardValue || !shardValue.TryGetValue(out string? shard) || string.IsNullOrEmpty(shard) || shard.Any(char.IsControl))
            {
                throw new SafetensorsFormatException(indexPath, tensorName, "weight_map entry is not a file name (a non-empty string without control characters)");
            }
            string shardPath = Path.GetFullPath(Path.Combine(directory, shard));
            if (Path.IsPathRooted(shard) || !shardPath.StartsWith(root, StringComparison.Ordinal))
            {
                throw new SafetensorsFormatException(indexPath, tensorName, $"shard path '{shard}' escapes the checkpoint folder");
            }
            if (!shards.TryGetValue(shard, out var file))
            {
                if (!File.Exists(shardPath))
                {
                    throw new SafetensorsFormatException(indexPath, tensorName, $"shard '{shard}' does not exist");
                }
                file = SafetensorsFile.Open(shardPath);
                shards[shard] = file;
                files.Add(file);
                wanted[file] = new HashSet<string>(StringComparer.Ordinal);
            }
            if (!file.Contains(tensorName))
            {
                throw new SafetensorsFormatException(shardPath, tensorName, $"listed in {IndexFileName} but absent from the shard");
            }
            wanted[file].Add(tensorName);
            fileOfTensor[tensorName] = file;
        }
        foreach (var file in files)
        {
            tensors.AddRange(file.Tensors.Where(t => wanted[file].Contains(t.Name)));
        }
    }

    private static string DescribeMissingWeights(string directory)
    {
        var pickled = System.IO.Directory.EnumerateFiles(directory)
            .Select(Path.GetFileName)
            .Where(name => name!.EndsWith(".bin", StringComparison.Ordinal) || name.EndsWith(".pt", StringComparison.Ordinal) || name.EndsWith(".pth", StringComparison.Ordinal))
            .ToList();
        return pickled.Count > 0
            ? $"only pickled weights ({string.Join(", ", pickled)}); SwarmMerge never loads pickled files because unpickling can run arbitrary code. Convert them to safetensors first (for example with transformers: model.save_pretrained(dir, safe_serialization=True))."
            : $"no {SingleFileName} or {IndexFileName}";
    }

    /// <summary>Reads a JSON file that must hold an object, with an error naming the file.</summary>
    public static JsonObject ReadJsonObject(string path)
    {
        try
        {
            // Duplicate keys are an error, not a silent "last one wins": which tensor or setting was meant is unknowable.
            // Invalid UTF-8 is an error too, rather than text silently rewritten with U+FFFD.
            return JsonNode.Parse(InputFiles.ReadAllText(path), documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                ?? throw new SafetensorsFormatException(path, null, "is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(path, null, $"is not valid JSON ({JsonErrors.Describe(e)})");
        }
    }

    /// <summary>True when the checkpoint has tensor <paramref name="name"/>.</summary>
    public bool Contains(string name) => _fileOfTensor.ContainsKey(name);

    /// <summary>Header entry of tensor <paramref name="name"/>.</summary>
    public TensorInfo Info(string name) => FileOf(name)[name];

    /// <summary>The file that holds tensor <paramref name="name"/>.</summary>
    public SafetensorsFile FileOf(string name) =>
        _fileOfTensor.TryGetValue(name, out var file) ? file : throw new SafetensorsFormatException(Directory, name, "no such tensor in the checkpoint");

    /// <summary>Maps tensor <paramref name="name"/>; dispose the view to unmap it.</summary>
    public TensorView OpenTensor(string name) => FileOf(name).OpenTensor(name);

    /// <inheritdoc />
    public ITensorValues OpenValues(string name, IModelSource? origin = null) => OpenTensor(name);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }
}
