namespace SwarmMerge.Merging.Sparsification;

/// <summary>Another sparsifier followed by one scale factor (mergekit's L1-norm rescale: ‖τ‖₁ / ‖mask·τ‖₁).</summary>
public sealed class ScaledSparsifier(Sparsifier inner, float scale) : Sparsifier
{
    /// <summary>The factor applied after the mask.</summary>
    public float Scale => scale;

    /// <inheritdoc />
    public override void Apply(long start, Span<float> delta, bool divideByKeepProbability)
    {
        inner.Apply(start, delta, divideByKeepProbability);
        System.Numerics.Tensors.TensorPrimitives.Multiply(delta, scale, delta);
    }
}
