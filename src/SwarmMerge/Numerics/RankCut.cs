namespace SwarmMerge.Numerics;

/// <summary>
/// A cut at rank position q in the order (|x| ascending, index ascending): elements of rank ≥ q are
/// "above" it. Found by <see cref="RankSelection"/>; ties at the threshold magnitude are resolved by
/// index, through per-chunk counts of tied elements.
/// </summary>
public sealed class RankCut
{
    private readonly long[] _chunkStarts;
    private readonly long[] _tiesBeforeChunk;

    internal RankCut(long position, long count, uint threshold, long tiesBelowCut, long[] chunkStarts, long[] tiesBeforeChunk)
    {
        Position = position;
        Count = count;
        Threshold = threshold;
        TiesBelowCut = tiesBelowCut;
        _chunkStarts = chunkStarts;
        _tiesBeforeChunk = tiesBeforeChunk;
    }

    /// <summary>q: how many elements lie below the cut.</summary>
    public long Position { get; }

    /// <summary>N: elements in the ranked set.</summary>
    public long Count { get; }

    /// <summary>Bit pattern of |x| at rank q (meaningful when 0 &lt; q &lt; N).</summary>
    public uint Threshold { get; }

    /// <summary>How many elements with magnitude exactly <see cref="Threshold"/> lie below the cut (the first ones by index).</summary>
    public long TiesBelowCut { get; }

    /// <summary>The magnitude key of a float: its bit pattern without the sign (monotone in |x|).</summary>
    public static uint Key(float x) => BitConverter.SingleToUInt32Bits(x) & 0x7FFFFFFF;

    /// <summary>
    /// When every element's side of the cut follows from its magnitude alone (no tie at the threshold has to
    /// be split by index), the smallest key that lies above the cut; otherwise null. Keys ≥ this are above.
    /// </summary>
    public ulong? SimpleBound
    {
        get
        {
            if (Position <= 0)
            {
                return 0;
            }
            if (Position >= Count)
            {
                return 1UL << 32; // above every 31-bit key
            }
            if (_chunkStarts.Length == 0)
            {
                return TiesBelowCut == 0 ? Threshold : (ulong)Threshold + 1;
            }
            return null;
        }
    }

    /// <summary>A cursor over the chunk starting at global index <paramref name="start"/>; feed it that chunk's values in order.</summary>
    public RankCursor Begin(long start) => new(this, TiesBeforeChunk(start));

    private long TiesBeforeChunk(long start)
    {
        if (_chunkStarts.Length == 0 || Position <= 0 || Position >= Count)
        {
            return 0; // no tie needs its index: all ties fall on one side (see RankSelection)
        }
        int at = Array.BinarySearch(_chunkStarts, start);
        if (at < 0)
        {
            throw new InvalidOperationException($"Chunk at {start} was not seen when the cut was computed.");
        }
        return _tiesBeforeChunk[at];
    }
}

/// <summary>Walks one chunk in index order, telling for each value whether it lies above a <see cref="RankCut"/>.</summary>
public struct RankCursor
{
    private readonly RankCut _cut;
    private long _tieOrdinal;

    internal RankCursor(RankCut cut, long tiesBefore)
    {
        _cut = cut;
        _tieOrdinal = tiesBefore;
    }

    /// <summary>Whether the next value (which must be the chunk's next element) has rank ≥ the cut's position.</summary>
    public bool Above(float value)
    {
        if (_cut.Position <= 0)
        {
            return true;
        }
        if (_cut.Position >= _cut.Count)
        {
            return false;
        }
        uint key = RankCut.Key(value);
        if (key != _cut.Threshold)
        {
            return key > _cut.Threshold;
        }
        return _tieOrdinal++ >= _cut.TiesBelowCut;
    }
}
