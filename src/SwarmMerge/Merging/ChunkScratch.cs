namespace SwarmMerge.Merging;

/// <summary>Per-thread fp32 buffers of one chunk's length, reused from chunk to chunk.</summary>
public sealed class ChunkScratch
{
    private readonly List<float[]> _buffers = [];
    private readonly int _capacity;

    internal ChunkScratch(int capacity) => _capacity = capacity;

    /// <summary>Buffer number <paramref name="slot"/>, cut to <paramref name="length"/> elements (contents undefined).</summary>
    public Span<float> Get(int slot, int length)
    {
        while (_buffers.Count <= slot)
        {
            _buffers.Add(new float[_capacity]);
        }
        return _buffers[slot].AsSpan(0, length);
    }
}
