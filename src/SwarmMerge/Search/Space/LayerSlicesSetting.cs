using SwarmMerge.Merging;

namespace SwarmMerge.Search.Space;

/// <summary>
/// A merge parameter that is constant on each of k equal slices of the layer position t ∈ [0, 1]:
/// slice ⌊t·k⌋ (the last slice includes t = 1), as evolutionary merging searches one value per layer group.
/// Tensors outside the numbered layers sit at t = 0 (<see cref="LayerPosition"/>, mergekit's rule), so they take
/// the first slice's value.
/// </summary>
/// <param name="Values">One value per slice, first layers first.</param>
public sealed record LayerSlicesSetting(double[] Values) : ParameterSetting
{
    /// <inheritdoc />
    public override object? Evaluate(string tensorName, double t) => Values[Math.Min(Values.Length - 1, (int)(t * Values.Length))];
}
