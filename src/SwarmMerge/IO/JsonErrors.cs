using System.Text.Json;

namespace SwarmMerge.IO;

/// <summary>What a <see cref="JsonException"/> says, without System.Text.Json's "Path: $ | LineNumber: 0 | …" suffix.</summary>
public static class JsonErrors
{
    /// <summary>The problem, then where it is as a 1-based line and byte.</summary>
    /// <param name="e">The parse error.</param>
    /// <param name="withLine">False when the caller already names the line (one line of a JSON Lines file): only the byte is given.</param>
    public static string Describe(JsonException e, bool withLine = true)
    {
        string message = e.Message;
        int suffix = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (suffix < 0)
        {
            suffix = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        }
        if (suffix >= 0)
        {
            message = message[..suffix];
        }
        message = message.TrimEnd('.', ' ');
        string at = withLine && e.LineNumber is long line ? $"line {line + 1}, " : "";
        return e.BytePositionInLine is long column ? $"{message}, at {at}byte {column + 1}" : message;
    }
}
