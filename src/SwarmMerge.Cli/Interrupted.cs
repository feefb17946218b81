namespace SwarmMerge.Cli;

/// <summary>A command stopped by an interrupt, with what the user should know: what was kept and the command that continues.</summary>
internal sealed class Interrupted(string message) : OperationCanceledException(message);
