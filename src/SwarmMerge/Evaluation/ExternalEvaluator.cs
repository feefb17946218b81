using System.Diagnostics;
using System.Text.Json;

namespace SwarmMerge.Evaluation;

/// <summary>
/// Scores a checkpoint with a user's command, for models or harnesses the built-in engine does not run:
/// the command gets the checkpoint folder (every <c>{model}</c> in its arguments is replaced by the path, every
/// <c>{split}</c> by <c>optimization</c> or <c>test</c>) and prints one JSON object of per-task scores on
/// standard output, e.g. <c>{"sst2": 91.2, "mrpc": 84.0}</c>.
/// </summary>
public sealed class ExternalEvaluator
{
    private ExternalEvaluator(IReadOnlyList<string> command, TimeSpan timeout)
    {
        Command = command;
        Timeout = timeout;
    }

    /// <summary>The program and its arguments.</summary>
    public IReadOnlyList<string> Command { get; }

    /// <summary>How long one evaluation may run.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Creates an evaluator running <paramref name="command"/>.</summary>
    public static ExternalEvaluator Create(IReadOnlyList<string> command, TimeSpan timeout)
    {
        if (command.Count == 0 || string.IsNullOrWhiteSpace(command[0]))
        {
            throw new ArgumentException("The evaluator command is empty.", nameof(command));
        }
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        return new ExternalEvaluator(command, timeout);
    }

    internal static ExternalEvaluator FromYaml(ExternalEvaluatorYaml yaml, string path)
    {
        if (yaml.Command is not { Count: > 0 })
        {
            throw new TaskDataException($"{path}: 'evaluator.command' must list the program and its arguments.");
        }
        if (yaml.TimeoutSeconds is <= 0)
        {
            throw new TaskDataException($"{path}: 'evaluator.timeout_seconds' must be positive.");
        }
        return Create(yaml.Command, TimeSpan.FromSeconds(yaml.TimeoutSeconds ?? 3600));
    }

    /// <summary>Runs the command on <paramref name="checkpoint"/> and reads the score of every task in <paramref name="tasks"/>.</summary>
    /// <param name="checkpoint">The checkpoint folder (replaces <c>{model}</c>).</param>
    /// <param name="tasks">The tasks whose scores are read.</param>
    /// <param name="split"><c>optimization</c> or <c>test</c> (replaces <c>{split}</c>): which data the command should score.</param>
    /// <param name="cancellation">Stops the command.</param>
    /// <returns>The scores, or a failure with the reason (a failing, timed-out or unreadable command does not throw).</returns>
    public async Task<EvaluationOutcome> EvaluateAsync(string checkpoint, IReadOnlyList<TaskSpec> tasks, string split = "test", CancellationToken cancellation = default)
    {
        var start = new ProcessStartInfo(Command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in Command.Skip(1))
        {
            start.ArgumentList.Add(argument.Replace("{model}", checkpoint, StringComparison.Ordinal).Replace("{split}", split, StringComparison.Ordinal));
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return EvaluationOutcome.Failed($"could not start '{Command[0]}': {e.Message}");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellation);
            var error = process.StandardError.ReadToEndAsync(cancellation);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(Timeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                cancellation.ThrowIfCancellationRequested();
                return EvaluationOutcome.Failed($"'{Command[0]}' timed out after {Timeout.TotalSeconds:F0} s.");
            }
            string stdout = await output, stderr = await error;
            if (process.ExitCode != 0)
            {
                return EvaluationOutcome.Failed($"'{Command[0]}' exited with code {process.ExitCode}: {Tail(stderr)}");
            }
            return Parse(stdout, tasks);
        }
    }

    private static EvaluationOutcome Parse(string stdout, IReadOnlyList<TaskSpec> tasks)
    {
        JsonElement root;
        try
        {
            // The scores are the last line that parses as a JSON object, so commands may log before it.
            string? line = stdout.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith('{'));
            root = JsonDocument.Parse(line ?? stdout).RootElement;
        }
        catch (JsonException e)
        {
            return EvaluationOutcome.Failed($"the evaluator's output is not a JSON object of scores ({e.Message}): {Tail(stdout)}");
        }
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(task.Name, out var value) || value.ValueKind != JsonValueKind.Number)
            {
                return EvaluationOutcome.Failed($"the evaluator's output has no number for task '{task.Name}': {Tail(stdout)}");
            }
            scores[task.Name] = value.GetDouble();
        }
        return EvaluationOutcome.Succeeded(scores);
    }

    private static string Tail(string text) => text.Length <= 2000 ? text.Trim() : "…" + text[^2000..].Trim();
}
