using SwarmMerge.Numerics;


namespace SwarmMerge.Tests;

public sealed class MagnitudeOrderTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 2)]
    [InlineData(2048, 3)]
    [InlineData(5504, 4)]
    public void Matches_a_comparison_sort_by_magnitude_then_index(int n, int seed)
    {
        var random = new Random(seed);
        // Few distinct magnitudes and both signs, so ties are common and must fall back to index order.
        var values = Enumerable.Range(0, n).Select(_ => (float)(random.Next(-20, 21) * Math.Pow(2, random.Next(-30, 30)))).ToArray();
        values[0] = -0f;
        var expected = Enumerable.Range(0, n).OrderBy(j => MathF.Abs(values[j])).ThenBy(j => j).ToArray();

        var order = new int[n];
        new MagnitudeOrder().Sort(values, order);

        Assert.Equal(expected, order);
    }

    [Fact]
    public void Reuses_its_buffers_across_rows_of_different_lengths()
    {
        var sorter = new MagnitudeOrder();
        var order = new int[5];
        sorter.Sort([3f, -1f, 2f, 0f, -3f], order);
        Assert.Equal([3, 1, 2, 0, 4], order);
        var shorter = new int[2];
        sorter.Sort([-5f, 4f], shorter);
        Assert.Equal([1, 0], shorter);
    }
}
