using SwarmMerge.Merging.Numerics;

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
}
