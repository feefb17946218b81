using System.Runtime.CompilerServices;

namespace SwarmMerge.Numerics;

/// <summary>
/// Sorts the elements of a short span (a row) into the merge's magnitude order: ascending |x|, ties by
/// ascending index. A stable least-significant-digit radix sort on the 31-bit magnitude key, four
/// passes of 8 bits; stability gives the index tie-break for free. About 5× faster than a comparison
/// sort on rows of a few thousand elements, which is what DELLA sorts millions of.
/// </summary>
public sealed class MagnitudeOrder
{
    private const int DigitBits = 8;
    private const int Buckets = 1 << DigitBits;
    private readonly int[] _counts = new int[Buckets];
    private uint[] _keys = [];
    private uint[] _keysSwap = [];
    private int[] _indexSwap = [];

    /// <summary>Fills <paramref name="order"/> with the indices of <paramref name="values"/> in magnitude order.</summary>
    public void Sort(ReadOnlySpan<float> values, Span<int> order)
    {
        int n = values.Length;
        if (order.Length != n)
        {
            throw new ArgumentException("order must have one slot per value.", nameof(order));
        }
        if (_keys.Length < n)
        {
            _keys = new uint[n];
            _keysSwap = new uint[n];
            _indexSwap = new int[n];
        }
        Span<uint> keys = _keys.AsSpan(0, n), keysOut = _keysSwap.AsSpan(0, n);
        Span<int> index = order, indexOut = _indexSwap.AsSpan(0, n);
        for (int j = 0; j < n; j++)
        {
            keys[j] = RankCut.Key(values[j]);
            index[j] = j;
        }
        for (int shift = 0; shift < 32; shift += DigitBits)
        {
            Span<int> counts = _counts;
            counts.Clear();
            foreach (uint key in keys)
            {
                counts[(int)(key >> shift) & (Buckets - 1)]++;
            }
            if (counts[(int)(keys[0] >> shift) & (Buckets - 1)] == n)
            {
                continue; // every key has the same digit here: this pass would not move anything
            }
            int total = 0;
            for (int b = 0; b < Buckets; b++)
            {
                (counts[b], total) = (total, total + counts[b]);
            }
            for (int j = 0; j < n; j++)
            {
                int slot = counts[(int)(keys[j] >> shift) & (Buckets - 1)]++;
                keysOut[slot] = keys[j];
                indexOut[slot] = index[j];
            }
            var k = keys; keys = keysOut; keysOut = k;
            var i = index; index = indexOut; indexOut = i;
        }
        if (!Unsafe.AreSame(ref index[0], ref order[0]))
        {
            index.CopyTo(order);
        }
    }
}
