using System.CommandLine;
using SwarmMerge.Cli;
using SwarmMerge.Tests.Search;

namespace SwarmMerge.Tests.Cluster;

/// <summary>The cluster's command-line surface: bad cluster options fail with exit code 1 and a message, before any work.</summary>
[Collection("Console")] // the commands write to Console.Out/Error, which these tests redirect
public sealed class ClusterCliTests : IDisposable
{
    private readonly TestModels.TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static (int Code, string Error) Run(params string[] args)
    {
        var root = new RootCommand { SearchCommand.Create(), WorkerCommand.Create() };
        var error = new StringWriter();
        var oldError = Console.Error;
        Console.SetError(error);
        try
        {
            return (CliRunner.Run(root, args, CancellationToken.None), error.ToString());
        }
        finally
        {
            Console.SetError(oldError);
        }
    }

    [Fact]
    public void A_worker_without_a_readable_cluster_config_exits_with_1_naming_it()
    {
        string config = RunFamily.Write(_folder.Path);
        var (code, error) = Run("worker", config, "--cluster", _folder["missing.yml"]);
        Assert.Equal(1, code);
        Assert.Contains($"Cluster config '{_folder["missing.yml"]}' does not exist", error);
    }

    [Fact]
    public void Search_refuses_a_bad_cluster_config_and_a_worker_count_below_one()
    {
        string config = RunFamily.Write(_folder.Path);
        File.WriteAllText(_folder["cluster.yml"], "membership: redis\n");
        var (code, error) = Run("search", config, "--out", _folder["run"], "--cluster", _folder["cluster.yml"]);
        Assert.Equal(1, code);
        Assert.Contains("membership 'redis' needs 'redis: HOST:PORT'", error);

        (code, error) = Run("search", config, "--out", _folder["run"], "--workers", "0");
        Assert.Equal(1, code);
        Assert.Contains("--workers must be at least 1", error);
        Assert.False(Directory.Exists(_folder["run"]));
    }
}
