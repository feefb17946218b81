namespace SwarmMerge.IO;

/// <summary>Where a merge's output tensors go, chunk by chunk, from any thread: a checkpoint on disk, or weights in memory.</summary>
public interface ITensorSink
{
    /// <summary>Takes values [<paramref name="start"/>, start + values.Length) of output tensor <paramref name="tensor"/>, in fp32.</summary>
    void Write(string tensor, long start, ReadOnlySpan<float> values);

    /// <summary>Takes output tensor <paramref name="tensor"/> as <paramref name="stored"/> holds it (same dtype and shape): a tensor the merge copies.</summary>
    void Copy(string tensor, TensorView stored);

    /// <summary>
    /// The sink's own fp32 memory for values [<paramref name="start"/>, start + <paramref name="count"/>) of
    /// <paramref name="tensor"/>, when it keeps values exactly as computed (the engine's fp32 buffers): a method may
    /// compute into it and pass it to <see cref="Write"/>, which then copies nothing. Empty (the default) otherwise.
    /// </summary>
    Span<float> Direct(string tensor, long start, int count) => default;
}
