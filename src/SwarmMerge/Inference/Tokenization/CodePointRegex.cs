using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// A tokenizer.json regex matched per Unicode code point, as Hugging Face's Rust regex (and transformers.js's
/// <c>u</c>-flag regexes) match. .NET regexes see UTF-16 code units: a character outside the BMP is two
/// surrogates of category Cs, so <c>\p{L}</c> misses 𝐀 and <c>[^\p{L}]?</c> can split an emoji in half.
/// Before matching, each such character is replaced by one BMP stand-in of the same general category, and
/// match positions are mapped back; a pattern written with surrogates itself cannot be matched this way
/// and is refused by the caller.
/// </summary>
internal sealed class CodePointRegex(Regex regex)
{
    /// <summary>One BMP character of each general category (index: <see cref="UnicodeCategory"/>), none used by the tokenizer patterns.</summary>
    internal static readonly char[] StandIns =
    [
        '\u2C00', // UppercaseLetter: Glagolitic capital Azu
        '\u2C30', // LowercaseLetter: Glagolitic small azu
        '\u01C5', // TitlecaseLetter
        '\u02B0', // ModifierLetter
        '\uA000', // OtherLetter: Yi syllable it (outside the CJK ranges of DeepSeek's pattern)
        '\u1AB0', // NonSpacingMark
        '\u0903', // SpacingCombiningMark
        '\u20DD', // EnclosingMark
        '\u1040', // DecimalDigitNumber: Myanmar digit zero
        '\u2160', // LetterNumber
        '\u2460', // OtherNumber
        '\u3000', // SpaceSeparator (no such character outside the BMP)
        '\u2028', // LineSeparator (none outside the BMP)
        '\u2029', // ParagraphSeparator (none outside the BMP)
        '\u0001', // Control (none outside the BMP)
        '\u2061', // Format
        '\uD800', // Surrogate (never asked: a surrogate pair is one code point)
        '\uE000', // PrivateUse
        '\u203F', // ConnectorPunctuation
        '\u2010', // DashPunctuation
        '\u2045', // OpenPunctuation
        '\u2046', // ClosePunctuation
        '\u2039', // InitialQuotePunctuation
        '\u203A', // FinalQuotePunctuation
        '\u2049', // OtherPunctuation
        '\u2200', // MathSymbol
        '\u20A0', // CurrencySymbol
        '\u02C2', // ModifierSymbol
        '\u2600', // OtherSymbol
        '\u0378', // OtherNotAssigned
    ];

    /// <summary>Compiles <paramref name="pattern"/>; null (and <paramref name="error"/>) when .NET cannot, or it contains surrogates.</summary>
    public static CodePointRegex? TryCreate(string pattern, out string? error)
    {
        if (pattern.Any(char.IsSurrogate))
        {
            error = "a Regex pattern with characters outside the Basic Multilingual Plane is not supported";
            return null;
        }

        try
        {
            error = null;
            return new CodePointRegex(new Regex(pattern, RegexOptions.CultureInvariant));
        }
        catch (ArgumentException e)
        {
            error = $".NET cannot compile the pattern: {e.Message}";
            return null;
        }
    }

    /// <summary>A literal pattern: surrogates can only match whole code points, so no stand-ins are needed.</summary>
    public static CodePointRegex Literal(string literal) => new(new Regex(Regex.Escape(literal), RegexOptions.CultureInvariant));

    /// <summary>The non-empty matches in <paramref name="text"/>, as (index, length) in its own UTF-16 positions.</summary>
    public List<(int Index, int Length)> Matches(string text)
    {
        var matches = new List<(int, int)>();
        if (!text.Any(char.IsSurrogate))
        {
            foreach (Match m in regex.Matches(text)) matches.Add((m.Index, m.Length));
            return matches;
        }

        // starts[i]: where the code point shown as the i-th stand-in character begins in text.
        var shown = new StringBuilder(text.Length);
        var starts = new List<int>(text.Length + 1);
        for (int i = 0; i < text.Length; i++)
        {
            starts.Add(i);
            if (char.IsSurrogatePair(text, i))
            {
                shown.Append(StandIns[(int)CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text, i))]);
                i++;
            }
            else
            {
                shown.Append(text[i]);
            }
        }

        starts.Add(text.Length);
        foreach (Match m in regex.Matches(shown.ToString())) matches.Add((starts[m.Index], starts[m.Index + m.Length] - starts[m.Index]));
        return matches;
    }

    /// <summary>Replaces every match, empty ones included, with <paramref name="replacement"/> taken literally (as Hugging Face's Replace).</summary>
    public string Replace(string text, string replacement)
    {
        var sb = new StringBuilder(text.Length);
        int last = 0;
        foreach (var (index, length) in Matches(text))
        {
            sb.Append(text, last, index - last).Append(replacement);
            last = index + length;
        }

        return sb.Append(text, last, text.Length - last).ToString();
    }
}
