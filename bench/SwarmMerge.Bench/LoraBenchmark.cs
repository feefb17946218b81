using System.Diagnostics;
using System.Globalization;
using System.Text;
using SwarmMerge.Adapters;
using SwarmMerge.Merging;
using SwarmMerge.Models;
using SwarmMerge.Numerics;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Bench;

/// <summary>
/// Adapter experts against full experts on the 1.5 GB-per-model family: merge wall time and peak RSS (each merge in a
/// child process), how peak RSS moves with the number and rank of adapters, the exact output adapter, and the cost of
/// one search candidate (PSO's 2n+1 members, materialized into fp32 weight buffers; scoring excluded).
/// </summary>
internal static class LoraBenchmark
{
    public static int Run(string[] args)
    {
        var o = BenchOptions.Parse(args);
        var shape = new SyntheticCheckpoints.Shape(o.Int("layers", 12), o.Int("hidden", 2048), o.Int("intermediate", 5504), o.Int("vocab", 32000));
        int n = o.Int("experts", 4), rank = o.Int("rank", 16), bigRank = o.Int("big-rank", 64), candidates = o.Int("candidates", 3);
        int threads = o.Int("threads", Environment.ProcessorCount);
        string dir = Path.GetFullPath(o.Text("dir", "bench/out/lora"));
        string tag = $"L{shape.Layers}-H{shape.Hidden}-I{shape.Intermediate}-V{shape.Vocab}";
        string root = Path.Combine(dir, tag);

        var clock = Stopwatch.StartNew();
        string baseModel = Path.Combine(root, "base");
        SyntheticCheckpoints.Write(baseModel, shape, 0, SwarmMerge.IO.ByteSize.Parse("2G"));
        var full = Enumerable.Range(1, n).Select(m => Path.Combine(root, $"expert{m}")).ToList();
        full.Select((path, i) => (path, i)).ToList().ForEach(e => SyntheticCheckpoints.Write(e.path, shape, e.i + 1, SwarmMerge.IO.ByteSize.Parse("2G")));
        List<string> Adapters(int r) => Enumerable.Range(1, n).Select(m =>
        {
            string path = Path.Combine(root, $"lora-r{r}-{m}");
            SyntheticCheckpoints.WriteAdapter(path, shape, m, r);
            return path;
        }).ToList();
        var lora = Adapters(rank);
        var loraBig = Adapters(bigRank);
        Console.Error.WriteLine($"checkpoints and adapters ready in {clock.Elapsed.TotalSeconds:F0} s");
        var files = new[] { baseModel }.Concat(full).Concat(lora).Concat(loraBig).SelectMany(m => Directory.GetFiles(m, "*.safetensors")).ToList();
        long modelBytes = Directory.GetFiles(baseModel, "*.safetensors").Sum(f => new FileInfo(f).Length);
        long adapterBytes = new FileInfo(Path.Combine(lora[0], LoraAdapter.WeightsFileName)).Length;

        var report = new StringBuilder();
        report.AppendLine($"LoRA benchmark: Llama-shaped {tag} ({modelBytes / 1e9:F2} GB per model, BF16), {n} full experts against {n} rank-{rank} adapters "
            + $"({adapterBytes / 1e6:F1} MB each, on the 7 projections of every layer); {threads} threads; {MachineInfo.Describe()}; "
            + $"load average at start {MachineInfo.LoadAverage()}. Warm page cache.");
        report.AppendLine();
        report.AppendLine("| merge | experts | merge (s) | peak RSS (MB) |");
        report.AppendLine("|---|---|---:|---:|");
        void Merge(string method, string what, IReadOnlyList<string> experts)
        {
            MergeBenchmark.ReadAll(files);
            var (seconds, rss, _) = MergeBenchmark.MergeInChild(dir, $"{tag}-{method}-{Path.GetFileName(experts[0])}-{experts.Count}", method, baseModel, experts, threads, "5G");
            string row = string.Create(CultureInfo.InvariantCulture, $"| {method} | {what} | {seconds:F2} | {rss / 1e6:F0} |");
            report.AppendLine(row);
            Console.Error.WriteLine(row);
        }
        foreach (string method in new[] { "task_arithmetic", "ties" })
        {
            Merge(method, $"{n} full", full);
            Merge(method, $"{n} rank-{rank} adapters", lora);
        }
        for (int count = 1; count < n; count *= 2)
        {
            Merge("task_arithmetic", $"{count} rank-{rank} adapter{(count > 1 ? "s" : "")}", lora.Take(count).ToList());
        }
        Merge("task_arithmetic", $"{n} rank-{bigRank} adapters", loraBig);

        // The exact adapter of the task-arithmetic merge of the adapters (no dense pass at all).
        string yaml = Path.Combine(dir, $"{tag}-adapter.yml");
        File.WriteAllText(yaml, $"merge_method: task_arithmetic\nbase_model: {baseModel}\nparameters: {{weight: 1.0}}\nmodels:\n{string.Concat(lora.Select(l => $"  - model: {l}\n"))}");
        clock.Restart();
        AdapterOutputResult written;
        using (var plan = MergePlanner.Create(MergeConfigParser.Load(yaml), dir))
        {
            written = AdapterOutput.FromMerge(plan, new AdapterOutputRequest(Path.Combine(dir, "out-adapter"), null, Overwrite: true), new MergeOptions { Threads = threads }, null);
        }
        report.AppendLine();
        report.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"`--out-adapter` of the task-arithmetic merge of the {n} adapters: exact, rank {written.Rank}, {written.LoraLayers} layers, written in {clock.Elapsed.TotalSeconds:F2} s."));
        Directory.Delete(written.Directory, true);

        report.AppendLine();
        report.AppendLine($"Search candidates: PSO's {2 * n + 1} members (base, experts, DARE-sparsified experts), random affine coefficients at model granularity, every merged tensor materialized into an fp32 buffer (what a candidate costs before the engine scores it); {candidates} candidates per row after one untimed, each row in a child process.");
        report.AppendLine();
        report.AppendLine("| experts | s per candidate | candidates per s | peak RSS (MB) |");
        report.AppendLine("|---|---:|---:|---:|");
        foreach (var (what, experts) in new[] { ($"{n} full", full), ($"{n} rank-{rank} adapters", lora) })
        {
            MergeBenchmark.ReadAll(files);
            var fields = ChildRun.Run("lora-materialize-once", baseModel, string.Join(',', experts), candidates.ToString(CultureInfo.InvariantCulture), threads.ToString(CultureInfo.InvariantCulture)).Trim().Split(' ');
            double seconds = double.Parse(fields[0], CultureInfo.InvariantCulture);
            string row = string.Create(CultureInfo.InvariantCulture, $"| {what} | {seconds:F2} | {1 / seconds:F2} | {long.Parse(fields[1], CultureInfo.InvariantCulture) / 1e6:F0} |");
            report.AppendLine(row);
            Console.Error.WriteLine(row);
        }
        report.AppendLine();
        report.AppendLine($"Load average at the end: {MachineInfo.LoadAverage()}.");

        Console.WriteLine(report);
        string table = Path.Combine(dir, $"lora-{tag}.md");
        File.WriteAllText(table, report.ToString());
        Console.Error.WriteLine($"table written to {table}");
        return 0;
    }

    /// <summary>The child: materializes random candidates of the swarm over base + experts; prints "seconds-per-candidate peak-rss-bytes".</summary>
    public static int MaterializeOnce(string[] args)
    {
        var members = new SwarmMembers(args[0], args[1].Split(','));
        int candidates = int.Parse(args[2], CultureInfo.InvariantCulture);
        int threads = int.Parse(args[3], CultureInfo.InvariantCulture);
        using var materializer = SwarmMaterializer.Open(members, Granularity.Model, threads);
        var sizes = materializer.Tensors.ToDictionary(t => t.Name, t => (int)t.ElementCount);
        var buffer = new float[sizes.Values.Max()];
        var random = new SearchRandom(1, "bench");
        void Candidate()
        {
            var point = Enumerable.Range(0, materializer.Space.Dimension).Select(_ => random.NextDouble()).ToArray();
            double sum = point.Sum();
            materializer.Materialize(point.Select(x => x / sum).ToArray(), name => buffer.AsSpan(0, sizes[name]));
        }
        Candidate(); // warm-up (JIT), not timed
        var clock = Stopwatch.StartNew();
        for (int c = 0; c < candidates; c++)
        {
            Candidate();
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds / candidates:F3} {PageCache.PeakResidentBytes()}"));
        return 0;
    }
}
