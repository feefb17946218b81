using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using SwarmMerge.Cluster;
using SwarmMerge.Search;
using SwarmMerge.Search.Runs;
using SwarmMerge.Tests.Search;

namespace SwarmMerge.Tests.Cluster;

/// <summary>
/// Whole search runs whose candidates are scored by worker processes (<c>swarmmerge worker</c>, started from this test's
/// copy of the command) on loopback, against the same run in one process: the logs must be byte-identical except for
/// each line's <c>seconds</c> (a measured time, not a result), the best model and the test scores identical.
/// Each starts worker processes (a few seconds each); <c>--filter Category!=Cluster</c> leaves them out.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class ClusterRunTests : IDisposable
{
    private readonly TestModels.TempFolder _folder = new();
    private readonly StringWriter _logText = new();
    private readonly TextWriter _log;

    public ClusterRunTests() => _log = TextWriter.Synchronized(_logText);

    public void Dispose() => _folder.Dispose();

    private static WorkerLauncher Launcher => new(
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet",
        [Path.Combine(AppContext.BaseDirectory, "SwarmMerge.Cli.dll")]);

    // The family with the given methods (and optionally a task file of its own), as a config path.
    private string Config(string methods, string? tasks = null)
    {
        string config = RunFamily.Write(_folder.Path);
        if (tasks is not null)
        {
            File.WriteAllText(_folder["tasks.yml"], tasks);
        }
        File.WriteAllText(config, File.ReadAllText(config).Replace("  - pso: {steps: 1}\n  - random: {}\n", methods));
        return config;
    }

    [Fact]
    public void Two_workers_give_the_log_best_model_and_test_scores_of_a_single_process_run()
    {
        string config = Config("  - pso: {steps: 1}\n  - evo: {merge_method: ties}\n");
        SearchRun.Start(config, _folder["single"]);

        Logged(() =>
        {
            using var workers = LocalWorkers.Start(Launcher, config, _folder.Path, count: 2, threads: 2, cluster: null, _log);
            using var scoring = new ClusterScoring(workers.Cluster, _log, expectedWorkers: 2);
            SearchRun.Start(config, _folder["cluster"], remote: scoring);

            AssertSameRun(_folder["single"], _folder["cluster"]);
            // Both workers scored candidates: each generation is spread over them.
            Assert.Equal(2, scoring.EvaluationsByWorker.Count);
            Assert.All(scoring.EvaluationsByWorker.Values, count => Assert.True(count > 0));
            Assert.Equal(0, scoring.Resent);
        });
    }

    [Fact]
    public void A_worker_killed_mid_run_and_one_joining_mid_run_leave_the_result_unchanged()
    {
        // An external evaluator that takes a while on the optimization split, and marks each start with a file
        // named by its worker's process id ($PPID), so that the test kills a worker while it is scoring.
        string marks = Directory.CreateDirectory(_folder["marks"]).FullName;
        string script = $"[ \"$2\" = optimization ] && touch {marks}/$PPID.$$ && sleep 0.4; h=$(sha256sum \"$1/model.safetensors\" | cut -c1-4); echo \"{{\\\"words\\\": $((0x$h % 100))}}\"";
        string config = Config("  - pso: {steps: 2, r: elementwise}\n",
            $"evaluator:\n  command: [sh, -c, '{script}', sh, '{{model}}', '{{split}}']\n  timeout_seconds: 30\ntasks:\n  - {{name: words, metric: accuracy}}\n");
        SearchRun.Start(config, _folder["single"]);

        Logged(() =>
        {
            using var workers = LocalWorkers.Start(Launcher, config, _folder.Path, count: 2, threads: 1, cluster: null, _log);
            using var scoring = new ClusterScoring(workers.Cluster, _log, expectedWorkers: 2);
            Task? kill = null;
            bool added = false;
            var progress = new SynchronousProgress<SearchProgress>(_ =>
            {
                // The second worker (not the first, which holds the localhost membership table) is killed as soon as it
                // starts a new candidate; then, at the next evaluation, a third worker is started and waited for.
                var victim = workers.Processes[1];
                kill ??= Task.Run(() =>
                {
                    var seen = Directory.GetFiles(marks, $"{victim.Id}.*").ToHashSet();
                    while (Directory.GetFiles(marks, $"{victim.Id}.*").All(seen.Contains))
                    {
                        Thread.Sleep(5);
                    }
                    victim.Kill();
                    victim.WaitForExit();
                });
                if (kill.IsCompleted && !added)
                {
                    added = true;
                    workers.Add();
                }
            });
            SearchRun.Start(config, _folder["cluster"], progress, remote: scoring);

            Assert.True(kill!.IsCompletedSuccessfully && added);
            AssertSameRun(_folder["single"], _folder["cluster"]);
            Assert.True(scoring.Resent >= 1, "the killed worker's candidate was sent again");
            // The first worker and the one that joined mid-run scored candidates (the killed one may have finished none).
            foreach (var worker in new[] { workers.Processes[0], workers.Processes[2] })
            {
                Assert.Contains(scoring.EvaluationsByWorker, w => w.Key.Contains($" pid {worker.Id} ") && w.Value > 0);
            }
        });
    }

    [RedisFact]
    public void Workers_that_meet_through_Redis_give_the_single_process_result()
    {
        string config = Config("  - pso: {steps: 1}\n  - random: {}\n");
        SearchRun.Start(config, _folder["single"]);

        int port = FreePort();
        using var redis = Process.Start(new ProcessStartInfo(RedisFactAttribute.Server!, ["--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
        })!;
        try
        {
            WaitForPort(port);
            var cluster = new ClusterConfig
            {
                ClusterId = $"test-{Guid.NewGuid():N}",
                Membership = Membership.Redis,
                Redis = $"127.0.0.1:{port}",
                AdvertisedAddress = IPAddress.Loopback,
                WorkerWait = TimeSpan.FromSeconds(60),
                ProbeTimeout = TimeSpan.FromSeconds(2),
            };
            Logged(() =>
            {
                using var workers = LocalWorkers.Start(Launcher, config, _folder.Path, count: 2, threads: 2, cluster, _log);
                using var scoring = new ClusterScoring(cluster, _log, expectedWorkers: 2);
                SearchRun.Start(config, _folder["cluster"], remote: scoring);

                AssertSameRun(_folder["single"], _folder["cluster"]);
                Assert.Equal(2, scoring.EvaluationsByWorker.Count);
            });
        }
        finally
        {
            redis.Kill();
            redis.WaitForExit();
        }
    }

    [Fact]
    public void Without_a_worker_the_coordinator_fails_after_the_configured_wait()
    {
        string config = Config("  - pso: {steps: 1}\n");
        var cluster = new ClusterConfig { ClusterId = "nobody", GatewayPorts = [FreePort()], WorkerWait = TimeSpan.FromSeconds(2) };
        using var scoring = new ClusterScoring(cluster, _log);
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<ClusterException>(() => SearchRun.Start(config, _folder["run"], remote: scoring));
        Assert.Contains("No SwarmMerge worker of cluster 'nobody'", error.Message);
        Assert.Contains("swarmmerge worker CONFIG.yml --cluster CLUSTER.yml", error.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60));
    }

    // Runs body; on failure, adds what the cluster and its workers said.
    private void Logged(Action body)
    {
        try
        {
            body();
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{e}\n--- cluster log ---\n{_logText}");
        }
    }

    // The same evaluation, but for its time; CMA-ES stops candidates early only when one process scores them one at a
    // time, so a single-process line may hold a bound where the cluster's holds the fitness under it.
    private static void AssertSameEvaluation(string single, string cluster)
    {
        var (one, many) = (JsonNode.Parse(single)!.AsObject(), JsonNode.Parse(cluster)!.AsObject());
        if (one["fitness_bound"] is { } bound && many["fitness_bound"] is null)
        {
            Assert.True(many["fitness"]!.GetValue<double>() <= bound.GetValue<double>(), $"{cluster} exceeds the bound of {single}");
            Assert.All(many["scores"]!.AsObject(), task => Assert.True(task.Value!.GetValue<double>() <= one["scores"]![task.Key]!.GetValue<double>()));
            foreach (string field in new[] { "fitness", "fitness_bound", "threshold", "scores" })
            {
                one.Remove(field);
                many.Remove(field);
            }
        }
        Assert.Equal(WithoutSeconds(one), WithoutSeconds(many));
    }

    private static void AssertSameRun(string single, string cluster)
    {
        var logs = Directory.GetFiles(single, EvaluationLog.FileName, SearchOption.AllDirectories);
        Assert.NotEmpty(logs);
        foreach (string log in logs)
        {
            string other = Path.Combine(cluster, Path.GetRelativePath(single, log));
            var expected = File.ReadAllLines(log);
            var actual = File.ReadAllLines(other);
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                AssertSameEvaluation(expected[i], actual[i]);
            }
        }
        Assert.Equal(File.ReadAllBytes(Path.Combine(single, "merged", "model.safetensors")), File.ReadAllBytes(Path.Combine(cluster, "merged", "model.safetensors")));
        Assert.Equal(File.ReadAllText(Path.Combine(single, "test_scores.json")), File.ReadAllText(Path.Combine(cluster, "test_scores.json")));
    }

    // A log line without its timing, which must still be there and be a non-negative number.
    private static string WithoutSeconds(JsonObject record)
    {
        Assert.True(record["seconds"]!.GetValue<double>() >= 0, record.ToJsonString());
        record.Remove("seconds");
        return record.ToJsonString();
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static void WaitForPort(int port)
    {
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(20); Thread.Sleep(100))
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                // Not listening yet.
            }
        }
        throw new TimeoutException($"redis-server did not listen on port {port}.");
    }
}

/// <summary>A test that needs <c>redis-server</c> (Debian's package); skipped with a message when it is not installed.</summary>
public sealed class RedisFactAttribute : FactAttribute
{
    /// <summary>The server's path, or null when it is not installed.</summary>
    public static string? Server { get; } = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);

    public RedisFactAttribute()
    {
        if (Server is null)
        {
            Skip = "redis-server is not installed (apt-get install redis-server): the Redis membership test is skipped.";
        }
    }
}
