using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace SwarmMerge.Cli;

/// <summary>Whole-number options whose bad values are command-line errors that say what is expected (not "expected type 'System.Int32'").</summary>
internal static class NumberOptions
{
    /// <summary>An option holding a whole number ≥ <paramref name="minimum"/>, <paramref name="fallback"/> when absent.</summary>
    public static Option<T> Create<T>(string name, string description, T minimum, Func<T> fallback, params string[] aliases) where T : struct, IBinaryInteger<T> =>
        new(name, aliases) { Description = description, DefaultValueFactory = _ => fallback(), CustomParser = result => Parse(result, name, minimum) ?? fallback() };

    /// <summary>An optional option holding a whole number ≥ <paramref name="minimum"/>; null when absent.</summary>
    public static Option<T?> Optional<T>(string name, string description, T minimum) where T : struct, IBinaryInteger<T> =>
        new(name) { Description = description, CustomParser = result => Parse(result, name, minimum) };

    private static T? Parse<T>(ArgumentResult result, string name, T minimum) where T : struct, IBinaryInteger<T>
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Join(' ', result.Tokens.Select(t => t.Value));
        if (T.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out T value) && value >= minimum)
        {
            return value;
        }
        result.AddError($"{name} must be a whole number ≥ {minimum}, not '{text}'.");
        return null;
    }
}
