using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SwarmMerge.Numerics;

namespace SwarmMerge.Merging.Sparsification;

/// <summary>Keeps the entries whose rank lies in [low, high) of the order (|x|, index): TIES keeps the top k, breadcrumbs a middle band.</summary>
/// <param name="low">Entries must lie above this cut.</param>
/// <param name="high">Entries must not lie above this cut (null: no upper bound).</param>
/// <param name="indexOffset">Added to chunk starts (non-zero when ranks span the whole model).</param>
public sealed class MagnitudeSparsifier(RankCut low, RankCut? high, long indexOffset) : Sparsifier
{
    /// <inheritdoc />
    public override void Apply(long start, Span<float> delta, bool divideByKeepProbability)
    {
        if (low.SimpleBound is ulong lowBound && (high is null || high.SimpleBound is not null))
        {
            ApplyBounds(delta, lowBound, high?.SimpleBound ?? (1UL << 32));
            return;
        }
        var lowCursor = low.Begin(indexOffset + start);
        var highCursor = high?.Begin(indexOffset + start) ?? default;
        for (int i = 0; i < delta.Length; i++)
        {
            bool keep = lowCursor.Above(delta[i]);
            if (high is not null && highCursor.Above(delta[i]))
            {
                keep = false;
            }
            if (!keep)
            {
                delta[i] = 0;
            }
        }
    }

    // Keeps entries whose magnitude key lies in [lowBound, highBound): the common case, with no tie to split by index.
    private static void ApplyBounds(Span<float> delta, ulong lowBound, ulong highBound)
    {
        // Bounds above 2³¹ − 1 exceed every key; clamp so they fit the 32-bit comparisons.
        uint low = (uint)Math.Min(lowBound, 0x80000000UL);
        uint high = (uint)Math.Min(highBound, 0x80000000UL);
        var bits = MemoryMarshal.Cast<float, uint>(delta);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var absMask = Vector256.Create(0x7FFFFFFFu);
            var lowVector = Vector256.Create(low);
            var highVector = Vector256.Create(high);
            for (; i <= bits.Length - Vector256<uint>.Count; i += Vector256<uint>.Count)
            {
                var x = Vector256.Create(bits.Slice(i, Vector256<uint>.Count));
                var key = x & absMask;
                var keep = Vector256.GreaterThanOrEqual(key, lowVector) & Vector256.LessThan(key, highVector);
                (x & keep).CopyTo(bits.Slice(i));
            }
        }
        for (; i < bits.Length; i++)
        {
            uint key = bits[i] & 0x7FFFFFFF;
            if (key < low || key >= high)
            {
                bits[i] = 0;
            }
        }
    }
}
