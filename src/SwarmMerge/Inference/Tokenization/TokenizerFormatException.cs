namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// A checkpoint's tokenizer files are missing, malformed, or use a configuration SwarmMerge cannot reproduce.
/// The message names the file and, where there is one, the field.
/// </summary>
public sealed class TokenizerFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="file"/> (and <paramref name="field"/>, a JSON path, when known).</summary>
    public TokenizerFormatException(string file, string? field, string message, Exception? inner = null)
        : base(field is null ? $"{file}: {message}" : $"{file}: {field}: {message}", inner)
    {
        File = file;
        Field = field;
    }

    /// <summary>The tokenizer file (or folder) the problem is in.</summary>
    public string File { get; }

    /// <summary>The offending field as a JSON path (for example <c>model.type</c>), or null.</summary>
    public string? Field { get; }
}
