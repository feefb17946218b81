namespace SwarmMerge.Models;

/// <summary>A PEFT adapter that cannot be used as written, or does not fit its base model; the message names the file and the field or tensor.</summary>
public sealed class AdapterFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/> and, when known, <paramref name="field"/> (a config field or a tensor).</summary>
    public AdapterFormatException(string path, string? field, string problem)
        : base(field is null ? $"{path}: {problem}" : $"{path}: '{field}': {problem}")
    {
        FilePath = path;
        Field = field;
    }

    /// <summary>The offending file or folder.</summary>
    public string FilePath { get; }

    /// <summary>The offending config field or tensor, when the problem is with one.</summary>
    public string? Field { get; }
}
