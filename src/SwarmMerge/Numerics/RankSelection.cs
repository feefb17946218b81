using System.Buffers;

namespace SwarmMerge.Numerics;

/// <summary>A set of values read chunk by chunk (chunk boundaries fixed; chunks may be visited concurrently).</summary>
public interface IChunkedValues
{
    /// <summary>Number of values.</summary>
    long Count { get; }

    /// <summary>Calls <paramref name="visit"/>(global start, values) for every chunk; may run chunks in parallel.</summary>
    void ForEachChunk(Action<long, ReadOnlySpan<float>> visit);
}

/// <summary>
/// Finds rank cuts in the order (|x| ascending, index ascending) without holding the values: a two-pass
/// radix select on the magnitude bit patterns (high 15 bits, then low 16), plus a third pass counting ties
/// per chunk only when the cut falls inside a group of equal magnitudes.
/// </summary>
public static class RankSelection
{
    /// <summary>The cut at rank <paramref name="position"/> (clamped to [0, N]).</summary>
    public static RankCut Find(IChunkedValues values, long position)
    {
        long count = values.Count;
        if (position <= 0 || position >= count)
        {
            return new RankCut(Math.Clamp(position, 0, count), count, 0, 0, [], []);
        }

        // One pooled histogram for both passes: a new 256 KiB and 512 KiB array per call (per tensor and model in TIES)
        // was about 0.9 GB of large-object garbage per 0.5 B merge.
        long[] histogram = ArrayPool<long>.Shared.Rent(LowBins);
        int highBin, lowBin;
        long belowHigh, belowLow, ties;
        try
        {
            Histogram(values, histogram, HighBins, highBin: -1);
            (highBin, belowHigh) = Locate(histogram, HighBins, position);
            Histogram(values, histogram, LowBins, highBin);
            (lowBin, belowLow) = Locate(histogram, LowBins, position - belowHigh);
            ties = histogram[lowBin];
        }
        finally
        {
            ArrayPool<long>.Shared.Return(histogram);
        }
        uint threshold = ((uint)highBin << 16) | (uint)lowBin;
        long below = belowHigh + belowLow;
        long tiesBelowCut = position - below;

        if (tiesBelowCut == 0 || tiesBelowCut == ties)
        {
            return new RankCut(position, count, threshold, tiesBelowCut, [], []);
        }

        var perChunk = new List<(long Start, long Ties)>();
        values.ForEachChunk((start, chunk) =>
        {
            long n = 0;
            foreach (float x in chunk)
            {
                if (RankCut.Key(x) == threshold)
                {
                    n++;
                }
            }
            lock (perChunk)
            {
                perChunk.Add((start, n));
            }
        });
        perChunk.Sort((a, b) => a.Start.CompareTo(b.Start));
        var starts = new long[perChunk.Count];
        var before = new long[perChunk.Count];
        long running = 0;
        for (int i = 0; i < perChunk.Count; i++)
        {
            starts[i] = perChunk[i].Start;
            before[i] = running;
            running += perChunk[i].Ties;
        }
        return new RankCut(position, count, threshold, tiesBelowCut, starts, before);
    }

    private const int HighBins = 1 << 15; // keys have 31 bits: the top 15 select the coarse bin
    private const int LowBins = 1 << 16;

    // Into total[0, bins): highBin < 0: histogram of the top 15 key bits over all values; otherwise of the low 16 bits
    // over the values whose top bits equal highBin.
    private static void Histogram(IChunkedValues values, long[] total, int bins, int highBin)
    {
        Array.Clear(total, 0, bins);
        values.ForEachChunk((_, chunk) =>
        {
            int[] local = ArrayPool<int>.Shared.Rent(bins);
            Array.Clear(local, 0, bins);
            if (highBin < 0)
            {
                foreach (float x in chunk)
                {
                    local[RankCut.Key(x) >> 16]++;
                }
            }
            else
            {
                foreach (float x in chunk)
                {
                    uint key = RankCut.Key(x);
                    if ((key >> 16) == (uint)highBin)
                    {
                        local[key & 0xFFFF]++;
                    }
                }
            }
            lock (total)
            {
                for (int i = 0; i < bins; i++)
                {
                    total[i] += local[i];
                }
            }
            ArrayPool<int>.Shared.Return(local);
        });
    }

    // The bin of histogram[0, bins) holding rank `position` (0-based) and the count of elements in lower bins.
    private static (int Bin, long Below) Locate(long[] histogram, int bins, long position)
    {
        long below = 0;
        for (int i = 0; i < bins; i++)
        {
            if (position < below + histogram[i])
            {
                return (i, below);
            }
            below += histogram[i];
        }
        throw new InvalidOperationException("Rank position beyond the histogram; the values changed between passes.");
    }
}
