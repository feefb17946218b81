using System.Globalization;

namespace SwarmMerge.Search.Runs;

/// <summary>
/// An entry's settings as a search reads them, each checked as it is read: its type, its range (<see cref="SettingBound"/>),
/// its words; an error names the search (<paramref name="Search"/>) and the key.
/// </summary>
/// <param name="Values">The settings (names as in the config).</param>
/// <param name="Search">How errors name the search.</param>
internal sealed record SearchSettings(IReadOnlyDictionary<string, object?> Values, string Search)
{
    /// <summary>The settings every entry may have to hold rows back and select its result on them (<see cref="ResultSelection"/>).</summary>
    public static readonly string[] SelectionKeys = ["holdout", "task_floor"];

    /// <summary>True when the entry sets <paramref name="key"/>.</summary>
    public bool Has(string key) => Values.ContainsKey(key);

    /// <summary>Fails on the first setting not in <paramref name="known"/>.</summary>
    public void Check(IReadOnlyList<string> known)
    {
        var unknown = Values.Keys.FirstOrDefault(k => !known.Contains(k));
        if (unknown is not null)
        {
            throw new SearchConfigException($"{Search}: unknown setting '{unknown}' (known: {string.Join(", ", known)}).");
        }
    }

    /// <summary>A number in <paramref name="bound"/>, or <paramref name="fallback"/> when unset.</summary>
    public double Number(string key, double fallback, SettingBound bound)
    {
        if (!Values.TryGetValue(key, out var value))
        {
            return fallback;
        }
        return value is double number
            ? bound.Contains(number) ? number : throw new SearchConfigException($"{Search}: '{key}' must be {bound}, not {Show(number)}.")
            : throw new SearchConfigException($"{Search}: '{key}' must be a number, not '{Convert.ToString(value, CultureInfo.InvariantCulture)}'.");
    }

    /// <summary>An integer ≥ <paramref name="minimum"/> (presets give every PSO one, as a number).</summary>
    public int Integer(string key, int fallback, int minimum)
    {
        double value = Number(key, fallback, SettingBound.Finite);
        return value == Math.Floor(value) && value >= minimum && value <= int.MaxValue ? (int)value
            : throw new SearchConfigException($"{Search}: '{key}' must be an integer ≥ {minimum}, not {Show(value)}.");
    }

    /// <summary>A list of numbers, each in <paramref name="bound"/>; empty when unset.</summary>
    public IReadOnlyList<double> Numbers(string key, SettingBound bound) =>
        !Values.TryGetValue(key, out var value) ? []
        : value is IReadOnlyList<object?> list && list.All(v => v is double number && bound.Contains(number)) ? list.Cast<double>().ToList()
        : throw new SearchConfigException($"{Search}: '{key}' must be a list of numbers ({bound} each), e.g. [0.3, 0.5].");

    /// <summary>A list of names; empty when unset.</summary>
    public IReadOnlyList<string> Words(string key) =>
        !Values.TryGetValue(key, out var value) ? []
        : value is IReadOnlyList<object?> list && list.All(v => v is string) ? list.Cast<string>().ToList()
        : throw new SearchConfigException($"{Search}: '{key}' must be a list of names, e.g. [ties, della].");

    /// <summary>true or false.</summary>
    public bool Flag(string key, bool fallback) =>
        !Values.TryGetValue(key, out var value) ? fallback
        : value is bool flag ? flag
        : throw new SearchConfigException($"{Search}: '{key}' must be true or false.");

    /// <summary>A word.</summary>
    public string Text(string key, string fallback) =>
        !Values.TryGetValue(key, out var value) ? fallback
        : value as string ?? throw new SearchConfigException($"{Search}: '{key}' must be a word.");

    /// <summary>One of <paramref name="choices"/>' words, as its value; the error lists them (<c>listed</c>: "a, b or c").</summary>
    public T Choice<T>(string key, string fallback, string listed, params (string Word, T Value)[] choices)
    {
        string word = Text(key, fallback);
        foreach (var (w, value) in choices)
        {
            if (w == word)
            {
                return value;
            }
        }
        throw new SearchConfigException($"{Search}: unknown {key} '{word}' ({listed}).");
    }

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);
}
