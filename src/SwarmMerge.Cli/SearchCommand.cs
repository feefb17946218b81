using System.CommandLine;
using System.Globalization;
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
        var command = new Command("search", "Search merged models with PSO-Merging (and the searches it is compared with) on the optimization split; report on the test split.")
        {
            config, output, resume,
        };
        command.Validators.Add(result =>
        {
            bool fresh = result.GetValue(config) is not null && result.GetValue(output) is not null;
            bool resumed = result.GetValue(resume) is not null;
            if (fresh == resumed)
            {
                result.AddError("Give either CONFIG.yml --out RUN_DIR, or --resume RUN_DIR.");
            }
        });
        command.SetAction((result, cancellation) => Task.FromResult(CliErrors.Guard(() =>
        {
            var progress = new SynchronousProgress<SearchProgress>(Show);
            var run = result.GetValue(resume) is { } folder
                ? SearchRun.Resume(folder.FullName, progress, cancellation)
                : SearchRun.Start(result.GetValue(config)!.FullName, result.GetValue(output)!.FullName, progress, cancellation);
            Console.Error.WriteLine();
            Print(run);
            return 0;
        })));
        return command;
    }

    private static void Show(SearchProgress p)
    {
        string left = p.SecondsLeft is double s ? $"  ~{TimeSpan.FromSeconds(Math.Round(s)):g} left" : "";
        string line = string.Create(CultureInfo.InvariantCulture,
            $"[{p.Method} {p.MethodIndex + 1}/{p.MethodCount}] step {p.Step}  evaluation {p.Evaluation}/{p.Budget}  fitness {p.Fitness:F2}  best {p.BestFitness:F2}{left}");
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
        foreach (var s in run.Searches)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Method,-14} {s.Evaluations,5} evaluations  best fitness {s.Best?.Fitness,7:F2}  {s.ScoringSeconds,7:F1} s scoring  (stopped by {s.StoppedBy})"));
        }
        var tasks = run.TestScores.Values.First().Keys.ToList();
        Console.WriteLine();
        Console.WriteLine($"{"test split",-22} {string.Join(" ", tasks.Select(t => $"{t,10}"))} {"mean",8}");
        foreach (var (row, scores) in run.TestScores)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row,-22} {string.Join(" ", tasks.Select(t => $"{scores[t],10:F1}"))} {scores.Values.Average(),8:F1}"));
        }
        Console.WriteLine();
        Console.WriteLine($"Best model: {run.MergedDirectory}");
        Console.WriteLine($"Report:     {Path.Combine(run.Directory, "report.md")}");
    }
}
