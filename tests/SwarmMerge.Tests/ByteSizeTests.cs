using SwarmMerge.IO;

namespace SwarmMerge.Tests;

/// <summary>
/// Size strings as Hugging Face's <c>max_shard_size</c> writes them (decimal units, binary with <c>i</c>) and as
/// mergekit's <c>parse_kmb</c> reads them (<c>K</c>, <c>M</c>, and <c>B</c> for billion).
/// </summary>
public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("500M", 500_000_000L)]
    [InlineData("5G", 5_000_000_000L)]
    [InlineData("5GB", 5_000_000_000L)]
    [InlineData("2GiB", 2L * 1024 * 1024 * 1024)]
    [InlineData("1048576", 1_048_576L)]
    [InlineData("1.5G", 1_500_000_000L)]
    [InlineData("10K", 10_000L)]
    [InlineData("3KiB", 3072L)]
    [InlineData("4Mi", 4L * 1024 * 1024)]
    [InlineData("1T", 1_000_000_000_000L)]
    [InlineData("5gb", 5_000_000_000L)]
    [InlineData(" 100MB ", 100_000_000L)]
    [InlineData("5B", 5_000_000_000L)] // mergekit's default --out-shard-size: 5 billion, not 5 bytes
    [InlineData("2b", 2_000_000_000L)]
    [InlineData("5 B", 5_000_000_000L)] // parse_kmb: int("5 ") accepts the space
    [InlineData("500m", 500_000_000L)]
    [InlineData("64k", 64_000L)]
    public void Parses_sizes(string text, long expected)
    {
        Assert.Equal(expected, ByteSize.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("abc")]
    [InlineData("-5M")]
    [InlineData("0")]
    [InlineData("0G")]
    [InlineData("GB")]
    [InlineData("B")]
    [InlineData("-5B")]
    [InlineData("5XB")]
    [InlineData("NaN")]
    public void Rejects_what_is_not_a_positive_size(string text)
    {
        var ex = Assert.Throws<FormatException>(() => ByteSize.Parse(text));
        Assert.Contains($"'{text}'", ex.Message);
    }

    [Fact]
    public void Rejects_a_size_that_rounds_to_zero_bytes()
    {
        Assert.Throws<FormatException>(() => ByteSize.Parse("0.4"));
    }

    [Fact]
    public void Rejects_a_size_too_large_for_a_long()
    {
        Assert.Throws<FormatException>(() => ByteSize.Parse("1e30"));
    }
}
