using System.CommandLine;
using SwarmMerge.Cli;

namespace SwarmMerge.Tests;

/// <summary>Runs command lines in-process through the program's own runner (exit codes, error reporting) and captures what they print.</summary>
internal static class CliHarness
{
    public static (int Code, string Out, string Error) Run(params string[] args) => Run(CancellationToken.None, args);

    public static (int Code, string Out, string Error) Run(CancellationToken cancellation, params string[] args)
    {
        var root = new RootCommand { MergeCommand.Create(), EvalCommand.Create(), SearchCommand.Create(), WorkerCommand.Create(), DemoCommand.Create(), InferenceCommands.Run(), InferenceCommands.Classify() };
        var (output, error) = (new StringWriter(), new StringWriter());
        var (oldOut, oldError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            return (CliRunner.Run(root, args, cancellation), output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldError);
        }
    }

    /// <summary>Asserts a clean refusal: the exit code, the fragment in the message, and no stack trace.</summary>
    public static void AssertRefused((int Code, string Out, string Error) result, int code, string fragment)
    {
        Assert.True(result.Code == code, $"exit {result.Code}, expected {code}: {result.Error}");
        Assert.StartsWith("error: ", result.Error.TrimStart());
        Assert.True(result.Error.Contains(fragment, StringComparison.Ordinal), $"'{fragment}' is not in: {result.Error}");
        Assert.DoesNotContain("   at ", result.Error);
    }
}
