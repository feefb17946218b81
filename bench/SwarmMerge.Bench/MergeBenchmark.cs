using System.Diagnostics;
using System.Globalization;
using System.Text;
using SwarmMerge.IO;
using SwarmMerge.Merging;

namespace SwarmMerge.Bench;

/// <summary>
/// Merge throughput and memory on realistic shapes: the merge's wall time against the time of simply
/// reading every input file once, in the same run, from a cold and from a warm page cache; and the
/// merge's peak resident memory (measured in a child process that does nothing else).
/// </summary>
internal static class MergeBenchmark
{
    public static int Run(string[] args)
    {
        var o = BenchOptions.Parse(args);
        var shape = new SyntheticCheckpoints.Shape(o.Int("layers", 12), o.Int("hidden", 2048), o.Int("intermediate", 5504), o.Int("vocab", 32000));
        int experts = o.Int("experts", 3);
        string dir = Path.GetFullPath(o.Text("dir", "bench/out/merge"));
        string[] methods = o.Text("methods", "task_arithmetic,ties,dare_ties").Split(',');
        int threads = o.Int("threads", Environment.ProcessorCount);
        string shardSize = o.Text("out-shard-size", "5G");
        string tag = $"L{shape.Layers}-H{shape.Hidden}-I{shape.Intermediate}-V{shape.Vocab}";

        var models = Enumerable.Range(0, experts + 1).Select(m => Path.Combine(dir, tag, m == 0 ? "base" : $"expert{m}")).ToList();
        var clock = Stopwatch.StartNew();
        foreach (var (path, m) in models.Select((p, m) => (p, m)))
        {
            SyntheticCheckpoints.Write(path, shape, m, ByteSize.Parse("2G"));
        }
        Console.Error.WriteLine($"checkpoints ready in {clock.Elapsed.TotalSeconds:F0} s");
        var files = models.SelectMany(m => Directory.GetFiles(m, "*.safetensors")).ToList();
        long inputBytes = files.Sum(f => new FileInfo(f).Length);

        var report = new StringBuilder();
        report.AppendLine($"Merge benchmark: Llama-shaped {tag}, base + {experts} experts, BF16, {inputBytes / 1e9:F2} GB of input ({inputBytes / (double)(experts + 1) / 1e9:F2} GB per model); {threads} threads; {MachineInfo.Describe()}; load average at start {MachineInfo.LoadAverage()}.");
        report.AppendLine();
        ReadAll(files);
        double decode = DecodeAll(files, threads);
        report.AppendLine($"Floor: reading every input once and decoding it to fp32 on {threads} threads (no merge arithmetic, nothing written) takes {decode:F2} s from a warm cache.");
        report.AppendLine();
        report.AppendLine("| method | cache | read inputs once (s) | merge (s) | ratio | merge / decode floor | merge read+write GB/s | peak RSS (MB) |");
        report.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (string method in methods)
        {
            foreach (bool cold in new[] { true, false })
            {
                if (cold)
                {
                    PageCache.Evict(files);
                }
                else
                {
                    ReadAll(files); // warm the cache
                }
                double read = ReadAll(files);
                if (cold)
                {
                    PageCache.Evict(files);
                }
                var (merge, rss, outputBytes) = MergeInChild(dir, tag, method, models, threads, shardSize);
                string row = $"| {method} | {(cold ? "cold" : "warm")} | {read:F2} | {merge:F2} | {merge / read:F2} | {merge / decode:F2} | {(inputBytes + outputBytes) / merge / 1e9:F2} | {rss / 1e6:F0} |";
                report.AppendLine(row);
                Console.Error.WriteLine(row);
            }
        }
        Console.WriteLine(report);
        string table = Path.Combine(dir, $"merge-{tag}.md");
        File.WriteAllText(table, report.ToString());
        Console.Error.WriteLine($"table written to {table}");
        return 0;
    }

    internal static double ReadAll(List<string> files)
    {
        var clock = Stopwatch.StartNew();
        var buffer = new byte[16 << 20];
        foreach (string file in files)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            while (stream.Read(buffer) > 0)
            {
            }
        }
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>The least work any merge does: read every float tensor of every input and decode it to fp32.</summary>
    private static double DecodeAll(List<string> files, int threads)
    {
        var clock = Stopwatch.StartNew();
        var opened = files.Select(SafetensorsFile.Open).ToList();
        var work = opened.SelectMany(f => f.Tensors.Select(t => (File: f, Tensor: t))).ToList();
        const int Chunk = 1 << 18;
        Parallel.ForEach(work, new ParallelOptions { MaxDegreeOfParallelism = threads }, () => new float[Chunk], (item, _, buffer) =>
        {
            using var view = item.File.OpenTensor(item.Tensor.Name);
            for (long start = 0; start < item.Tensor.ElementCount; start += Chunk)
            {
                int count = (int)Math.Min(Chunk, item.Tensor.ElementCount - start);
                view.ReadFloats(start, buffer.AsSpan(0, count));
            }
            return buffer;
        }, _ => { });
        opened.ForEach(f => f.Dispose());
        return clock.Elapsed.TotalSeconds;
    }

    private static (double Seconds, long PeakRss, long OutputBytes) MergeInChild(string dir, string tag, string method, List<string> models, int threads, string shardSize) =>
        MergeInChild(dir, $"{tag}-{method}", method, models[0], method == "slerp" ? models.Skip(1).Take(1).ToList() : models.Skip(1).ToList(), threads, shardSize);

    /// <summary>Merges <paramref name="experts"/> into <paramref name="baseModel"/> with <paramref name="method"/> in a child process: wall time, peak RSS, output bytes.</summary>
    internal static (double Seconds, long PeakRss, long OutputBytes) MergeInChild(string dir, string name, string method, string baseModel, IReadOnlyList<string> experts, int threads, string shardSize)
    {
        var (seconds, rss, bytes, _) = MergeInChild(dir, name, method, baseModel, experts, threads, shardSize, benchDll: null);
        return (seconds, rss, bytes);
    }

    /// <summary>
    /// As <see cref="MergeInChild(string, string, string, string, IReadOnlyList{string}, int, string)"/>, the child run by
    /// <paramref name="benchDll"/> (another build of this program; null: this one); also the SHA-256 of the output's
    /// safetensors files, in name order (equal digests across builds: equal bytes).
    /// </summary>
    internal static (double Seconds, long PeakRss, long OutputBytes, string Sha256) MergeInChild(string dir, string name, string method, string baseModel,
        IReadOnlyList<string> experts, int threads, string shardSize, string? benchDll)
    {
        string yaml = Path.Combine(dir, $"{name}.yml");
        // Each method with the parameters a user would typically give it.
        string parameters = method switch
        {
            "slerp" => "{t: 0.5}",
            "model_stock" => "{}",
            "linear" or "task_arithmetic" => "{weight: 1.0}",
            _ => "{weight: 1.0, density: 0.5}",
        };
        var text = new StringBuilder($"merge_method: {method}\nbase_model: {baseModel}\nparameters: {parameters}\nmodels:\n");
        foreach (string expert in experts)
        {
            text.AppendLine($"  - model: {expert}");
        }
        File.WriteAllText(yaml, text.ToString());
        string output = Path.Combine(dir, $"out-{name}");
        if (Directory.Exists(output))
        {
            Directory.Delete(output, true);
        }
        string result = ChildRun.RunBench(benchDll, "merge-once", yaml, output, threads.ToString(CultureInfo.InvariantCulture), shardSize);
        var fields = result.Trim().Split(' ');
        long outputBytes = Directory.GetFiles(output).Sum(f => new FileInfo(f).Length);
        string digest = Sha256Of(Directory.GetFiles(output, "*.safetensors").Order(StringComparer.Ordinal));
        Directory.Delete(output, true);
        return (double.Parse(fields[0], CultureInfo.InvariantCulture), long.Parse(fields[1], CultureInfo.InvariantCulture), outputBytes, digest);
    }

    /// <summary>The SHA-256 of <paramref name="files"/> read one after the other, in hex.</summary>
    internal static string Sha256Of(IEnumerable<string> files)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var buffer = new byte[16 << 20];
        foreach (string file in files)
        {
            using var stream = File.OpenRead(file);
            for (int read; (read = stream.Read(buffer)) > 0;)
            {
                hash.AppendData(buffer, 0, read);
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The child: one merge, then "seconds peak-rss-bytes" on stdout.</summary>
    public static int RunOnce(string[] args)
    {
        var config = MergeConfigParser.Load(args[0]);
        using var plan = MergePlanner.Create(config, Environment.CurrentDirectory);
        var result = MergeExecutor.Run(plan, args[1], new MergeOptions { Threads = int.Parse(args[2], CultureInfo.InvariantCulture), MaxShardBytes = ByteSize.Parse(args[3]) });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Seconds:F3} {PageCache.PeakResidentBytes()}"));
        return 0;
    }
}
