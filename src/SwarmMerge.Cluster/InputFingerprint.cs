using System.Security.Cryptography;
using SwarmMerge.Evaluation;
using SwarmMerge.Models;
using SwarmMerge.Search.Runs;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Cluster;

/// <summary>
/// The SHA-256 of every input file a worker scores with: every file in the base and expert folders (recursively,
/// so sharded checkpoints, configs, tokenizer files and adapter files alike; names starting with a dot, like
/// <c>.cache/</c> of a Hugging Face download, are skipped), the task file and its optimization-split data files.
/// Files are named by role, not path (<c>base_model/model.safetensors</c>, <c>models[1]/config.json</c>,
/// <c>tasks/addition/optimization.jsonl</c>), so the coordinator and a worker may keep them in different folders.
/// A <c>base+adapter</c> entry names both folders: the base's files under the entry's role, the adapter's under
/// <c>ROLE+adapter/</c> (<c>models[0]+adapter/adapter_model.safetensors</c>); a file named by several roles (the base
/// under every adapter expert) is hashed once.
/// </summary>
public sealed class InputFingerprint
{
    private readonly Dictionary<string, string> _paths;

    private InputFingerprint(IReadOnlyList<FileDigest> files, Dictionary<string, string> paths)
    {
        Files = files;
        _paths = paths;
    }

    /// <summary>Every input file, by role name, in name order.</summary>
    public IReadOnlyList<FileDigest> Files { get; }

    /// <summary>Total bytes hashed.</summary>
    public long Bytes => Files.Sum(f => f.Length);

    /// <summary>Hashes the inputs <paramref name="config"/> names, <paramref name="threads"/> files at a time.</summary>
    public static InputFingerprint Of(SearchConfig config, int threads)
    {
        var roles = new List<(string Name, string Path)>();
        AddModel(roles, "base_model", config.BaseModel);
        for (int i = 0; i < config.Experts.Count; i++)
        {
            AddModel(roles, $"models[{i}]", config.Experts[i]);
        }
        var taskFile = TaskFile.Load(config.Tasks);
        string taskFolder = Path.GetDirectoryName(taskFile.Path)!;
        foreach (string file in taskFile.OptimizationFiles.Prepend(taskFile.Path).Distinct(StringComparer.Ordinal))
        {
            roles.Add(($"tasks/{Path.GetRelativePath(taskFolder, file).Replace('\\', '/')}", file));
        }
        return Digest(roles, threads);
    }

    /// <summary>
    /// Hashes the weight files of anchor members (<c>*.safetensors</c> and the shard index, named
    /// <c>anchors/NAME/FILE</c>): what two machines must agree on when each makes the same data-free merge. The
    /// other files of a merge output (its config copy names local paths) are left out.
    /// </summary>
    public static InputFingerprint OfAnchors(IEnumerable<AnchorMember> anchors, int threads)
    {
        var roles = new List<(string Name, string Path)>();
        foreach (var anchor in anchors)
        {
            foreach (string file in Directory.EnumerateFiles(anchor.Directory))
            {
                string name = Path.GetFileName(file);
                if (name.EndsWith(".safetensors", StringComparison.Ordinal) || name == "model.safetensors.index.json")
                {
                    roles.Add(($"anchors/{anchor.Name}/{name}", file));
                }
            }
        }
        return Digest(roles, threads);
    }

    private static InputFingerprint Digest(List<(string Name, string Path)> roles, int threads)
    {
        roles.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        if (roles.FirstOrDefault(r => !File.Exists(r.Path)) is { Name: not null } missing)
        {
            throw new FileNotFoundException($"{missing.Name}: the file '{missing.Path}' does not exist.", missing.Path);
        }
        var paths = roles.Select(r => r.Path).Distinct(StringComparer.Ordinal).ToList();
        var hashes = new (long Length, string Sha256)[paths.Count];
        Parallel.For(0, paths.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, i =>
        {
            using var stream = new FileStream(paths[i], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
            hashes[i] = (stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
        });
        var byPath = paths.Select((path, i) => (path, i)).ToDictionary(p => p.path, p => hashes[p.i], StringComparer.Ordinal);
        var digests = roles.Select(r => new FileDigest(r.Name, byPath[r.Path].Length, byPath[r.Path].Sha256)).ToList();
        return new InputFingerprint(digests, roles.ToDictionary(r => r.Name, r => r.Path, StringComparer.Ordinal));
    }

    /// <summary>
    /// Why <paramref name="coordinator"/>'s files are not these (the first difference, naming the file and where it is
    /// here), or null when they are identical.
    /// </summary>
    public string? Difference(IReadOnlyList<FileDigest> coordinator)
    {
        var theirs = coordinator.ToDictionary(f => f.Name, StringComparer.Ordinal);
        foreach (var mine in Files)
        {
            if (!theirs.TryGetValue(mine.Name, out var other))
            {
                return $"'{mine.Name}' ({_paths[mine.Name]}) is not among the coordinator's input files";
            }
            if (other != mine)
            {
                return $"'{mine.Name}' ({_paths[mine.Name]}) differs from the coordinator's: {mine.Length:N0} bytes, sha256 {mine.Sha256[..16]}… here; "
                    + $"{other.Length:N0} bytes, sha256 {other.Sha256[..16]}… there";
            }
        }
        var missing = coordinator.FirstOrDefault(f => !_paths.ContainsKey(f.Name));
        return missing is null ? null : $"'{missing.Name}' of the coordinator's input files is missing here";
    }

    // A model entry as the config holds it: a folder, or base+adapter (both folders).
    private static void AddModel(List<(string, string)> roles, string role, string model)
    {
        var reference = ModelReference.Parse(model, Environment.CurrentDirectory);
        AddFolder(roles, role, reference.Model);
        if (reference.Adapter is { } adapter)
        {
            AddFolder(roles, $"{role}+adapter", adapter);
        }
    }

    private static void AddFolder(List<(string, string)> roles, string role, string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{role}: the folder '{folder}' does not exist.");
        }
        foreach (string file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
            if (!relative.Split('/').Any(part => part.StartsWith('.')))
            {
                roles.Add(($"{role}/{relative}", file));
            }
        }
    }
}
