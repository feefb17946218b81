using System.CommandLine;
using SwarmMerge.Cluster;
using SwarmMerge.Search.Runs;

namespace SwarmMerge.Cli;

/// <summary><c>swarmmerge search</c>'s cluster options: <c>--cluster CLUSTER.yml</c> and <c>--workers N</c>.</summary>
internal sealed class SearchClusterOptions
{
    public Option<FileInfo?> Cluster { get; } = new("--cluster") { Description = "Score candidates on the workers of this cluster (YAML; see docs/cluster.md)." };

    public Option<int?> Workers { get; } = new("--workers") { Description = "Start N local worker processes and score candidates on them." };

    public Option<int?> WorkerThreads { get; } = new("--worker-threads") { Description = "Engine threads of each local worker (default: cores / N)." };

    public IEnumerable<Option> All => [Cluster, Workers, WorkerThreads];

    /// <summary>Runs <paramref name="run"/> with the cluster the options ask for (none: in this process).</summary>
    /// <param name="result">The parsed command line.</param>
    /// <param name="origin">The search config and the working directory its paths resolve against (for local workers).</param>
    /// <param name="run">The run, given the remote scoring to use.</param>
    public SearchRunResult Run(ParseResult result, Func<(string ConfigPath, string WorkingDirectory)> origin, Func<IRemoteScoring?, SearchRunResult> run)
    {
        var cluster = result.GetValue(Cluster) is { } file ? ClusterConfig.Load(file.FullName) : null;
        LocalWorkers? local = null;
        if (result.GetValue(Workers) is int count)
        {
            if (count < 1)
            {
                throw new SearchConfigException("--workers must be at least 1.");
            }
            var (configPath, workingDirectory) = origin();
            int threads = result.GetValue(WorkerThreads) ?? Math.Max(1, Environment.ProcessorCount / count);
            local = LocalWorkers.Start(WorkerLauncher.ThisProgram(), configPath, workingDirectory, count, threads, cluster, Console.Error);
            cluster = local.Cluster;
        }
        using (local)
        {
            if (cluster is null)
            {
                return run(null);
            }
            using var scoring = new ClusterScoring(cluster, Console.Error, expectedWorkers: result.GetValue(Workers) ?? 1);
            return run(scoring);
        }
    }
}
