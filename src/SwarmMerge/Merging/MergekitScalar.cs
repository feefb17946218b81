using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SwarmMerge.Merging;

/// <summary>
/// A YAML scalar read as mergekit reads it: PyYAML's <c>safe_load</c> resolves plain scalars by the YAML 1.1
/// rules (<c>yes</c>/<c>on</c> are booleans, <c>0x10</c> and <c>010</c> are integers, <c>1e-3</c> without a dot is
/// text), then pydantic turns the text of a number into a float where a number is expected (<c>"0.5"</c>,
/// <c>1e-3</c>, <c>" 1_000 "</c>, <c>"inf"</c>).
/// </summary>
internal static partial class MergekitScalar
{
    /// <summary>The value PyYAML gives a scalar: null, a bool, a double (integers too), or the text.</summary>
    public static object? Resolve(YamlScalarNode scalar)
    {
        string text = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain)
        {
            return text;
        }
        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }
        if (text is "yes" or "Yes" or "YES" or "true" or "True" or "TRUE" or "on" or "On" or "ON")
        {
            return true;
        }
        if (text is "no" or "No" or "NO" or "false" or "False" or "FALSE" or "off" or "Off" or "OFF")
        {
            return false;
        }
        // PyYAML tries its float pattern before its integer pattern.
        if (Yaml11Float().IsMatch(text))
        {
            return Yaml11FloatValue(text.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant());
        }
        if (Yaml11Int().IsMatch(text))
        {
            return Yaml11IntValue(text.Replace("_", "", StringComparison.Ordinal));
        }
        return text;
    }

    /// <summary>
    /// pydantic's float from text: surrounding white space ignored; <c>_</c> allowed between digits (not first,
    /// last or doubled); then Rust's float grammar: sign, digits with an optional point, or a point and digits,
    /// an optional exponent; or <c>inf</c>, <c>infinity</c>, <c>nan</c> in any case.
    /// </summary>
    public static bool TryParseNumber(string text, out double value)
    {
        value = 0;
        string s = text.Trim();
        if (s.Contains('_', StringComparison.Ordinal))
        {
            if (s.StartsWith('_') || s.EndsWith('_') || s.Contains("__", StringComparison.Ordinal))
            {
                return false;
            }
            s = s.Replace("_", "", StringComparison.Ordinal);
        }
        var special = SpecialFloat().Match(s);
        if (special.Success)
        {
            bool negative = special.Groups["sign"].Value == "-";
            value = special.Groups["word"].Value.Equals("nan", StringComparison.OrdinalIgnoreCase) ? double.NaN
                : negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        return DecimalFloat().IsMatch(s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The number a scalar means to mergekit (after both steps), or null when it is not one.</summary>
    public static double? Number(YamlScalarNode scalar) => Resolve(scalar) switch
    {
        double d => d,
        bool b => b ? 1 : 0,
        string text when TryParseNumber(text, out double d) => d,
        _ => null,
    };

    private static double Yaml11FloatValue(string text)
    {
        double sign = 1;
        if (text[0] is '-' or '+')
        {
            sign = text[0] == '-' ? -1 : 1;
            text = text[1..];
        }
        if (text == ".inf")
        {
            return sign * double.PositiveInfinity;
        }
        if (text == ".nan")
        {
            return double.NaN;
        }
        return sign * (text.Contains(':', StringComparison.Ordinal)
            ? Sexagesimal(text, p => double.Parse(p, CultureInfo.InvariantCulture))
            : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    private static double Yaml11IntValue(string text)
    {
        double sign = 1;
        if (text[0] is '-' or '+')
        {
            sign = text[0] == '-' ? -1 : 1;
            text = text[1..];
        }
        double magnitude = text switch
        {
            "0" => 0,
            _ when text.StartsWith("0b", StringComparison.Ordinal) => Digits(text[2..], 2),
            _ when text.StartsWith("0x", StringComparison.Ordinal) => Digits(text[2..], 16),
            _ when text.StartsWith('0') => Digits(text[1..], 8),
            _ when text.Contains(':', StringComparison.Ordinal) => Sexagesimal(text, p => Digits(p, 10)),
            _ => Digits(text, 10),
        };
        return sign * magnitude;
    }

    private static double Digits(string digits, int radix) =>
        digits.Aggregate(0.0, (total, c) => total * radix + Convert.ToInt32(c.ToString(), 16));

    // "1:30:05" = (1·60 + 30)·60 + 5; the last part may carry a fraction.
    private static double Sexagesimal(string text, Func<string, double> part) =>
        text.Split(':').Aggregate(0.0, (total, p) => total * 60 + part(p));

    [GeneratedRegex(@"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")]
    private static partial Regex Yaml11Float();

    [GeneratedRegex(@"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$")]
    private static partial Regex Yaml11Int();

    [GeneratedRegex(@"^(?<sign>[+-]?)(?<word>inf|infinity|nan)$", RegexOptions.IgnoreCase)]
    private static partial Regex SpecialFloat();

    [GeneratedRegex(@"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")]
    private static partial Regex DecimalFloat();
}
