using SwarmMerge.Models;

namespace SwarmMerge.Tests.Adapters;

/// <summary>The low-rank product kernel against the definition, over ranges that start and end anywhere.</summary>
public sealed class LowRankDeltaTests
{
    [Theory]
    [InlineData(9, 37, 5)]    // columns neither a multiple of 8 nor of 16
    [InlineData(13, 64, 16)]  // whole vector blocks, rows not a multiple of 4
    [InlineData(6, 7, 3)]     // narrower than one vector
    public void Any_element_range_of_the_product_is_scale_times_left_times_right(int rows, int columns, int rank)
    {
        var left = TestModels.Random(rows * rank, 1);
        var right = TestModels.Random(rank * columns, 2);
        const float Scale = 0.75f;
        var factors = new LowRankDelta.Factors(left, right, rank, columns, Scale);
        var expected = new double[rows * columns];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                expected[i * columns + j] = Scale * Enumerable.Range(0, rank).Sum(k => (double)left[i * rank + k] * right[k * columns + j]);
            }
        }
        foreach (var (start, count) in new[] { (0, rows * columns), (3, rows * columns - 5), (columns, 4 * columns + 1), (columns - 1, 2) })
        {
            var actual = new float[count];
            factors.Compute(start, actual);
            for (int e = 0; e < count; e++)
            {
                Assert.True(Math.Abs(actual[e] - expected[start + e]) <= 1e-5 * (1 + Math.Abs(expected[start + e])), $"[{start + e}] = {actual[e]}, expected {expected[start + e]}");
            }
        }
    }
}
