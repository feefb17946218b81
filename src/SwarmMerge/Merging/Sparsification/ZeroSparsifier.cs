namespace SwarmMerge.Merging.Sparsification;

/// <summary>Density 0: drops everything.</summary>
public sealed class ZeroSparsifier : Sparsifier
{
    /// <inheritdoc />
    public override void Apply(long start, Span<float> delta, bool divideByKeepProbability) => delta.Clear();
}
