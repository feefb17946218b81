namespace SwarmMerge.Bench;

/// <summary>
/// Samples this process's anonymous and file-backed resident memory (RssAnon, RssFile of /proc/self/status) every
/// 5 ms on a background thread and keeps their peaks: VmHWM gives only their sum's peak, and mapped checkpoint pages
/// (file-backed, reclaimable) are a different cost from heap memory.
/// </summary>
internal sealed class ResidentSampler : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _anonymous, _file;

    private ResidentSampler()
    {
        _thread = new Thread(Sample) { IsBackground = true, Name = "rss-sampler" };
        _thread.Start();
    }

    /// <summary>Starts sampling.</summary>
    public static ResidentSampler Start() => new();

    /// <summary>Stops sampling and returns the peaks, in bytes.</summary>
    public (long Anonymous, long File) Stop()
    {
        _stop = true;
        _thread.Join();
        return (_anonymous, _file);
    }

    private void Sample()
    {
        while (!_stop)
        {
            _anonymous = Math.Max(_anonymous, PageCache.StatusBytes("RssAnon:"));
            _file = Math.Max(_file, PageCache.StatusBytes("RssFile:"));
            Thread.Sleep(5);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_stop)
        {
            Stop();
        }
    }
}
