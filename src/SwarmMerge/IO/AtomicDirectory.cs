namespace SwarmMerge.IO;

/// <summary>
/// Builds an output folder under a temporary name beside its destination and moves it into place only
/// when <see cref="Commit"/> is called: an interrupted run leaves no half-written destination, and an
/// existing destination is untouched until the new folder is complete. Leftovers of a killed run on the same destination
/// (temporary folders whose writer process is gone, see <see cref="PartialOwner"/>) are removed first.
/// </summary>
public sealed class AtomicDirectory : IDisposable
{
    private bool _committed;

    /// <summary>Creates the temporary folder for <paramref name="destination"/>.</summary>
    /// <param name="destination">The final folder.</param>
    /// <param name="overwrite">Replace a non-empty destination on commit; otherwise refuse one up front.</param>
    /// <exception cref="IOException">The destination exists, is not empty, and <paramref name="overwrite"/> is false.</exception>
    public AtomicDirectory(string destination, bool overwrite)
    {
        Destination = Path.GetFullPath(destination.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        if (File.Exists(Destination))
        {
            throw new IOException($"Output path '{Destination}' is a file.");
        }
        if (!overwrite && Directory.Exists(Destination) && Directory.EnumerateFileSystemEntries(Destination).Any())
        {
            throw new IOException($"Output folder '{Destination}' already exists and is not empty; choose another or pass --overwrite.");
        }
        string parent = Path.GetDirectoryName(Destination)!;
        Directory.CreateDirectory(parent);
        PartialOwner.RemoveStale(Destination);
        TemporaryPath = Path.Combine(parent, $".{Path.GetFileName(Destination)}.partial-{Guid.NewGuid():N}");
        PartialOwner.Claim(TemporaryPath);
        Directory.CreateDirectory(TemporaryPath);
    }

    /// <summary>The final folder.</summary>
    public string Destination { get; }

    /// <summary>Removes what killed runs left while writing <paramref name="destination"/> (temporary folders whose writer is gone).</summary>
    public static void RemoveLeftovers(string destination) =>
        PartialOwner.RemoveStale(Path.GetFullPath(destination.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)));

    /// <summary>Where to write until <see cref="Commit"/>.</summary>
    public string TemporaryPath { get; }

    /// <summary>Moves the finished folder into place, replacing an existing destination.</summary>
    public void Commit()
    {
        string? displaced = null;
        if (Directory.Exists(Destination))
        {
            displaced = TemporaryPath + ".old";
            Directory.Move(Destination, displaced);
        }
        try
        {
            Directory.Move(TemporaryPath, Destination);
        }
        catch when (displaced is not null)
        {
            // Put the previous folder back: a failed commit must leave the destination as it was.
            Directory.Move(displaced, Destination);
            throw;
        }
        _committed = true;
        PartialOwner.Release(TemporaryPath);
        if (displaced is not null)
        {
            Directory.Delete(displaced, recursive: true);
        }
    }

    /// <summary>Removes the temporary folder unless it was committed.</summary>
    public void Dispose()
    {
        if (_committed)
        {
            return;
        }
        if (Directory.Exists(TemporaryPath))
        {
            Directory.Delete(TemporaryPath, recursive: true);
        }
        PartialOwner.Release(TemporaryPath);
    }
}
