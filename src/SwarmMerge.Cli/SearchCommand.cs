using System.CommandLine;
using System.Globalization;
using SwarmMerge.Adapters;
using SwarmMerge.Search.Runs;
using SwarmMerge.Search;

namespace SwarmMerge.Cli;

/// <summary><c>swarmmerge search CONFIG.yml --out RUN_DIR</c> and <c>swarmmerge search --resume RUN_DIR</c>.</summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var config = new Argument<FileInfo?>("config") { Description = "Search config (YAML): base_model, models, tasks, methods, budget, baselines, seed.", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<DirectoryInfo?>("--out", "-o") { Description = "Run folder for the log, state, merged model and report." };
        var resume = new Option<DirectoryInfo?>("--resume") { Description = "Continue the run in this folder (after a crash or kill)." };
        var outAdapter = new Option<DirectoryInfo?>("--out-adapter") { Description = "Also write the best model as a PEFT LoRA adapter: exact for coefficient-space searches over adapters (without sparsified members or anchors in use); otherwise give --adapter-rank." };
        var adapterRank = NumberOptions.Optional("--adapter-rank", "Rank of --out-adapter at most R: a truncated SVD of merged − base when no exact adapter exists or it needs more.", 1);
        var cluster = new SearchClusterOptions();
        var command = new Command("search", "Search merged models with PSO-Merging (and the searches it is compared with) on the optimization split; report on the test split.")
        {
            config, output, resume, outAdapter, adapterRank,
        };
        foreach (var option in cluster.All)
        {
            command.Options.Add(option);
        }
        command.Validators.Add(result =>
        {
            bool fresh = result.GetValue(config) is not null && result.GetValue(output) is not null;
            bool resumed = result.GetValue(resume) is not null;
            if (fresh == resumed)
            {
                result.AddError("Give either CONFIG.yml --out RUN_DIR, or --resume RUN_DIR.");
            }
        });
        command.SetAction((result, cancellation) =>
        {
            string? resumed = result.GetValue(resume)?.FullName;
            string folder = resumed ?? result.GetValue(output)!.FullName;
            (string ConfigPath, string WorkingDirectory) Origin() => resumed is null ? (result.GetValue(config)!.FullName, Environment.CurrentDirectory) : SearchRun.Origin(resumed);
            var adapter = result.GetValue(outAdapter) is { } adapterFolder ? new AdapterOutputRequest(adapterFolder.FullName, result.GetValue(adapterRank)) : null;
            if (adapter is not null)
            {
                // Where the adapter goes is checked before the search, which it would otherwise follow by hours.
                var (configPath, workingDirectory) = Origin();
                SearchAdapter.CheckOutput(SearchConfigParser.Load(configPath, workingDirectory), adapter);
            }
            return Task.FromResult(Execute(folder, () => cluster.Run(result, Origin, remote => resumed is null
                ? SearchRun.Start(result.GetValue(config)!.FullName, folder, Progress, cancellation, remote)
                : SearchRun.Resume(resumed, Progress, cancellation, remote)), adapter));
        });
        return command;
    }

    /// <summary>The progress display of a run (one line, rewritten in place on a terminal).</summary>
    public static IProgress<SearchProgress> Progress { get; } = new SynchronousProgress<SearchProgress>(Show);

    /// <summary>
    /// Runs <paramref name="run"/> (whose run folder is <paramref name="folder"/>) and prints its summary: each search's cost and the
    /// test-split table; then writes the best model as an adapter when asked.
    /// </summary>
    public static int Execute(string folder, Func<SearchRunResult> run, AdapterOutputRequest? adapter = null)
    {
        SearchRunResult result;
        try
        {
            result = run();
        }
        catch (OperationCanceledException) when (File.Exists(Path.Combine(folder, SearchRun.ConfigFileName)))
        {
            throw new Interrupted($"Interrupted; the log is intact. Continue with: {CliRunner.ProgramName} search --resume {ShellWord(folder)}");
        }
        Console.Error.WriteLine();
        Print(result);
        if (adapter is not null)
        {
            var (configPath, workingDirectory) = SearchRun.Origin(result.Directory);
            Console.WriteLine(SearchAdapter.Write(result, SearchConfigParser.Load(configPath, workingDirectory), adapter).Summary);
        }
        return 0;
    }

    /// <summary><paramref name="text"/> as one shell word (quoted when it holds anything but safe characters).</summary>
    private static string ShellWord(string text) =>
        text.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+:=@%,".Contains(c)) ? text : "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static void Show(SearchProgress p)
    {
        string left = p.SecondsLeft is double s ? $"  ~{TimeSpan.FromSeconds(Math.Round(s)):g} left" : "";
        string line = string.Create(CultureInfo.InvariantCulture,
            $"[{p.Method} {p.MethodIndex + 1}/{p.MethodCount}] step {p.Step}  evaluation {p.Evaluation}/{p.Budget}  fitness {(p.Bounded ? "≤ " : "")}{p.Fitness:F2}{(p.HeldOut ? " (held-back rows)" : "")}  best {p.BestFitness:F2}{left}");
        if (Console.IsErrorRedirected)
        {
            Console.Error.WriteLine(line);
        }
        else
        {
            Console.Error.Write($"\r{line,-100}");
        }
    }

    private static void Print(SearchRunResult run)
    {
        var tasks = run.TestScores.Values.First().Keys.ToList();
        var searches = run.Searches.ToDictionary(s => s.Method);
        Console.WriteLine();
        Console.WriteLine($"{"held-out test split",-20} {"kind",-10} {string.Join(" ", tasks.Select(t => $"{t,10}"))} {"mean",7} {"evals",6} {"time (s)",9}");
        foreach (var (row, scores) in run.TestScores)
        {
            string cost = searches.TryGetValue(row, out var s) ? string.Create(CultureInfo.InvariantCulture, $"{s.Evaluations,6} {s.ScoringSeconds,9:F1}") : $"{"",6} {"",9}";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row,-20} {run.RowKinds[row],-10} {string.Join(" ", tasks.Select(t => $"{scores[t],10:F1}"))} {scores.Values.Average(),7:F1} {cost}"));
        }
        Console.WriteLine();
        Console.WriteLine($"Best model: {run.MergedDirectory}");
        Console.WriteLine($"Report:     {Path.Combine(run.Directory, "report.md")}");
    }
}
