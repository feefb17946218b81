using System.Globalization;
using System.Text.RegularExpressions;

namespace SwarmMerge.Evaluation;

/// <summary>
/// Turns a generated text and a reference into comparable answers: optionally extract the first match of
/// a pattern (its first group if it has one, e.g. the number after <c>####</c> in GSM8K), then normalize
/// (trim, lower-case, collapse whitespace, drop a trailing period, and for numbers drop thousands
/// separators and trailing zeros: "1,000.50" → "1000.5"; other text is put in Unicode NFC, so "cafe\u0301" matches "café").
/// </summary>
public sealed class AnswerNormalizer(Regex? extract, bool normalize)
{
    /// <summary>The comparable answer of <paramref name="text"/>; empty when the pattern finds nothing.</summary>
    public string Answer(string text)
    {
        if (extract is not null)
        {
            var match = extract.Match(text);
            if (!match.Success)
            {
                return "";
            }
            text = match.Groups.Count > 1 ? match.Groups[1].Value : match.Value;
        }
        return normalize ? Normalize(text) : text;
    }

    private static string Normalize(string text)
    {
        string collapsed = Regex.Replace(text.Trim().ToLowerInvariant(), @"\s+", " ").TrimEnd('.');
        string number = collapsed.Replace(",", "", StringComparison.Ordinal).TrimStart('$');
        if (decimal.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal value))
        {
            return value.ToString("G29", CultureInfo.InvariantCulture);
        }
        // string.Normalize leaves non-ASCII text as it is under InvariantGlobalization; this NFC does not depend on ICU.
        return Inference.Tokenization.UnicodeNormalization.Compose(collapsed);
    }
}
