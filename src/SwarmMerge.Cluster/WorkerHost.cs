using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SwarmMerge.Search.Runs;

namespace SwarmMerge.Cluster;

/// <summary><c>swarmmerge worker</c>: opens the models and tasks, fingerprints them, and hosts the evaluation grain in a silo until stopped.</summary>
public static class WorkerHost
{
    /// <summary>The line a worker prints on standard output once it has joined the cluster.</summary>
    public const string ReadyLine = "worker ready:";

    /// <summary>Runs a worker until <paramref name="stop"/> completes, <paramref name="cancellation"/> fires or the process is told to stop (SIGTERM).</summary>
    /// <param name="config">The search config whose models and tasks the worker opens (its <c>threads</c> are the engine's).</param>
    /// <param name="cluster">The cluster to join.</param>
    /// <param name="siloPort">This worker's silo port.</param>
    /// <param name="gatewayPort">This worker's gateway port.</param>
    /// <param name="output">Where the worker reports what it opened and when it is ready.</param>
    /// <param name="stop">Completes when the worker should leave the cluster (e.g. its standard input closed).</param>
    /// <param name="cancellation">Stops the worker (Ctrl-C).</param>
    public static async Task RunAsync(SearchConfig config, ClusterConfig cluster, int siloPort, int gatewayPort, TextWriter output, Task stop, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        using var models = WorkerModels.Open(config);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"worker: {models.Fingerprint.Files.Count} input files ({models.Fingerprint.Bytes / 1e6:F1} MB) opened and fingerprinted in {clock.Elapsed.TotalSeconds:F2} s; {config.Threads} threads"));
        using var host = new HostBuilder()
            .UseOrleans(silo => ClusterHosting.ConfigureSilo(silo, cluster, siloPort, gatewayPort))
            .ConfigureServices(services => services.AddSingleton(models))
            .Build();
        await host.StartAsync(cancellation);
        var silo = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        models.Name = $"{Environment.MachineName} pid {Environment.ProcessId} ({silo.Endpoint})";
        output.WriteLine($"{ReadyLine} {models.Name} in {cluster.Describe()}");
        await Task.WhenAny(stop, host.WaitForShutdownAsync(cancellation));
        // Leaving gracefully tells the membership at once, so coordinators stop sending candidates here.
        await host.StopAsync(TimeSpan.FromSeconds(10));
    }
}
