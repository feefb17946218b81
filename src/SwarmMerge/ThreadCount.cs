namespace SwarmMerge;

/// <summary>
/// The most threads a setting may ask for. Beyond a few per core threads only cost time: ONNX Runtime starts every
/// one of them for each session, and a typo like 20000 would spend minutes doing that before any work.
/// </summary>
public static class ThreadCount
{
    /// <summary>The largest thread count accepted.</summary>
    public const int Max = 1024;
}
