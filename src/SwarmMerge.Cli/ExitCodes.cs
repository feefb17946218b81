namespace SwarmMerge.Cli;

/// <summary>The exit codes of every command (the README's "Exit codes").</summary>
internal static class ExitCodes
{
    /// <summary>Invalid input: a file, field or value the message names.</summary>
    public const int InvalidInput = 1;

    /// <summary>A bad command line: unknown command or option, a missing or malformed value.</summary>
    public const int BadCommandLine = 2;

    /// <summary>A bug in SwarmMerge (sysexits' EX_SOFTWARE).</summary>
    public const int InternalError = 70;

    /// <summary>Stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
