namespace SwarmMerge.Tests.Inference;

/// <summary>Tolerance checks for logits.</summary>
internal static class FixtureAssert
{
    /// <summary>
    /// Max |actual − expected| relative to max |expected| over the compared values (the scale of a sequence's
    /// logits), so tiny logits near zero do not blow up the error.
    /// </summary>
    public static double RelativeError(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0, error = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            error = Math.Max(error, Math.Abs(expected[i] - actual[i]));
        }
        return error / Math.Max(scale, 1e-30);
    }

    /// <summary>Max |actual − expected|.</summary>
    public static double MaxDifference(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double error = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            error = Math.Max(error, Math.Abs(expected[i] - actual[i]));
        }
        return error;
    }

    public static double Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        double relative = RelativeError(expected, actual);
        Assert.True(relative <= tolerance, $"{what}: max relative error {relative:E2} > {tolerance:E0}");
        return relative;
    }
}
