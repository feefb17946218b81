using System.Globalization;

namespace SwarmMerge.IO;

/// <summary>
/// Parses sizes such as <c>500M</c>, <c>5G</c>, <c>1.5GB</c> or <c>1048576</c> (decimal units, as Hugging Face's
/// <c>max_shard_size</c>; <c>Ki</c>/<c>Mi</c>/<c>Gi</c> are binary), and mergekit's <c>5B</c>: a bare <c>B</c> after
/// the number is ×10⁹, as its <c>parse_kmb</c> reads it (billion), not "bytes".
/// </summary>
public static class ByteSize
{
    /// <summary>Parses <paramref name="text"/> into a byte count.</summary>
    /// <exception cref="FormatException">Not a positive size.</exception>
    public static long Parse(string text)
    {
        string s = text.Trim().ToUpperInvariant();
        bool trailingB = s.EndsWith('B');
        if (trailingB)
        {
            s = s[..^1];
        }
        (string suffix, double factor)[] units =
        [
            ("KI", 1024d), ("MI", 1024d * 1024), ("GI", 1024d * 1024 * 1024), ("TI", 1024d * 1024 * 1024 * 1024),
            ("K", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12),
        ];
        // "5GB" is Hugging Face's 5 gigabytes; "5B" with no unit before the B is mergekit's 5 billion.
        double multiplier = trailingB ? 1e9 : 1;
        foreach (var (suffix, factor) in units)
        {
            if (s.EndsWith(suffix, StringComparison.Ordinal))
            {
                multiplier = factor;
                s = s[..^suffix.Length];
                break;
            }
        }
        // NumberStyles.Float also accepts "Infinity" and "NaN"; both are rejected by the range check.
        if (!double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > 0))
        {
            throw new FormatException($"'{text}' is not a size (examples: 500M, 5G, 5B, 2GiB, 1048576).");
        }
        double bytes = Math.Round(value * multiplier);
        if (!(bytes >= 1 && bytes < long.MaxValue))
        {
            throw new FormatException($"'{text}' is not a size between 1 byte and {long.MaxValue} bytes.");
        }
        return (long)bytes;
    }
}
