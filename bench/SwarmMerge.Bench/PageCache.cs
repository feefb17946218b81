using System.Runtime.InteropServices;

namespace SwarmMerge.Bench;

/// <summary>Drops files from the kernel's page cache (posix_fadvise DONTNEED), so a run reads them from disk.</summary>
internal static class PageCache
{
    private const int DontNeed = 4;

    [DllImport("libc", SetLastError = true)]
    private static extern int posix_fadvise(int fd, long offset, long length, int advice);

    public static void Evict(IEnumerable<string> files)
    {
        foreach (string file in files)
        {
            using var handle = File.OpenHandle(file);
            if (posix_fadvise((int)handle.DangerousGetHandle(), 0, 0, DontNeed) != 0)
            {
                throw new IOException($"posix_fadvise failed on {file}");
            }
        }
    }

    /// <summary>This process's peak resident set (VmHWM), in bytes; −1 where /proc is missing.</summary>
    public static long PeakResidentBytes() => StatusBytes("VmHWM:");

    /// <summary>This process's resident set now (VmRSS), in bytes; −1 where /proc is missing.</summary>
    public static long ResidentBytes() => StatusBytes("VmRSS:");

    /// <summary>A size field of /proc/self/status (<c>VmHWM:</c>, <c>RssAnon:</c>, ...), in bytes; −1 where /proc is missing.</summary>
    public static long StatusBytes(string field)
    {
        if (!File.Exists("/proc/self/status"))
        {
            return -1;
        }
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
            }
        }
        return -1;
    }
}
