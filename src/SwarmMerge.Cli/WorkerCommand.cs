using System.CommandLine;
using SwarmMerge.Cluster;
using SwarmMerge.Search.Runs;

namespace SwarmMerge.Cli;

/// <summary><c>swarmmerge worker CONFIG.yml --cluster CLUSTER.yml</c>: a cluster worker that scores search candidates.</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var config = new Argument<FileInfo>("config") { Description = "Search config (YAML) whose base_model, models and tasks the worker opens; paths resolve against the working directory." };
        var cluster = new Option<FileInfo>("--cluster") { Description = "Cluster config (YAML): membership and ports; see docs/cluster.md.", Required = true };
        var threads = new Option<int?>("--threads") { Description = "Engine threads (default: the config's threads)." };
        var siloPort = new Option<int?>("--silo-port") { Description = "Silo port (default: the cluster config's silo_port)." };
        var gatewayPort = new Option<int?>("--gateway-port") { Description = "Gateway port (default: the cluster config's gateway_port)." };
        var untilStdinCloses = new Option<bool>("--until-stdin-closes") { Description = "Leave the cluster when standard input closes (for a supervising process)." };
        var command = new Command("worker", "Join a cluster as a worker: open the models and tasks once, and score the candidates coordinators send.")
        {
            config, cluster, threads, siloPort, gatewayPort, untilStdinCloses,
        };
        command.SetAction(async (result, cancellation) =>
        {
            var search = SearchConfigParser.Load(result.GetValue(config)!.FullName, Environment.CurrentDirectory);
            if (result.GetValue(threads) is int count)
            {
                search = search with { Threads = Math.Max(1, count) };
            }
            var clusterConfig = ClusterConfig.Load(result.GetValue(cluster)!.FullName);
            var stop = result.GetValue(untilStdinCloses) ? Task.Run(() => Console.OpenStandardInput().CopyTo(Stream.Null)) : Task.Delay(Timeout.Infinite, cancellation);
            try
            {
                await WorkerHost.RunAsync(search, clusterConfig, result.GetValue(siloPort) ?? clusterConfig.SiloPort, result.GetValue(gatewayPort) ?? clusterConfig.GatewayPort,
                    Console.Out, stop, cancellation);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C while starting: nothing to leave.
            }
            return 0;
        });
        return command;
    }
}
