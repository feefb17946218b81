using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SwarmMerge.Cluster;

/// <summary>
/// Worker processes started by this process (<c>swarmmerge search --workers N</c>): each is <c>swarmmerge worker</c>
/// with its own threads, on free loopback ports, in a private localhost cluster (the first worker holds its
/// membership table) or in a given cluster. They leave when disposed, or on their own when this process dies
/// (their standard input closes).
/// </summary>
public sealed class LocalWorkers : IDisposable
{
    private readonly WorkerLauncher _launcher;
    private readonly string _configPath;
    private readonly string _workingDirectory;
    private readonly int _threads;
    private readonly TextWriter _log;
    private readonly string _clusterFile;
    private readonly List<Process> _processes = [];

    private LocalWorkers(WorkerLauncher launcher, string configPath, string workingDirectory, int threads, ClusterConfig cluster, TextWriter log)
    {
        _launcher = launcher;
        _configPath = Path.GetFullPath(configPath, workingDirectory);
        _workingDirectory = workingDirectory;
        _threads = threads;
        _log = log;
        Cluster = cluster;
        _clusterFile = Path.Combine(Path.GetTempPath(), $"swarmmerge-cluster-{Environment.ProcessId}-{Guid.NewGuid():N}.yml");
        File.WriteAllText(_clusterFile, cluster.ToYaml());
    }

    /// <summary>The cluster the workers joined: what the coordinator connects to.</summary>
    public ClusterConfig Cluster { get; }

    /// <summary>The worker processes, in start order (exited ones included).</summary>
    public IReadOnlyList<Process> Processes => _processes;

    /// <summary>Starts <paramref name="count"/> workers on the search config <paramref name="configPath"/> and waits until each has joined.</summary>
    /// <param name="launcher">How to run <c>swarmmerge</c>.</param>
    /// <param name="configPath">The search config (relative paths in it resolve against <paramref name="workingDirectory"/>).</param>
    /// <param name="workingDirectory">The workers' working directory.</param>
    /// <param name="count">Number of workers.</param>
    /// <param name="threads">Engine threads of each worker.</param>
    /// <param name="cluster">A cluster to join (not a localhost one, whose primary runs elsewhere); null: a private localhost cluster.</param>
    /// <param name="log">Where the workers' messages go, prefixed with their number.</param>
    /// <exception cref="ClusterException">A worker exited or did not join in time; the message holds its last output.</exception>
    public static LocalWorkers Start(WorkerLauncher launcher, string configPath, string workingDirectory, int count, int threads, ClusterConfig? cluster, TextWriter log)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (cluster is { Membership: Membership.Localhost })
        {
            throw new ClusterException("--workers starts its own localhost cluster; give --cluster only with Redis or ADO.NET membership, which local workers can join.");
        }
        var ports = FreePorts(2 * count);
        cluster ??= new ClusterConfig
        {
            ClusterId = $"swarmmerge-local-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40],
            Membership = Membership.Localhost,
            PrimarySiloPort = ports[0],
            GatewayPorts = [.. Enumerable.Range(0, count).Select(i => ports[2 * i + 1])],
            WorkerWait = TimeSpan.FromSeconds(60),
            ProbeTimeout = TimeSpan.FromSeconds(2),
        };
        var workers = new LocalWorkers(launcher, configPath, workingDirectory, threads, cluster, log);
        try
        {
            // The primary first: the others join through its membership table.
            workers.StartOne(ports[0], ports[1]).Wait();
            Task.WaitAll([.. Enumerable.Range(1, count - 1).Select(i => workers.StartOne(ports[2 * i], ports[2 * i + 1]))]);
            return workers;
        }
        catch (AggregateException e) when (e.InnerException is ClusterException inner)
        {
            workers.Dispose();
            throw inner;
        }
        catch
        {
            workers.Dispose();
            throw;
        }
    }

    /// <summary>Starts one more worker in the same cluster (it joins the run from its next generation).</summary>
    public void Add()
    {
        var ports = FreePorts(2);
        StartOne(ports[0], ports[1]).GetAwaiter().GetResult();
    }

    private async Task StartOne(int siloPort, int gatewayPort)
    {
        var start = new ProcessStartInfo(_launcher.FileName)
        {
            WorkingDirectory = _workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in _launcher.Arguments.Concat(["worker", _configPath, "--cluster", _clusterFile, "--threads", $"{_threads}",
            "--silo-port", $"{siloPort}", "--gateway-port", $"{gatewayPort}", "--until-stdin-closes"]))
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new ClusterException($"Could not start '{_launcher.FileName}'.");
        int number;
        lock (_processes)
        {
            _processes.Add(process);
            number = _processes.Count;
        }
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lastLines = new Queue<string>();
        void Relay(string? line, bool standardOutput)
        {
            if (line is null)
            {
                return;
            }
            lock (lastLines)
            {
                lastLines.Enqueue(line);
                if (lastLines.Count > 20)
                {
                    lastLines.Dequeue();
                }
            }
            if (standardOutput && line.StartsWith(WorkerHost.ReadyLine, StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
            _log.WriteLine($"[worker {number}] {line}");
        }
        process.OutputDataReceived += (_, e) => Relay(e.Data, standardOutput: true);
        process.ErrorDataReceived += (_, e) => Relay(e.Data, standardOutput: false);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(ready.Task, exited, Task.Delay(Cluster.WorkerWait));
        if (first != ready.Task)
        {
            string output;
            lock (lastLines)
            {
                output = string.Join("\n", lastLines);
            }
            throw new ClusterException(first == exited
                ? $"Worker {number} exited with code {process.ExitCode} before joining the cluster:\n{output}"
                : $"Worker {number} did not join the cluster within {Cluster.WorkerWait.TotalSeconds:0} s:\n{output}");
        }
    }

    /// <summary>Stops every worker: closes its standard input (it leaves the cluster), and kills it if it is still running after a while.</summary>
    public void Dispose()
    {
        foreach (var process in _processes)
        {
            try
            {
                process.StandardInput.Close();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                // Exited already.
            }
        }
        foreach (var process in _processes)
        {
            if (!process.WaitForExit(TimeSpan.FromSeconds(15)))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            process.Dispose();
        }
        File.Delete(_clusterFile);
    }

    // Ports the system gives out now (released at once: a small race with other programs, acceptable on one machine).
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ =>
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return listener;
        }).ToList();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}

/// <summary>How to run the <c>swarmmerge</c> command: a program and the arguments before the command's own.</summary>
/// <param name="FileName">The program (an app host, or <c>dotnet</c>).</param>
/// <param name="Arguments">Arguments before <c>worker …</c> (the assembly, for <c>dotnet</c>).</param>
public sealed record WorkerLauncher(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>This process's own program: <c>dotnet SwarmMerge.Cli.dll</c> or the app host.</summary>
    public static WorkerLauncher ThisProgram()
    {
        string program = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this program is unknown.");
        return Path.GetFileNameWithoutExtension(program) == "dotnet"
            ? new WorkerLauncher(program, [System.Reflection.Assembly.GetEntryAssembly()!.Location])
            : new WorkerLauncher(program, []);
    }
}
