using SwarmMerge.Adapters;
using SwarmMerge.Evaluation;
using SwarmMerge.IO;
using SwarmMerge.Inference.Tokenization;
using SwarmMerge.Inference;
using SwarmMerge.Merging;
using SwarmMerge.Search.Runs;
using SwarmMerge.Search;

namespace SwarmMerge.Cli;

/// <summary>The exceptions that mean bad input (printed as one line, exit code 1) rather than a bug.</summary>
internal static class CliErrors
{
    public static bool IsUserError(Exception e) =>
        e is MergeConfigException or SafetensorsFormatException or AdapterFormatException or ModelConfigException or TokenizerFormatException or TaskDataException or SearchConfigException
            or IOException or FormatException or UnauthorizedAccessException or NotSupportedException;

    /// <summary>Runs <paramref name="body"/>, turning user errors into "error: …" and exit code 1.</summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (IsUserError(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>The asynchronous form of <see cref="Guard"/>.</summary>
    public static async Task<int> GuardAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (IsUserError(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
