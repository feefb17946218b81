using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SwarmMerge.Evaluation;
using SwarmMerge.Inference;
using SwarmMerge.Numerics;
using SwarmMerge.Search;
using SwarmMerge.Search.Methods;
using SwarmMerge.Search.Runs;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Bench;

/// <summary>
/// Real model shapes (Qwen2.5-0.5B, Qwen2.5-1.5B; random weights): each merge method's wall time and peak RSS, a search
/// candidate's materialization into the engine's weights and its scoring per evaluation (with per-token costs), the
/// candidate checkpoint an external evaluator is given, and the peak RSS of a small 4-expert PSO search; every
/// measurement in a child process of its own, so that its peak RSS is its own. With <c>--before-bench</c> (a build of
/// this program from an earlier commit) the materialization and the search also run on that build, side by side.
/// </summary>
internal static class ScaleBenchmark
{
    private const string DefaultMethods = "linear,task_arithmetic,ties,dare_ties,della,slerp,model_stock,breadcrumbs";

    public static int Run(string[] args)
    {
        var o = BenchOptions.Parse(args);
        var shape = RealShape.Parse(o.Text("size", "0.5b"));
        string dir = Path.GetFullPath(o.Text("dir", "bench/out/scale"));
        int threads = o.Int("threads", 2), experts = o.Int("experts", 4), rows = o.Int("rows", 4);
        int candidates = o.Int("candidates", 3), evaluations = o.Int("evaluations", 2), budget = o.Int("budget", 6);
        string[] methods = o.Text("methods", DefaultMethods).Split(',', StringSplitOptions.RemoveEmptyEntries);
        var parts = o.Text("parts", "merge,materialize,score,search").Split(',').ToHashSet();
        string searchEntry = o.Text("search-entry", "pso: {}");
        int rounds = o.Int("rounds", 1);
        string? before = o.Text("before-bench", "") is { Length: > 0 } b ? Path.GetFullPath(b) : null;
        string report = Path.GetFullPath(o.Text("report", Path.Combine("bench/out/scale", $"scale-{shape.Name}.md")));

        var clock = Stopwatch.StartNew();
        var family = ScaleFamily.Prepare(dir, shape, experts, rows);
        Console.Error.WriteLine($"family ready in {clock.Elapsed.TotalSeconds:F0} s: {family.Root}");
        var files = family.Files;
        long modelBytes = Directory.GetFiles(family.BaseModel, "*.safetensors").Sum(f => new FileInfo(f).Length);

        var text = new StringBuilder();
        text.AppendLine(Invariant($"# Scale: {shape.Model} shape ({shape.Parameters / 1e9:F3} B parameters, {shape.BodyParameters / 1e9:F3} B outside the embedding; {modelBytes / 1e9:F2} GB per model in BF16), base + {experts} experts"));
        text.AppendLine();
        text.AppendLine(Invariant($"Machine: {MachineInfo.Describe()}; {threads} threads; load average at start {MachineInfo.LoadAverage()}. Random weights (base ~U(±0.05), norms 1 + that; each expert adds its own seeded ~U(±0.005) task vector); the light family's 1,024-token byte-level BPE tokenizer (every id is a row of the {shape.Vocab}-row embedding, so the logits cost the real vocabulary); warm page cache."));
        text.AppendLine();
        text.AppendLine($"Command: `dotnet bench/SwarmMerge.Bench/bin/Release/net10.0/SwarmMerge.Bench.dll scale {string.Join(' ', args)}`");
        text.AppendLine();
        void Flush()
        {
            Directory.CreateDirectory(Path.GetDirectoryName(report)!);
            File.WriteAllText(report, text + Invariant($"Load average at the end: {MachineInfo.LoadAverage()}.\n"));
        }

        var builds = new List<(string Name, string? Dll)> { ("this build", null) };
        if (before is not null)
        {
            builds.Insert(0, ($"before (`{Path.GetFileName(Path.GetDirectoryName(before))}`)", before));
        }
        if (parts.Contains("merge"))
        {
            Section(text, Invariant($"## Merges ({experts} experts; slerp: the base and expert 1)"),
                Invariant($"`MergeExecutor.Run` in a child process per method and build (its peak RSS is the merge's own), {threads} threads, the parameters `merge` uses (weight 1, density 0.5, t 0.5), BF16 out; the builds one after the other for each method, from a warm page cache. *Output SHA-256*: of the output's safetensors files (equal digests: equal bytes)."),
                "| method | build | merge (s) | input read (GB) | peak RSS (MB) | output SHA-256 |");
            foreach (string method in methods)
            {
                foreach (var (name, dll) in builds)
                {
                    MergeBenchmark.ReadAll(files);
                    var inputs = method == "slerp" ? family.Experts.Take(1).ToList() : family.Experts;
                    var (seconds, rss, _, digest) = MergeBenchmark.MergeInChild(family.Root, $"merge-{method}", method, family.BaseModel, inputs, threads, "5G", dll);
                    Row(text, Invariant($"| {method} | {name} | {seconds:F1} | {modelBytes * (inputs.Count + 1) / 1e9:F2} | {rss / 1e6:F0} | `{digest[..16]}` |"));
                }
            }
            text.AppendLine();
            Flush();
        }

        if (parts.Contains("adapter"))
        {
            string cli = Path.GetFullPath(o.Text("cli", "src/SwarmMerge.Cli/bin/Release/net10.0/SwarmMerge.Cli.dll"));
            string? beforeCli = o.Text("before-cli", "") is { Length: > 0 } c ? Path.GetFullPath(c) : null;
            int rank = o.Int("adapter-rank", 16);
            var clis = new List<(string Name, string Dll)> { ("this build", cli) };
            if (beforeCli is not null)
            {
                clis.Insert(0, ($"before (`{Path.GetFileName(Path.GetDirectoryName(beforeCli))}`)", beforeCli));
            }
            Section(text, Invariant($"## A TIES merge of the {experts} experts written as a rank-{rank} adapter, without `--out`"),
                Invariant($"`swarmmerge merge CONFIG --out-adapter DIR --adapter-rank {rank} --threads {threads}` (weight 1, density 0.5; BF16 out), each build's command in a child process from a warm page cache: wall time and peak RSS from `/usr/bin/time`, and the peak of the bytes in the adapter's parent folder (every file's length, sampled every 20 ms): whatever the command writes beside the adapter while it runs, the adapter included. *Adapter SHA-256*: of `adapter_model.safetensors`."),
                "| build | wall (s) | peak RSS (MB) | peak bytes written (MB) | adapter (MB) | adapter SHA-256 | printed |");
            string yaml = Path.Combine(family.Root, "adapter-ties.yml");
            File.WriteAllText(yaml, $"merge_method: ties\nbase_model: {family.BaseModel}\nparameters: {{weight: 1.0, density: 0.5}}\nmodels:\n{string.Concat(family.Experts.Select(e => $"  - model: {e}\n"))}");
            foreach (var (name, dll) in Rounds(clis, rounds))
            {
                MergeBenchmark.ReadAll(files);
                var r = AdapterInChild(dll, yaml, Path.Combine(family.Root, "adapter-run"), rank, threads);
                Row(text, Invariant($"| {name} | {r.Seconds:F1} | {r.PeakRss / 1e6:F0} | {r.PeakBytes / 1e6:F0} | {r.AdapterBytes / 1e6:F0} | `{r.Sha256[..16]}` | {r.Printed.Replace(Path.Combine(family.Root, "adapter-run", "adapter"), "DIR")} |"));
            }
            text.AppendLine();
            Flush();
        }
        if (parts.Contains("materialize"))
        {
            Section(text, "## A search candidate: materialized into the engine's fp32 weights, and written as a checkpoint",
                Invariant($"PSO's {2 * experts + 1} members (base, experts, DARE-sparsified experts), random affine coefficients per model, {threads} threads; {candidates} candidates after one untimed. The engine (its fp32 weights, loaded from the base as a search loads them) is opened first; the peak RSS of the materialization is measured from there (VmHWM reset with /proc/self/clear_refs). *Checkpoint* is the next candidate written in BF16 as a checkpoint, what an external evaluator is given (its SHA-256: the same candidate on every build, so equal digests are equal bytes). Anonymous and file-backed (mapped checkpoint pages) peaks sampled every 5 ms."),
                "| build | s per candidate | ns per parameter | RSS with the engine loaded (MB) | peak RSS while materializing (MB) | peak above the engine (MB) | of which anonymous / file-backed (MB) | allocated per candidate (MB) | checkpoint (s) | checkpoint SHA-256 |");
            foreach (var (name, dll) in Rounds(builds, rounds))
            {
                MergeBenchmark.ReadAll(files);
                var r = Child(dll, "scale-materialize-once", family.BaseModel, string.Join(',', family.Experts), Number(threads), Number(candidates), Path.Combine(family.Root, "candidate"));
                double seconds = Get(r, "seconds");
                Row(text, Invariant($"| {name} | {seconds:F2} | {seconds / shape.Parameters * 1e9:F2} | {Get(r, "engine_rss") / 1e6:F0} | {Get(r, "peak_rss") / 1e6:F0} | {(Get(r, "peak_rss") - Get(r, "engine_rss")) / 1e6:F0} | {(Get(r, "peak_anon") - Get(r, "engine_anon")) / 1e6:F0} / {(Get(r, "peak_file") - Get(r, "engine_file")) / 1e6:F0} | {Get(r, "allocated") / 1e6:F0} | {Get(r, "checkpoint_seconds"):F1} | `{r["sha256"]!.GetValue<string>()[..16]}` |"));
            }
            text.AppendLine();
            Flush();
        }

        if (parts.Contains("score"))
        {
            Section(text, Invariant($"## Scoring one evaluation ({rows} rows per task, 2 tasks, {threads} threads, full scoring)"),
                Invariant($"The engine on the base, the optimization split scored {evaluations} times after one untimed run; tokens counted from the tokenizer as the engine batches them (right-padded batches of {new InferenceOptions().MaxBatchSize}, longest first)."),
                "| first evaluation (s) | s per evaluation | requests | tokens (padded) | logit rows | ms per padded token | µs per padded token per B body parameters | peak RSS (MB) |");
            MergeBenchmark.ReadAll(files);
            var r = Child(null, "scale-score-once", family.BaseModel, family.Tasks, Number(threads), Number(evaluations));
            double seconds = Get(r, "seconds"), padded = Get(r, "padded_tokens");
            Row(text, Invariant($"| {Get(r, "first_seconds"):F2} | {seconds:F2} | {Get(r, "requests"):F0} | {Get(r, "tokens"):F0} ({padded:F0}) | {Get(r, "logit_rows"):F0} | {seconds / padded * 1e3:F2} | {seconds / padded * 1e6 / (shape.BodyParameters / 1e9):F0} | {Get(r, "peak_rss") / 1e6:F0} |"));
            text.AppendLine();
            Flush();
        }

        if (parts.Contains("search"))
        {
            string config = Path.Combine(family.Root, "search.yml");
            File.WriteAllText(config, $"base_model: {family.BaseModel}\nmodels:\n{string.Concat(family.Experts.Select(e => $"  - {e}\n"))}tasks: {family.Tasks}\n"
                + $"methods:\n  - {searchEntry}\nbudget: {budget}\nseed: 0\nthreads: {threads}\ntest_limit: {rows}\n");
            Section(text, Invariant($"## A {experts}-expert search (`{searchEntry}`{(searchEntry == "pso: {}" ? ", the default preset" : "")}), budget {budget}, then the test split"),
                Invariant($"`SearchRun.Start` on `{config}` (what `swarmmerge search` runs), in a child process: the anchor merges, {budget} evaluations, the best model written, the test split scored for the base, experts and the result."),
                "| build | evaluations | scored | search wall (s) | scoring (s) | whole run (s) | peak RSS (MB) |");
            foreach (var (name, dll) in Rounds(builds, rounds))
            {
                MergeBenchmark.ReadAll(files);
                var r = Child(dll, "scale-search-once", config, Path.Combine(family.Root, "search-run"));
                Row(text, Invariant($"| {name} | {Get(r, "evaluations"):F0} | {Get(r, "scored"):F0} | {Get(r, "wall_seconds"):F1} | {Get(r, "scoring_seconds"):F1} | {Get(r, "run_seconds"):F1} | {Get(r, "peak_rss") / 1e6:F0} |"));
            }
            text.AppendLine();
        }
        Flush();
        Console.WriteLine(File.ReadAllText(report));
        Console.Error.WriteLine($"report written to {report}");
        return 0;
    }

    /// <summary>
    /// The child: opens the engine on the base (as a search does), then materializes random candidates into its weights;
    /// prints JSON: seconds per candidate, RSS before, peak RSS during, bytes allocated per candidate, checkpoint seconds.
    /// </summary>
    public static int MaterializeOnce(string[] args)
    {
        var members = new SwarmMembers(args[0], args[1].Split(','));
        int threads = int.Parse(args[2], CultureInfo.InvariantCulture), candidates = int.Parse(args[3], CultureInfo.InvariantCulture);
        using var materializer = SwarmMaterializer.Open(members, Granularity.Model, threads);
        using var engine = EvaluationModel.Open(args[0], new InferenceOptions { Threads = threads });
        var random = new SearchRandom(1, "bench");
        Candidate Next(int c)
        {
            var point = Enumerable.Range(0, materializer.Space.Dimension).Select(_ => random.NextDouble()).ToArray();
            double sum = point.Sum();
            return new Candidate("bench", 0, c, point.Select(x => x / sum).ToArray());
        }
        GC.Collect();
        long engineRss = PageCache.ResidentBytes(), engineAnon = PageCache.StatusBytes("RssAnon:"), engineFile = PageCache.StatusBytes("RssFile:");
        ResetPeak();
        long allocated, peak, peakAnon, peakFile;
        double seconds;
        var clock = Stopwatch.StartNew();
        using (var sampler = ResidentSampler.Start())
        {
            materializer.MaterializeInto(Next(0), engine.Model.Weights); // warm-up (JIT), not timed
            allocated = GC.GetTotalAllocatedBytes(precise: true);
            clock.Restart();
            for (int c = 1; c <= candidates; c++)
            {
                materializer.MaterializeInto(Next(c), engine.Model.Weights);
            }
            seconds = clock.Elapsed.TotalSeconds / candidates;
            allocated = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / candidates;
            peak = PageCache.PeakResidentBytes();
            (peakAnon, peakFile) = sampler.Stop();
        }
        clock.Restart();
        materializer.WriteCheckpoint(Next(candidates + 1), args[4], overwrite: true);
        double checkpoint = clock.Elapsed.TotalSeconds;
        string digest = MergeBenchmark.Sha256Of(Directory.GetFiles(args[4], "*.safetensors").Order(StringComparer.Ordinal));
        Directory.Delete(args[4], recursive: true);
        Console.WriteLine(new JsonObject
        {
            ["seconds"] = seconds, ["engine_rss"] = engineRss, ["peak_rss"] = peak, ["allocated"] = allocated, ["checkpoint_seconds"] = checkpoint,
            ["engine_anon"] = engineAnon, ["engine_file"] = engineFile, ["peak_anon"] = peakAnon, ["peak_file"] = peakFile, ["sha256"] = digest,
        }.ToJsonString());
        return 0;
    }

    /// <summary>The child: scores the optimization split with the engine on the base; prints JSON: seconds per evaluation, tokens, peak RSS.</summary>
    public static int ScoreOnce(string[] args)
    {
        int threads = int.Parse(args[2], CultureInfo.InvariantCulture), evaluations = int.Parse(args[3], CultureInfo.InvariantCulture);
        var options = new InferenceOptions { Threads = threads };
        using var engine = EvaluationModel.Open(args[0], options);
        var tasks = TaskFile.Load(args[1]).LoadOptimization();
        var clock = Stopwatch.StartNew();
        TaskEvaluator.Evaluate(tasks, engine.Text, null, null);
        double first = clock.Elapsed.TotalSeconds;
        var counting = new CountingTextScorer(engine.Text!, engine.Tokenizer, options.MaxBatchSize);
        clock.Restart();
        for (int e = 0; e < evaluations; e++)
        {
            TaskEvaluator.Evaluate(tasks, counting, null, null);
        }
        Console.WriteLine(new JsonObject
        {
            ["first_seconds"] = first, ["seconds"] = clock.Elapsed.TotalSeconds / evaluations, ["requests"] = counting.Requests / evaluations,
            ["tokens"] = counting.Tokens / evaluations, ["padded_tokens"] = counting.PaddedTokens / evaluations, ["logit_rows"] = counting.LogitRows / evaluations,
            ["peak_rss"] = PageCache.PeakResidentBytes(),
        }.ToJsonString());
        return 0;
    }

    /// <summary>The child: one search run; prints JSON: evaluations, wall and scoring seconds, peak RSS.</summary>
    public static int SearchOnce(string[] args)
    {
        if (Directory.Exists(args[1]))
        {
            Directory.Delete(args[1], recursive: true);
        }
        var clock = Stopwatch.StartNew();
        var result = SearchRun.Start(args[0], args[1]);
        var search = result.Searches[0];
        Console.WriteLine(new JsonObject
        {
            ["evaluations"] = search.Evaluations, ["scored"] = search.FitnessCalls, ["wall_seconds"] = search.WallSeconds,
            ["scoring_seconds"] = search.ScoringSeconds, ["run_seconds"] = clock.Elapsed.TotalSeconds, ["peak_rss"] = PageCache.PeakResidentBytes(),
        }.ToJsonString());
        return 0;
    }

    // One `swarmmerge merge --out-adapter` run of a CLI build, timed by /usr/bin/time, with the bytes in the adapter's folder's parent sampled.
    private static (double Seconds, long PeakRss, long PeakBytes, long AdapterBytes, string Sha256, string Printed) AdapterInChild(string cli, string yaml, string folder, int rank, int threads)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, true);
        }
        Directory.CreateDirectory(folder);
        string adapter = Path.Combine(folder, "adapter");
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/time") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "-f", "%e %M", "dotnet", cli, "merge", yaml, "--out-adapter", adapter, "--adapter-rank", Number(rank), "--threads", Number(threads) })
        {
            start.ArgumentList.Add(argument);
        }
        long peak = 0;
        bool done = false;
        var sampler = new Thread(() =>
        {
            while (!Volatile.Read(ref done))
            {
                peak = Math.Max(peak, BytesUnder(folder));
                Thread.Sleep(20);
            }
        }) { IsBackground = true };
        using var child = System.Diagnostics.Process.Start(start)!;
        sampler.Start();
        var stderr = child.StandardError.ReadToEndAsync();
        string stdout = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        Volatile.Write(ref done, true);
        sampler.Join();
        string[] timing = stderr.Result.Trim().Split('\n')[^1].Split(' ');
        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException($"the adapter command failed: {stdout}{stderr.Result}");
        }
        string weights = Path.Combine(adapter, "adapter_model.safetensors");
        var result = (double.Parse(timing[0], CultureInfo.InvariantCulture), long.Parse(timing[1], CultureInfo.InvariantCulture) * 1024, peak,
            new FileInfo(weights).Length, MergeBenchmark.Sha256Of([weights]), stdout.Trim().Split('\n')[^1]);
        Directory.Delete(folder, true);
        return result;
    }

    private static long BytesUnder(string folder)
    {
        long sum = 0;
        try
        {
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories))
            {
                try
                {
                    sum += file.Length;
                }
                catch (IOException)
                {
                    // moved or removed while listed
                }
            }
        }
        catch (IOException)
        {
        }
        return sum;
    }

    // Resets VmHWM to the current RSS (Linux ≥ 4.0), so the peak that follows is the next step's own.
    private static void ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    // A report section: its title, one paragraph, and the header of its table (first column left-aligned, the rest right).
    private static void Section(StringBuilder text, string title, string intro, string header)
    {
        text.AppendLine(title).AppendLine().AppendLine(intro).AppendLine().AppendLine(header);
        text.AppendLine("|" + string.Concat(header.Split('|')[1..^1].Select((_, i) => i == 0 ? "---|" : "---:|")));
    }

    // The builds one after the other, that many times (a row's name says its round when there are several): noise on a
    // shared machine moves a figure by ±10 % from one run to the next, so side-by-side repeats show what is the build's.
    private static IEnumerable<(string Name, T Dll)> Rounds<T>(IReadOnlyList<(string Name, T Dll)> builds, int rounds) =>
        Enumerable.Range(1, rounds).SelectMany(r => builds.Select(b => (rounds > 1 ? $"{b.Name}, round {r}" : b.Name, b.Dll)));

    private static JsonObject Child(string? dll, params string[] arguments) =>
        JsonNode.Parse(ChildRun.RunBench(dll, arguments).Trim().Split('\n')[^1])!.AsObject();

    private static double Get(JsonObject result, string key) => result[key]!.GetValue<double>();

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static void Row(StringBuilder text, string row)
    {
        text.AppendLine(row);
        Console.Error.WriteLine(row);
    }
}
