using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using SwarmMerge.Cluster;
using SwarmMerge.Evaluation;
using SwarmMerge.IO;
using SwarmMerge.Search;
using SwarmMerge.Search.Runs;
using SwarmMerge.Search.Scoring;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Bench;

/// <summary>
/// <c>cluster</c>: evaluations per second of one PSO run scored in this process and on 1, 2… local worker processes
/// (Orleans on loopback, each worker with <c>--threads</c> engine threads), the bytes the coordinator sends and
/// receives per evaluation (Orleans' own message-size instruments), and the cost of the input fingerprint on the
/// 1.5 GB-per-model merge-benchmark family.
/// </summary>
internal static class ClusterBenchmark
{
    public static int Run(string[] args)
    {
        var o = BenchOptions.Parse(args);
        int threads = o.Int("threads", 1);
        int steps = o.Int("steps", 2);
        var counts = o.Text("workers", "1,2").Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToList();
        string dir = Path.GetFullPath(o.Text("dir", "bench/out/cluster"));
        string configPath = Path.GetFullPath(o.Text("config", "examples/family/search.yml"));
        var config = SearchConfigParser.Load(configPath, Environment.CurrentDirectory);
        // The paper's swarm: what a candidate costs does not depend on where the particles start.
        var pso = new SearchMethodConfig(SearchKind.Pso, new Dictionary<string, object?> { ["preset"] = "paper", ["steps"] = (double)steps });
        config = config with { Threads = threads, Methods = [pso], Budget = null };
        Directory.CreateDirectory(dir);

        var report = new StringBuilder();
        report.AppendLine($"# Cluster scoring: PSO-Merging ({steps} steps) on `{Path.GetRelativePath(Environment.CurrentDirectory, configPath)}`");
        report.AppendLine();
        report.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Machine: {MachineInfo.Describe()}; load average at start {MachineInfo.LoadAverage()}. {threads} engine thread(s) per worker; workers on loopback, localhost membership."));
        report.AppendLine();
        report.AppendLine("| scoring | evaluations | wall (s) | evaluations/s | speed-up | sent bytes/evaluation | received bytes/evaluation | identical log |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|");

        var (local, localLog) = Warm(() => Measure(config, pso, null));
        report.AppendLine(Row("this process", local, local, identical: "(reference)"));
        foreach (int count in counts)
        {
            using var workers = LocalWorkers.Start(new WorkerLauncher(Environment.ProcessPath!, [Path.Combine(AppContext.BaseDirectory, "SwarmMerge.Cli.dll")]),
                configPath, Environment.CurrentDirectory, count, threads, cluster: null, TextWriter.Null);
            using var scoring = new ClusterScoring(workers.Cluster, Console.Error, expectedWorkers: count);
            var (measured, log) = Warm(() => Measure(config, pso, scoring));
            report.AppendLine(Row($"{count} worker{(count > 1 ? "s" : "")}", measured, local, identical: log.SequenceEqual(localLog) ? "yes" : "NO"));
        }
        report.AppendLine();
        report.AppendLine("Each row is the second of two identical runs (the first warms up the JIT of this process and of every worker); wall time covers the search only. "
            + "Bytes are every Orleans message the coordinator sent or received during the search, membership polling included, over the evaluations scored. "
            + "\"Identical log\": the same candidates and scores, in the same order, as this process's run (seconds aside).");
        report.AppendLine();
        if (o.Int("experts", 3) > 0)
        {
            report.AppendLine(Fingerprint(o, config));
        }
        string path = Path.Combine(dir, "cluster.md");
        File.WriteAllText(path, report.ToString());
        Console.WriteLine(report);
        Console.Error.WriteLine($"written to {path}");
        return 0;
    }

    // Runs the measurement twice and keeps the second: a fresh process scores its first candidates with unoptimized code.
    private static T Warm<T>(Func<T> measure)
    {
        measure();
        return measure();
    }

    private sealed record Measurement(int Evaluations, double Seconds, long SentBytes, long ReceivedBytes);

    // One PSO run, scored here (remote null) or on the cluster; returns its cost and its log lines without timing.
    private static (Measurement, List<string>) Measure(SearchConfig config, SearchMethodConfig pso, IRemoteScoring? remote)
    {
        var optimization = TaskFile.Load(config.Tasks).LoadOptimization();
        using var materializer = SwarmMaterializer.Open(SearchMethods.Members(config), SearchMethods.Granularity(config), config.Threads);
        using var scorer = remote is null ? RunScoring.OpenScorer(TaskFile.Load(config.Tasks), config.BaseModel, optimization, Path.Combine(Path.GetTempPath(), $"swarmmerge-bench-{Environment.ProcessId}"), config.Threads) : null;
        var fitness = new Fitness(config.Fitness);
        double heldOut = SearchMethods.SelectionOf(pso).HeldOutShare;
        var rows = RunRows.Of(optimization, heldOut, config.Seed);
        IBatchScorer batch = remote?.For(config, pso, materializer, fitness, heldOut) ?? new SequentialScorer(c => RunScoring.Score(scorer!, materializer, c, rows, fitness));
        var search = SearchMethods.Create(pso, config, materializer, SearchMethods.DefaultBudget(config));
        long sent = 0, received = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Microsoft.Orleans" && instrument.Name is "orleans-messaging-sent-messages-size" or "orleans-messaging-received-messages-size")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) =>
        {
            if (instrument.Name == "orleans-messaging-sent-messages-size")
            {
                Interlocked.Add(ref sent, value);
            }
            else
            {
                Interlocked.Add(ref received, value);
            }
        });
        listener.Start();
        var records = new List<string>();
        var clock = Stopwatch.StartNew();
        var result = SearchSession.Run(search, batch, new SearchOptions
        {
            Fitness = fitness,
            Selection = SearchMethods.SelectionOf(pso).Selection,
            Progress = new SynchronousProgress<ScoredCandidate>(s => records.Add($"{s.Record.Step} {s.Record.Member} {string.Join(",", s.Record.Scores.Values)} {s.Record.Cached}")),
        });
        double seconds = clock.Elapsed.TotalSeconds;
        listener.Dispose();
        return (new Measurement(result.FitnessCalls, seconds, Interlocked.Read(ref sent), Interlocked.Read(ref received)), records);
    }

    private static string Row(string name, Measurement m, Measurement reference, string identical) => string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {m.Evaluations} | {m.Seconds:F1} | {m.Evaluations / m.Seconds:F2} | {reference.Seconds / m.Seconds:F2}× | {(m.SentBytes == 0 ? "–" : $"{m.SentBytes / (double)m.Evaluations:F0}")} | {(m.ReceivedBytes == 0 ? "–" : $"{m.ReceivedBytes / (double)m.Evaluations:F0}")} | {identical} |");

    // SHA-256 of every input file of the merge benchmark's family (written there when missing), cold and warm.
    private static string Fingerprint(BenchOptions o, SearchConfig config)
    {
        var shape = new SyntheticCheckpoints.Shape(o.Int("layers", 12), o.Int("hidden", 2048), o.Int("intermediate", 5504), o.Int("vocab", 32000));
        int experts = o.Int("experts", 3);
        string family = Path.Combine(Path.GetFullPath(o.Text("family-dir", "bench/out/merge")), $"L{shape.Layers}-H{shape.Hidden}-I{shape.Intermediate}-V{shape.Vocab}");
        var models = Enumerable.Range(0, experts + 1).Select(m => Path.Combine(family, m == 0 ? "base" : $"expert{m}")).ToList();
        foreach (var (path, m) in models.Select((p, m) => (p, m)))
        {
            SyntheticCheckpoints.Write(path, shape, m, ByteSize.Parse("2G"));
        }
        var inputs = config with { BaseModel = models[0], Experts = models[1..] };
        int fingerprintThreads = Environment.ProcessorCount;
        var text = new StringBuilder();
        text.AppendLine($"## Input fingerprint (SHA-256 of every input file), base + {experts} experts of the merge benchmark's Llama shape, {fingerprintThreads} threads");
        text.AppendLine();
        text.AppendLine("| page cache | files | GB | seconds | GB/s |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (string cache in new[] { "cold", "warm" })
        {
            if (cache == "cold")
            {
                PageCache.Evict(models.SelectMany(m => Directory.GetFiles(m)));
            }
            var clock = Stopwatch.StartNew();
            var fingerprint = InputFingerprint.Of(inputs, fingerprintThreads);
            double seconds = clock.Elapsed.TotalSeconds;
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {cache} | {fingerprint.Files.Count} | {fingerprint.Bytes / 1e9:F2} | {seconds:F2} | {fingerprint.Bytes / 1e9 / seconds:F2} |"));
        }
        return text.ToString();
    }
}
