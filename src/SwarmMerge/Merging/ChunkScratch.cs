namespace SwarmMerge.Merging;

/// <summary>Per-thread fp32 buffers of one chunk's length, reused from chunk to chunk (and from pass to pass of a run).</summary>
public sealed class ChunkScratch
{
    private readonly List<float[]> _buffers = [];
    private int _capacity;

    internal ChunkScratch()
    {
    }

    /// <summary>Buffer number <paramref name="slot"/>, cut to <paramref name="length"/> elements (contents undefined).</summary>
    public Span<float> Get(int slot, int length)
    {
        while (_buffers.Count <= slot)
        {
            _buffers.Add([]);
        }
        if (_buffers[slot].Length < _capacity)
        {
            _buffers[slot] = new float[_capacity]; // once per pass that needs longer chunks: a slot keeps its array within a pass
        }
        return _buffers[slot].AsSpan(0, length);
    }

    /// <summary>Makes every buffer at least <paramref name="capacity"/> elements long (as it is next asked for).</summary>
    internal ChunkScratch Reserve(int capacity)
    {
        _capacity = Math.Max(_capacity, capacity);
        return this;
    }
}
