using System.CommandLine;
using System.Globalization;
using SwarmMerge.Search.Runs;
using SwarmMerge.Search;

namespace SwarmMerge.Cli;

/// <summary>
/// <c>swarmmerge demo</c>: the whole idea on the bundled light family (where merging pays), in minutes, with no
/// downloads: base and experts, task arithmetic, TIES, DARE-TIES and DELLA, PSO-Merging with SwarmMerge's default
/// preset and with the paper's, and CMA-ES, under the same budget, all scored on the held-out test split.
/// </summary>
internal static class DemoCommand
{
    private const string ConfigPath = "examples/light-family/search.yml";

    public static Command Create()
    {
        var output = new Option<DirectoryInfo?>("--out", "-o") { Description = "Run folder (default: runs/demo-<time>)." };
        var command = new Command("demo", $"Run PSO-Merging and the baselines on the bundled light family ({ConfigPath}; run from the repository root).") { output };
        command.SetAction((result, cancellation) =>
        {
            if (!File.Exists(ConfigPath))
            {
                throw new FileNotFoundException($"{Path.GetFullPath(ConfigPath)} not found: run the demo from the root of the SwarmMerge repository.");
            }
            string run = result.GetValue(output)?.FullName
                ?? Path.GetFullPath(Path.Combine("runs", $"demo-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}"));
            Console.WriteLine($"SwarmMerge demo: {ConfigPath} → {run}");
            return Task.FromResult(SearchCommand.Execute(run, () => SearchRun.Start(ConfigPath, run, SearchCommand.Progress, cancellation)));
        });
        return command;
    }
}
