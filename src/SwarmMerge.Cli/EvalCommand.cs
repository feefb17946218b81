using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SwarmMerge.Evaluation;
using SwarmMerge.Models;
using SwarmMerge.Search.Scoring;
using SwarmMerge.Inference;
using SwarmMerge.IO;

namespace SwarmMerge.Cli;

/// <summary><c>swarmmerge eval MODEL_DIR --tasks TASKS.yml</c>: scores a checkpoint on a task file.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Hugging Face checkpoint folder, or BASE+ADAPTER (a PEFT LoRA adapter on its base)." };
        var tasks = new Option<FileInfo>("--tasks") { Description = "Task file (YAML).", Required = true };
        var split = new Option<string>("--split") { Description = "Which split to score: test or optimization.", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("test", "optimization");
        var limit = NumberOptions.Optional("--limit", "Score only the first N examples of each task.", 1);
        var json = new Option<FileInfo?>("--json") { Description = "Also write the scores as JSON to this file." };
        var threads = InferenceCommands.ThreadsOption();
        var command = new Command("eval", "Score a checkpoint on the tasks of a task file: a per-task table and the mean.") { model, tasks, split, limit, json, threads };
        command.SetAction((result, cancellation) => RunAsync(
            ModelReference.Parse(result.GetValue(model)!, Environment.CurrentDirectory).ToString(), result.GetValue(tasks)!.FullName, result.GetValue(split)!, result.GetValue(limit),
            result.GetValue(json)?.FullName, result.GetValue(threads), cancellation));
        return command;
    }

    private static async Task<int> RunAsync(string model, string taskPath, string split, int? limit, string? jsonPath, int threads, CancellationToken cancellation)
    {
        if (jsonPath is not null)
        {
            OutputPaths.CheckFile(jsonPath, "--json");
        }
        var file = TaskFile.Load(taskPath);
        // Every file, column and label is checked here, before any scoring.
        TaskSet tasks = split == "test" ? file.LoadTest(limit) : file.LoadOptimization(limit);
        var clock = Stopwatch.StartNew();
        IReadOnlyDictionary<string, double> scores;
        if (file.Evaluator is { } evaluator)
        {
            // A base+adapter is folded into a scratch checkpoint first: the evaluator is given a folder it can load.
            using var scorer = new ExternalCandidateScorer(evaluator, Path.Combine(Path.GetTempPath(), $"swarmmerge-eval-{Guid.NewGuid():N}"), cancellation);
            var outcome = await Task.Run(() => scorer.Score(model, tasks), cancellation);
            if (!outcome.Success)
            {
                Console.Error.WriteLine($"error: the external evaluator failed: {outcome.Error}");
                return 1;
            }
            scores = outcome.Scores;
        }
        else
        {
            using var opened = EvaluationModel.Open(model, new InferenceOptions { Threads = threads, Cancellation = cancellation });
            scores = opened.Evaluate(tasks);
        }
        double seconds = clock.Elapsed.TotalSeconds;

        int width = Math.Max(4, file.Tasks.Max(t => t.Name.Length));
        Console.WriteLine($"{"task".PadRight(width)}  {"metric",-12} {"examples",8} {"score",7}");
        foreach (var task in tasks.Tasks)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{task.Spec.Name.PadRight(width)}  {MetricNames.Name(task.Spec.Metric),-12} {(task.Rows.Count > 0 ? task.Rows.Count.ToString(CultureInfo.InvariantCulture) : "-"),8} {scores[task.Spec.Name],7:F2}"));
        }
        double mean = scores.Values.Average();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"mean".PadRight(width)}  {"",-12} {"",8} {mean,7:F2}"));
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{split} split scored in {seconds:F1} s"));

        if (jsonPath is not null)
        {
            var report = new JsonObject
            {
                ["model"] = model,
                ["tasks_file"] = file.Path,
                ["split"] = split,
                ["limit"] = limit,
                ["scores"] = new JsonObject(scores.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value))),
                ["metrics"] = new JsonObject(file.Tasks.Select(t => KeyValuePair.Create(t.Name, (JsonNode?)MetricNames.Name(t.Metric)))),
                ["mean"] = mean,
                ["seconds"] = seconds,
            };
            File.WriteAllText(jsonPath, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        return 0;
    }
}
