using System.Globalization;
using System.Text;

namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// Unicode canonical decomposition (NFD) without ICU: SwarmMerge runs with InvariantGlobalization, where
/// <see cref="string.Normalize()"/> leaves non-ASCII text unchanged. The table comes from
/// tools/make_nfd_table.py; Hangul syllables are decomposed arithmetically. Combining marks are not
/// reordered (only matters for unusual mark sequences).
/// </summary>
internal static partial class CanonicalDecomposition
{
    private static readonly Dictionary<int, string> Table = BuildTable();

    /// <summary>The canonical decomposition of <paramref name="text"/>.</summary>
    public static string Decompose(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (Rune rune in text.EnumerateRunes())
        {
            int cp = rune.Value;
            if (cp is >= 0xAC00 and <= 0xD7A3)
            {
                int s = cp - 0xAC00;
                sb.Append((char)(0x1100 + s / 588)).Append((char)(0x1161 + s % 588 / 28));
                if (s % 28 != 0) sb.Append((char)(0x11A7 + s % 28));
            }
            else if (Table.TryGetValue(cp, out string? decomposed))
            {
                sb.Append(decomposed);
            }
            else
            {
                sb.Append(rune.ToString());
            }
        }

        return sb.ToString();
    }

    /// <summary>Removes accents as Hugging Face does: canonical decomposition, then drop nonspacing marks (Mn).</summary>
    public static string StripAccents(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (Rune rune in Decompose(text).EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark) sb.Append(rune.ToString());
        }

        return sb.ToString();
    }

    private static Dictionary<int, string> BuildTable()
    {
        var table = new Dictionary<int, string>();
        foreach (string entry in Data.Split('|', StringSplitOptions.RemoveEmptyEntries))
        {
            Rune source = Rune.GetRuneAt(entry, 0);
            table[source.Value] = entry[source.Utf16SequenceLength..];
        }

        return table;
    }
}
