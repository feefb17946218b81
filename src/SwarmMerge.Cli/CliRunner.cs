using System.CommandLine;
using System.CommandLine.Invocation;

namespace SwarmMerge.Cli;

/// <summary>
/// Runs one command line: parse errors exit 2 with a one-line message and a pointer to --help; every exception that
/// reaches the top is reported by <see cref="CliErrors.Report"/>; Ctrl-C and SIGTERM cancel the command's token.
/// </summary>
internal static class CliRunner
{
    /// <summary>What to call the program in messages (the launcher sets it to how it was called, e.g. <c>./swarmmerge</c>).</summary>
    public static string ProgramName => Environment.GetEnvironmentVariable("SWARMMERGE_LAUNCHER") is { Length: > 0 } name ? name : "swarmmerge";

    /// <summary>Runs <paramref name="args"/> against <paramref name="root"/>, stopping on SIGINT or SIGTERM.</summary>
    public static int Run(RootCommand root, string[] args)
    {
        using var interrupts = new Interrupts();
        return Run(root, args, interrupts.Token);
    }

    /// <summary>Runs <paramref name="args"/> against <paramref name="root"/>; <paramref name="cancellation"/> stops the command.</summary>
    /// <returns>The exit code (see <see cref="ExitCodes"/>).</returns>
    public static int Run(RootCommand root, string[] args, CancellationToken cancellation)
    {
        var verbose = new Option<bool>("--verbose") { Description = "On an internal error, print its stack trace.", Recursive = true };
        root.Options.Add(verbose);
        var parsed = root.Parse(args);
        if (parsed.Action is ParseErrorAction)
        {
            foreach (var error in parsed.Errors)
            {
                Console.Error.WriteLine($"error: {CliErrors.OneLine(error.Message)}");
            }
            string command = string.Join(' ', new[] { ProgramName }.Concat(CommandPath(parsed.CommandResult.Command, root)));
            Console.Error.WriteLine($"Run '{command} --help' for usage.");
            return ExitCodes.BadCommandLine;
        }
        try
        {
            var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            return parsed.InvokeAsync(configuration, cancellation).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            return CliErrors.Report(e, parsed.GetValue(verbose));
        }
    }

    private static IEnumerable<string> CommandPath(Command command, RootCommand root) =>
        ReferenceEquals(command, root) ? [] : command.Parents.OfType<Command>().SelectMany(p => CommandPath(p, root)).Append(command.Name);
}
