using System.Globalization;

namespace SwarmMerge.Search.Runs;

/// <summary>The range a numeric search setting must lie in, and how that reads in an error ("a number > 0").</summary>
/// <param name="Lower">Smallest allowed value (or the open bound).</param>
/// <param name="Upper">Largest allowed value (or the open bound).</param>
/// <param name="LowerOpen">The lower bound itself is excluded.</param>
/// <param name="UpperOpen">The upper bound itself is excluded.</param>
internal readonly record struct SettingBound(double Lower, double Upper, bool LowerOpen = false, bool UpperOpen = false)
{
    /// <summary>Any finite number.</summary>
    public static SettingBound Finite => new(double.NegativeInfinity, double.PositiveInfinity, true, true);

    /// <summary>A finite number ≥ <paramref name="lower"/>.</summary>
    public static SettingBound AtLeast(double lower) => new(lower, double.PositiveInfinity, UpperOpen: true);

    /// <summary>A finite number &gt; <paramref name="lower"/>.</summary>
    public static SettingBound Above(double lower) => new(lower, double.PositiveInfinity, LowerOpen: true, UpperOpen: true);

    /// <summary>True when <paramref name="value"/> is finite and in range.</summary>
    public bool Contains(double value) =>
        double.IsFinite(value) && (LowerOpen ? value > Lower : value >= Lower) && (UpperOpen ? value < Upper : value <= Upper);

    /// <inheritdoc />
    public override string ToString() => (double.IsInfinity(Lower), double.IsInfinity(Upper)) switch
    {
        (true, true) => "a finite number",
        (false, true) => $"a number {(LowerOpen ? ">" : "≥")} {Text(Lower)}",
        (true, false) => $"a number {(UpperOpen ? "<" : "≤")} {Text(Upper)}",
        _ => $"a number in {(LowerOpen ? "(" : "[")}{Text(Lower)}, {Text(Upper)}{(UpperOpen ? ")" : "]")}",
    };

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
}
