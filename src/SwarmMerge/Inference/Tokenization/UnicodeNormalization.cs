using System.Globalization;
using System.Text;

namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// Unicode normalization forms NFD, NFC, NFKD and NFKC without ICU: SwarmMerge runs with
/// InvariantGlobalization, where <see cref="string.Normalize()"/> leaves non-ASCII text unchanged. The
/// tables come from tools/make_normalization_tables.py; Hangul syllables are decomposed and composed
/// arithmetically. The algorithm is the standard one (UAX #15): full decomposition, canonical ordering
/// of combining marks, then canonical composition of unblocked pairs.
/// </summary>
internal static partial class UnicodeNormalization
{
    private const int HangulBase = 0xAC00, HangulCount = 11172, JamoL = 0x1100, JamoV = 0x1161, JamoT = 0x11A7;
    private const int VowelCount = 21, TrailingCount = 28;

    private static readonly Dictionary<int, string> Canonical = Entries(CanonicalData).ToDictionary(e => e.Key, e => e.Value);
    private static readonly Dictionary<int, string> Compatibility = Entries(CompatibilityData).ToDictionary(e => e.Key, e => e.Value);
    private static readonly Dictionary<int, int> Classes = Entries(CombiningClassesData).ToDictionary(e => e.Key, e => (int)e.Value[0]);
    private static readonly Dictionary<(int, int), int> Composites = BuildComposites();

    /// <summary>NFD: the canonical decomposition of <paramref name="text"/>.</summary>
    public static string Decompose(string text) => IsAscii(text) ? text : Join(DecomposeToCodePoints(text, compatibility: false));

    /// <summary>NFKD: the compatibility decomposition of <paramref name="text"/>.</summary>
    public static string DecomposeCompatibility(string text) => IsAscii(text) ? text : Join(DecomposeToCodePoints(text, compatibility: true));

    /// <summary>NFC: canonical decomposition, then canonical composition.</summary>
    public static string Compose(string text)
        // Below U+0300 every character is a starter without composition (U+0300 is the first combining mark).
        => text.All(c => c < '\u0300') ? text : Join(ComposeCodePoints(DecomposeToCodePoints(text, compatibility: false)));

    /// <summary>NFKC: compatibility decomposition, then canonical composition.</summary>
    public static string ComposeCompatibility(string text) => IsAscii(text) ? text : Join(ComposeCodePoints(DecomposeToCodePoints(text, compatibility: true)));

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

    private static bool IsAscii(string text) => text.All(char.IsAscii);

    private static int Class(int codePoint) => Classes.GetValueOrDefault(codePoint);

    private static List<int> DecomposeToCodePoints(string text, bool compatibility)
    {
        var output = new List<int>(text.Length);
        foreach (Rune rune in text.EnumerateRunes())
        {
            int cp = rune.Value;
            if (cp is >= HangulBase and < HangulBase + HangulCount)
            {
                int s = cp - HangulBase;
                output.Add(JamoL + s / (VowelCount * TrailingCount));
                output.Add(JamoV + s % (VowelCount * TrailingCount) / TrailingCount);
                if (s % TrailingCount != 0) output.Add(JamoT + s % TrailingCount);
            }
            else if ((compatibility && Compatibility.TryGetValue(cp, out string? full)) || Canonical.TryGetValue(cp, out full))
            {
                foreach (Rune part in full.EnumerateRunes()) output.Add(part.Value);
            }
            else
            {
                output.Add(cp);
            }
        }

        // Canonical ordering: each run of combining marks is sorted by class, stably.
        for (int i = 1; i < output.Count; i++)
        {
            int cp = output[i], cls = Class(cp);
            if (cls == 0) continue;
            int j = i;
            while (j > 0 && Class(output[j - 1]) > cls)
            {
                output[j] = output[j - 1];
                j--;
            }

            output[j] = cp;
        }

        return output;
    }

    private static List<int> ComposeCodePoints(List<int> decomposed)
    {
        var output = new List<int>(decomposed.Count);
        int starter = -1;    // index in output of the last starter
        int lastClass = 256; // class of the last character kept after that starter (256: no starter yet)
        foreach (int cp in decomposed)
        {
            int cls = Class(cp);
            // A mark composes with the starter unless a character in between blocks it (class 0, or not lower than its own).
            if (starter >= 0 && (lastClass < cls || lastClass == 0) && TryCompose(output[starter], cp) is int composite)
            {
                output[starter] = composite;
                continue;
            }

            if (cls == 0) starter = output.Count;
            lastClass = cls;
            output.Add(cp);
        }

        return output;
    }

    private static int? TryCompose(int first, int second)
    {
        if (first is >= JamoL and < JamoL + 19 && second is >= JamoV and < JamoV + VowelCount)
        {
            return HangulBase + ((first - JamoL) * VowelCount + (second - JamoV)) * TrailingCount;
        }

        if (first is >= HangulBase and < HangulBase + HangulCount && (first - HangulBase) % TrailingCount == 0
            && second is > JamoT and < JamoT + TrailingCount)
        {
            return first + (second - JamoT);
        }

        return Composites.TryGetValue((first, second), out int composite) ? composite : null;
    }

    private static Dictionary<(int, int), int> BuildComposites()
    {
        var composites = new Dictionary<(int, int), int>();
        foreach (string entry in CompositionsData.Split('|', StringSplitOptions.RemoveEmptyEntries))
        {
            int[] cps = entry.EnumerateRunes().Select(r => r.Value).ToArray();
            composites[(cps[0], cps[1])] = cps[2];
        }

        return composites;
    }

    private static IEnumerable<(int Key, string Value)> Entries(string data)
    {
        foreach (string entry in data.Split('|', StringSplitOptions.RemoveEmptyEntries))
        {
            Rune key = Rune.GetRuneAt(entry, 0);
            yield return (key.Value, entry[key.Utf16SequenceLength..]);
        }
    }

    private static string Join(List<int> codePoints)
    {
        var sb = new StringBuilder(codePoints.Count);
        foreach (int cp in codePoints) sb.Append(char.ConvertFromUtf32(cp));
        return sb.ToString();
    }
}
