namespace SwarmMerge.IO;

/// <summary>A checkpoint file that is not valid safetensors, or not what the merge needs; the message names the file and tensor.</summary>
public sealed class SafetensorsFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/> and, when known, <paramref name="tensor"/>.</summary>
    public SafetensorsFormatException(string path, string? tensor, string problem)
        : base(tensor is null ? $"{path}: {problem}" : $"{path}: tensor '{tensor}': {problem}")
    {
        FilePath = path;
        Tensor = tensor;
    }

    /// <summary>The offending file.</summary>
    public string FilePath { get; }

    /// <summary>The offending tensor, when the problem is with one tensor.</summary>
    public string? Tensor { get; }
}
