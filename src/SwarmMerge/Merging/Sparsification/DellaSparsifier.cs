using System.Buffers;
using SwarmMerge.Numerics;

namespace SwarmMerge.Merging.Sparsification;

/// <summary>
/// DELLA's MagPrune: within each row, the entry of magnitude rank r (of m) is kept with probability
/// p = (density − ε) + r/(m − 1)·2ε, so larger entries survive more often. Chunks must hold whole rows.
/// </summary>
public sealed class DellaSparsifier(ulong key, double density, double epsilon, long rowLength) : Sparsifier
{
    /// <inheritdoc />
    public override void Apply(long start, Span<float> delta, bool divideByKeepProbability)
    {
        int m = (int)rowLength;
        var sorter = t_sorter ??= new MagnitudeOrder();
        var order = ArrayPool<int>.Shared.Rent(m);
        try
        {
            for (int rowStart = 0; rowStart < delta.Length; rowStart += m)
            {
                var row = delta.Slice(rowStart, m);
                sorter.Sort(row, order.AsSpan(0, m));
                for (int rank = 0; rank < m; rank++)
                {
                    int j = order[rank];
                    double p = m == 1 ? density : density - epsilon + (double)rank / (m - 1) * 2 * epsilon;
                    if (CounterRandom.Draw(key, start + rowStart + j) < p * CounterRandom.Range)
                    {
                        if (divideByKeepProbability)
                        {
                            row[j] /= (float)p;
                        }
                    }
                    else
                    {
                        row[j] = 0;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(order);
        }
    }

    [ThreadStatic]
    private static MagnitudeOrder? t_sorter;
}
