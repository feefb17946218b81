using SwarmMerge.Merging.Numerics;

namespace SwarmMerge.Merging.Sparsification;

/// <summary>DARE: keeps each entry with probability <paramref name="density"/>, drawn from the counter-based stream <paramref name="key"/>.</summary>
public sealed class RandomSparsifier(ulong key, double density) : Sparsifier
{
    /// <inheritdoc />
    public override void Apply(long start, Span<float> delta, bool divideByKeepProbability)
    {
        double threshold = density * CounterRandom.Range;
        float probability = (float)density;
        for (int i = 0; i < delta.Length; i++)
        {
            if (CounterRandom.Draw(key, start + i) < threshold)
            {
                if (divideByKeepProbability)
                {
                    delta[i] /= probability;
                }
            }
            else
            {
                delta[i] = 0;
            }
        }
    }
}
