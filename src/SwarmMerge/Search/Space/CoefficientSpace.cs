namespace SwarmMerge.Search.Space;

/// <summary>
/// The space PSO-Merging searches when r₁, r₂ are scalars: a particle is an affine combination of the
/// <see cref="MemberCount"/> initial particles, one coefficient vector per group of tensors. A point is a
/// <c>double[]</c> of <see cref="Dimension"/> = groups × members numbers, group by group (row g holds
/// group g's coefficients, member by member), and every row sums to 1.
/// </summary>
public sealed class CoefficientSpace
{
    /// <summary>A space of <paramref name="memberCount"/> members and <paramref name="groupCount"/> groups.</summary>
    public CoefficientSpace(int memberCount, int groupCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(memberCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(groupCount, 1);
        MemberCount = memberCount;
        GroupCount = groupCount;
    }

    /// <summary>Number of initial particles (members) the coefficients weight.</summary>
    public int MemberCount { get; }

    /// <summary>Number of coefficient groups.</summary>
    public int GroupCount { get; }

    /// <summary>Numbers in a point.</summary>
    public int Dimension => MemberCount * GroupCount;

    /// <summary>The initial particle of <paramref name="member"/>: coefficient 1 on it in every group.</summary>
    public double[] Corner(int member)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(member);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(member, MemberCount);
        var point = new double[Dimension];
        for (int g = 0; g < GroupCount; g++)
        {
            point[g * MemberCount + member] = 1;
        }
        return point;
    }

    /// <summary>Group <paramref name="group"/>'s coefficients within <paramref name="point"/>.</summary>
    public ReadOnlySpan<double> Row(ReadOnlySpan<double> point, int group) => point.Slice(group * MemberCount, MemberCount);

    /// <summary>The largest |Σ coefficients − 1| over the groups of <paramref name="point"/> (0 for an exact affine combination).</summary>
    public double AffineError(ReadOnlySpan<double> point)
    {
        CheckLength(point);
        double worst = 0;
        for (int g = 0; g < GroupCount; g++)
        {
            double sum = 0;
            foreach (double c in Row(point, g))
            {
                sum += c;
            }
            worst = Math.Max(worst, Math.Abs(sum - 1));
        }
        return worst;
    }

    /// <summary>Throws unless <paramref name="point"/> has <see cref="Dimension"/> numbers.</summary>
    public void CheckLength(ReadOnlySpan<double> point)
    {
        if (point.Length != Dimension)
        {
            throw new ArgumentException($"A point of this coefficient space has {Dimension} numbers ({GroupCount} groups × {MemberCount} members); this one has {point.Length}.");
        }
    }
}
