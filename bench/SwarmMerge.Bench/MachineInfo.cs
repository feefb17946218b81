namespace SwarmMerge.Bench;

/// <summary>What a benchmark report says about the machine it ran on: cores, memory, OS and load.</summary>
internal static class MachineInfo
{
    /// <summary>Cores, memory and OS, as one phrase.</summary>
    public static string Describe() =>
        $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1e9:F0} GB RAM, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";

    /// <summary>The 1-, 5- and 15-minute load averages (figures are only comparable on a quiet machine).</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
