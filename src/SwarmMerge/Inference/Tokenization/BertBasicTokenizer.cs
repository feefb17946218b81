using System.Globalization;
using System.Text;

namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// Hugging Face's BertNormalizer + BertPreTokenizer, by code point: remove control characters and map
/// whitespace to spaces, isolate CJK ideographs, strip accents, lowercase, then split on whitespace and
/// punctuation. Written here because Microsoft.ML.Tokenizers' BertTokenizer drops tabs, newlines and
/// characters outside the BMP (emoji) instead of treating them as HF does, and its accent stripping
/// relies on string.Normalize, a no-op for non-ASCII text under InvariantGlobalization.
/// </summary>
internal sealed class BertBasicTokenizer(bool cleanText, bool handleChineseChars, bool stripAccents, bool lowercase)
{
    public List<string> Tokenize(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (cleanText && (rune.Value is 0 or 0xFFFD || IsControl(rune))) continue;
            if (cleanText && IsWhitespace(rune)) sb.Append(' ');
            else if (handleChineseChars && IsCjk(rune.Value)) sb.Append(' ').Append(rune.ToString()).Append(' ');
            else sb.Append(rune.ToString());
        }

        string normalized = sb.ToString();
        if (stripAccents) normalized = UnicodeNormalization.StripAccents(normalized);
        if (lowercase) normalized = normalized.ToLowerInvariant();
        return Split(normalized);
    }

    private static List<string> Split(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune) || IsPunctuation(rune))
            {
                if (current.Length > 0) words.Add(current.ToString());
                current.Clear();
                if (!Rune.IsWhiteSpace(rune)) words.Add(rune.ToString());
            }
            else
            {
                current.Append(rune.ToString());
            }
        }

        if (current.Length > 0) words.Add(current.ToString());
        return words;
    }

    private static bool IsWhitespace(Rune r) => r.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(r) == UnicodeCategory.SpaceSeparator;

    private static bool IsControl(Rune r)
    {
        if (r.Value is '\t' or '\n' or '\r') return false;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    private static bool IsPunctuation(Rune r)
    {
        int c = r.Value;
        if (c is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126) return true;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    private static bool IsCjk(int c) => c is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
        or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF
        or >= 0x2F800 and <= 0x2FA1F;
}
