using SwarmMerge.Evaluation;
using SwarmMerge.IO;
using SwarmMerge.Inference.Tokenization;
using SwarmMerge.Inference;
using SwarmMerge.Merging;
using SwarmMerge.Models;
using SwarmMerge.Search.Runs;

namespace SwarmMerge.Cli;

/// <summary>How an exception that reaches the top of a command is reported: one line and an exit code, never a stack trace unless asked.</summary>
internal static class CliErrors
{
    /// <summary>The exceptions that mean bad input (exit code 1) rather than a bug.</summary>
    public static bool IsUserError(Exception e) =>
        e is MergeConfigException or SafetensorsFormatException or AdapterFormatException or ModelConfigException or TokenizerFormatException or TaskDataException or SearchConfigException
            or IOException or FormatException or UnauthorizedAccessException or NotSupportedException or InvalidDataException;

    /// <summary>Prints <paramref name="error"/> and returns the exit code it means.</summary>
    /// <param name="error">What reached the top of the command.</param>
    /// <param name="verbose">Print an internal error's stack trace.</param>
    public static int Report(Exception error, bool verbose)
    {
        var e = Unwrap(error);
        switch (e)
        {
            case OperationCanceledException:
                Console.Error.WriteLine(e is Interrupted ? $"\n{OneLine(e.Message)}" : "\nInterrupted.");
                return ExitCodes.Interrupted;
            case var _ when IsUserError(e):
                Console.Error.WriteLine($"error: {OneLine(e.Message)}");
                return ExitCodes.InvalidInput;
            default:
                Console.Error.WriteLine($"internal error: {e.GetType().Name}: {OneLine(e.Message)}");
                Console.Error.WriteLine(verbose ? e.ToString() : "This is a bug in SwarmMerge; run again with --verbose for the stack trace.");
                return ExitCodes.InternalError;
        }
    }

    /// <summary>Parallel loops wrap what their bodies throw; the first inner exception is the one to report.</summary>
    private static Exception Unwrap(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: > 0 } aggregate)
        {
            e = aggregate.InnerExceptions[0];
        }
        return e;
    }

    /// <summary>The message on one line (some .NET messages add "Actual value was …" on a line of its own).</summary>
    public static string OneLine(string message) => string.Join(' ', message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));
}
