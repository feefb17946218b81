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
        new(name, aliases) { Description = description, DefaultValueFactory = _ => fallback(), CustomParser = result => Parse(result, name, minimum, null) ?? fallback() };

    /// <summary>An optional option holding a whole number ≥ <paramref name="minimum"/>; null when absent.</summary>
    public static Option<T?> Optional<T>(string name, string description, T minimum) where T : struct, IBinaryInteger<T> =>
        new(name) { Description = description, CustomParser = result => Parse(result, name, minimum, null) };

    /// <summary>A thread count: 1 to <see cref="ThreadCount.Max"/>, every core when absent.</summary>
    public static Option<int> Threads(string description, params string[] aliases) =>
        new("--threads", aliases)
        {
            Description = description,
            DefaultValueFactory = _ => Environment.ProcessorCount,
            CustomParser = result => Parse(result, "--threads", 1, ThreadCount.Max) ?? Environment.ProcessorCount,
        };

    private static T? Parse<T>(ArgumentResult result, string name, T minimum, T? maximum) where T : struct, IBinaryInteger<T>
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Join(' ', result.Tokens.Select(t => t.Value));
        if (T.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out T value) && value >= minimum && (maximum is not { } most || value <= most))
        {
            return value;
        }
        result.AddError(maximum is { } max
            ? $"{name} must be a whole number from {minimum} to {max}, not '{text}'."
            : $"{name} must be a whole number ≥ {minimum}, not '{text}'.");
        return null;
    }
}
