namespace SwarmMerge.Merging;

/// <summary>
/// A parameter as written in a mergekit-style config: a scalar, a gradient over layers, or a list of
/// filtered alternatives. <see cref="Evaluate"/> gives its value for one tensor.
/// </summary>
public abstract record ParameterSetting
{
    /// <summary>Where the setting was written (<c>FILE: line N</c>), for messages; not part of its value (equality ignores it).</summary>
    public string? Location { get; init; }

    /// <summary>Settings are equal when their values are, wherever they were written.</summary>
    public virtual bool Equals(ParameterSetting? other) => other is not null && EqualityContract == other.EqualityContract;

    /// <inheritdoc />
    public override int GetHashCode() => EqualityContract.GetHashCode();

    /// <summary>The value for tensor <paramref name="tensorName"/> at layer position <paramref name="t"/> ∈ [0, 1]; null when no filter matches.</summary>
    /// <returns>A <see cref="double"/>, <see cref="bool"/> or <see cref="string"/>, or null.</returns>
    public abstract object? Evaluate(string tensorName, double t);
}

/// <summary>A constant: number, boolean or string.</summary>
/// <param name="Value">A double, bool or string.</param>
public sealed record ScalarSetting(object Value) : ParameterSetting
{
    /// <inheritdoc />
    public override object? Evaluate(string tensorName, double t) => Value;
}

/// <summary>A gradient: numbers spread evenly over t ∈ [0, 1] and interpolated linearly between them.</summary>
/// <param name="Points">The anchor values, at least one.</param>
public sealed record GradientSetting(double[] Points) : ParameterSetting
{
    /// <inheritdoc />
    public override object? Evaluate(string tensorName, double t)
    {
        double scaled = t * (Points.Length - 1);
        int i0 = (int)scaled;
        int i1 = Math.Min(Points.Length - 1, i0 + 1);
        double fraction = scaled - i0;
        return (1 - fraction) * Points[i0] + fraction * Points[i1];
    }
}

/// <summary>A list of non-numeric values (strings or booleans) spread over t ∈ [0, 1]: the one at ⌊t·(len−1)⌋ applies.</summary>
/// <param name="Values">The values.</param>
public sealed record SteppedSetting(object[] Values) : ParameterSetting
{
    /// <inheritdoc />
    public override object? Evaluate(string tensorName, double t) => Values[(int)(t * (Values.Length - 1))];
}

/// <summary>Filtered alternatives: the first whose filter is a substring of the tensor name (or is absent or <c>*</c>) gives the value.</summary>
/// <param name="Alternatives">Filter (null for "any") and value, in order.</param>
public sealed record ConditionalSetting(IReadOnlyList<(string? Filter, ParameterSetting Value)> Alternatives) : ParameterSetting
{
    /// <inheritdoc />
    public override object? Evaluate(string tensorName, double t)
    {
        foreach (var (filter, value) in Alternatives)
        {
            if (filter is null || filter == "*" || tensorName.Contains(filter, StringComparison.Ordinal))
            {
                return value.Evaluate(tensorName, t);
            }
        }
        return null;
    }
}
