namespace SwarmMerge.IO;

/// <summary>Checks of where outputs go, made before any work: never over an input, never into a folder that is not there.</summary>
public static class OutputPaths
{
    /// <summary>Throws unless a file can be written at <paramref name="path"/>: not a folder, in a folder that exists.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="what">How the user named it, e.g. <c>--json</c>.</param>
    /// <exception cref="IOException">The path is a folder or its folder does not exist.</exception>
    public static void CheckFile(string path, string what)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new IOException($"{what} {full} is a folder; give a file name.");
        }
        string folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
        {
            throw new IOException($"{what} {full}: the folder {folder} does not exist.");
        }
    }

    /// <summary>
    /// Throws when the output folder <paramref name="output"/> is one of <paramref name="inputs"/>, lies inside one, or holds one
    /// (writing or replacing it would destroy the input). Paths are compared after resolving symbolic links.
    /// </summary>
    /// <param name="output">The output folder.</param>
    /// <param name="inputs">Each input folder and what it is (e.g. "base_model").</param>
    /// <exception cref="IOException">The output and an input overlap; the message names both.</exception>
    public static void CheckOutsideInputs(string output, IEnumerable<(string Path, string Role)> inputs)
    {
        string real = RealPath(output);
        foreach (var (path, role) in inputs)
        {
            string input = RealPath(path);
            if (IsSameOrInside(real, input))
            {
                throw new IOException($"The output {output} is {(real == input ? "" : "inside ")}the {role} folder {path}; write the output somewhere else.");
            }
            if (IsSameOrInside(input, real))
            {
                throw new IOException($"The output {output} holds the {role} folder {path}; replacing it would delete that input, so write the output somewhere else.");
            }
        }
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="folder"/> or lies below it (both already real, absolute paths).</summary>
    private static bool IsSameOrInside(string path, string folder) =>
        path == folder || path.StartsWith(folder.EndsWith(Path.DirectorySeparatorChar) ? folder : folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The absolute path with every symbolic link resolved; parts that do not exist yet are kept as written.</summary>
    /// <exception cref="IOException">A cycle of symbolic links.</exception>
    public static string RealPath(string path) => RealPath(Path.GetFullPath(path), 0);

    private static string RealPath(string full, int links)
    {
        string trimmed = Path.TrimEndingDirectorySeparator(full);
        string? parent = Path.GetDirectoryName(trimmed);
        if (parent is null)
        {
            return trimmed;
        }
        string candidate = Path.Combine(RealPath(parent, links), Path.GetFileName(trimmed));
        if (new FileInfo(candidate).LinkTarget is not { } target)
        {
            return candidate;
        }
        if (links >= 40)
        {
            throw new IOException($"{full}: too many levels of symbolic links.");
        }
        return RealPath(Path.GetFullPath(target, Path.GetDirectoryName(candidate)!), links + 1);
    }
}
