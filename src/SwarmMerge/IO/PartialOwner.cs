using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SwarmMerge.IO;

/// <summary>
/// The owner file <c>.NAME.partial-GUID.owner</c> beside a temporary output folder: which process (host, process id,
/// start time) is writing it. A folder whose owner is provably gone (same host, and no process with that id and start
/// time) is a leftover of a killed run and may be removed; a folder without an owner file is never touched.
/// </summary>
internal static class PartialOwner
{
    private const string Suffix = ".owner";

    /// <summary>Records the current process as the writer of <paramref name="temporaryFolder"/>.</summary>
    public static void Claim(string temporaryFolder)
    {
        using var self = Process.GetCurrentProcess();
        var owner = new JsonObject
        {
            ["host"] = Environment.MachineName,
            ["pid"] = Environment.ProcessId,
            ["started"] = StartTicks(self),
        };
        File.WriteAllText(temporaryFolder + Suffix, owner.ToJsonString());
    }

    /// <summary>Removes the owner file of <paramref name="temporaryFolder"/>.</summary>
    public static void Release(string temporaryFolder) => File.Delete(temporaryFolder + Suffix);

    /// <summary>Removes every temporary folder of <paramref name="destination"/> (and its owner file) whose writer is gone.</summary>
    /// <returns>The folders removed.</returns>
    public static IReadOnlyList<string> RemoveStale(string destination)
    {
        string parent = Path.GetDirectoryName(destination)!;
        string prefix = $".{Path.GetFileName(destination)}.partial-";
        var removed = new List<string>();
        if (!Directory.Exists(parent))
        {
            return removed;
        }
        foreach (string ownerFile in Directory.EnumerateFiles(parent, prefix + "*" + Suffix))
        {
            string folder = ownerFile[..^Suffix.Length];
            string guid = Path.GetFileName(folder)[prefix.Length..];
            if (guid.Length != 32 || !guid.All(char.IsAsciiHexDigitLower) || !IsStale(ownerFile))
            {
                continue;
            }
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
                removed.Add(folder);
            }
            File.Delete(ownerFile);
        }
        return removed;
    }

    private static bool IsStale(string ownerFile)
    {
        JsonObject? owner;
        try
        {
            owner = JsonNode.Parse(File.ReadAllText(ownerFile)) as JsonObject;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return false;
        }
        if (owner?["host"]?.GetValueKind() != JsonValueKind.String || owner["host"]!.GetValue<string>() != Environment.MachineName
            || owner["pid"] is not JsonValue pidValue || !pidValue.TryGetValue(out int pid)
            || owner["started"] is not JsonValue startValue || !startValue.TryGetValue(out long started))
        {
            return false; // not provably ours (another host, or a file we did not write)
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            return StartTicks(process) != started; // the id now belongs to another process
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return true; // no such process
        }
    }

    // Start times are compared to the second: that is what the system reports reliably for another process.
    private static long StartTicks(Process process) =>
        process.StartTime.ToUniversalTime().Ticks / TimeSpan.TicksPerSecond;
}
