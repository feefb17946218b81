using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SwarmMerge.Models;

/// <summary>
/// Typed reads of <c>config.json</c> fields with Hugging Face defaults and errors naming the file and field (for the
/// engine, and for a merge that reads the layers' attention). Every number is bounded here: sizes are integers ≥ 1, ids and optional counts ≥ 0, floats finite.
/// </summary>
internal sealed class ConfigReader(JsonObject config, string source, string prefix = "")
{
    /// <summary>The parsed configuration.</summary>
    public JsonObject Json { get; } = config;

    /// <summary>Where the configuration came from (for messages).</summary>
    public string Source { get; } = source;

    /// <summary>True when the field is present and not null.</summary>
    public bool Has(string field) => Json[field] is not null;

    /// <summary>A required size (a count or a dimension): an integer ≥ 1.</summary>
    public int Size(string field) => Integer(field, 1) ?? throw Missing(field);

    /// <summary>A size (an integer ≥ 1), or <paramref name="fallback"/> when absent.</summary>
    public int Size(string field, int fallback) => Integer(field, 1) ?? fallback;

    /// <summary>The first present field of <paramref name="fields"/> as a size (configs name some sizes differently, e.g. GPT-2's n_embd).</summary>
    public int SizeOf(params string[] fields) =>
        fields.Select(f => Integer(f, 1)).FirstOrDefault(v => v is not null) ?? throw Missing(string.Join("' or '", fields));

    /// <summary>An id or an optional count: an integer ≥ 0, or <paramref name="fallback"/> when absent.</summary>
    public int Index(string field, int fallback) => Integer(field, 0) ?? fallback;

    /// <summary>A finite float ≥ 0 (an epsilon), or <paramref name="fallback"/> when absent.</summary>
    public float NonNegativeFloat(string field, float fallback) => Float(field, positive: false) ?? fallback;

    /// <summary>A finite float &gt; 0, or <paramref name="fallback"/> when absent.</summary>
    public float PositiveFloat(string field, float fallback) => Float(field, positive: true) ?? fallback;

    /// <summary>A required finite float &gt; 0.</summary>
    public float PositiveFloat(string field) => Float(field, positive: true) ?? throw Invalid(field, "is missing");

    /// <summary>
    /// A finite float &gt; 0 that may be switched off: <paramref name="fallback"/> when the field is absent, 0 when it is
    /// an explicit null (Hugging Face fields such as <c>final_logit_softcapping</c> default to a value, and null turns them off).
    /// </summary>
    public float PositiveFloatOrOff(string field, float fallback) =>
        !Json.ContainsKey(field) ? fallback : Float(field, positive: true) ?? 0f;

    /// <summary>A finite number &gt; 0 at double precision (for products Python computes in doubles), or <paramref name="fallback"/> when absent.</summary>
    public double PositiveDouble(string field, double fallback) => Json[field] switch
    {
        null => fallback,
        var node when Number(node) is double number && number > 0 => number,
        var other => throw Invalid(field, $"is {other.ToJsonString()}, not a finite number > 0"),
    };

    /// <summary>A required list of exactly <paramref name="count"/> finite numbers &gt; 0 (as float32).</summary>
    public float[] PositiveFloats(string field, int count)
    {
        if (Json[field] is not JsonArray array)
        {
            throw Json[field] is null ? Missing(field) : Invalid(field, $"is not a list of numbers ({Json[field]!.ToJsonString()})");
        }
        if (array.Count != count)
        {
            throw Invalid(field, $"has {array.Count} entries, not {count}");
        }
        return array.Select((n, i) => Number(n) is double number && number > 0 && float.IsFinite((float)number)
            ? (float)number
            : throw Invalid(field, $"holds {n?.ToJsonString() ?? "null"} at index {i}, not a finite number > 0")).ToArray();
    }

    /// <summary>A list of strings, or null when absent.</summary>
    public string[]? Strings(string field) => Json[field] switch
    {
        null => null,
        JsonArray array => array.Select((n, i) => n is JsonValue value && value.TryGetValue(out string? text)
            ? text
            : throw Invalid(field, $"holds {n?.ToJsonString() ?? "null"} at index {i}, not a string")).ToArray(),
        var other => throw Invalid(field, $"is not a list of strings ({other.ToJsonString()})"),
    };

    public bool Bool(string field, bool fallback) => Json[field] switch
    {
        null => fallback,
        JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
        var other => throw Invalid(field, $"is not true or false ({other.ToJsonString()})"),
    };

    public string? String(string field) => Json[field] switch
    {
        null => null,
        JsonValue value when value.TryGetValue(out string? text) => text,
        var other => throw Invalid(field, $"is not a string ({other.ToJsonString()})"),
    };

    public string String(string field, string fallback) => String(field) ?? fallback;

    /// <summary>The object in <paramref name="field"/> as a reader (fields named <c>field.child</c> in messages), or null when absent.</summary>
    public ConfigReader? Object(string field) => Json[field] switch
    {
        null => null,
        JsonObject child => new ConfigReader(child, Source, $"{prefix}{field}."),
        var other => throw Invalid(field, $"is not an object ({other.ToJsonString()})"),
    };

    /// <summary>Token ids of a field that holds one id or a list of ids, each an integer ≥ 0.</summary>
    public int[] TokenIds(string field) => Json[field] switch
    {
        null => [],
        JsonArray array => array.Select(n => TokenId(field, n)).ToArray(),
        var value => [TokenId(field, value)],
    };

    public ModelConfigException Invalid(string field, string problem) => new($"{Source}: field '{prefix}{field}' {problem}.");

    private ModelConfigException Missing(string field) => new($"{Source}: required field '{prefix}{field}' is missing.");

    private int TokenId(string field, JsonNode? node) =>
        WholeNumber(node) is int id && id >= 0 ? id : throw Invalid(field, $"holds {node?.ToJsonString() ?? "null"}, not a token id (an integer ≥ 0)");

    private int? Integer(string field, int minimum) => Json[field] switch
    {
        null => null,
        var node when WholeNumber(node) is int number && number >= minimum => number,
        var other => throw Invalid(field, $"is {other.ToJsonString()}, not an integer ≥ {minimum}"),
    };

    private float? Float(string field, bool positive) => Json[field] switch
    {
        null => null,
        var node when Number(node) is double number && (positive ? number > 0 : number >= 0) && float.IsFinite((float)number) => (float)number,
        var other => throw Invalid(field, $"is {other.ToJsonString()}, not a finite number {(positive ? "> 0" : "≥ 0")}"),
    };

    // Numbers are read from their JSON text, so a value parsed from a file and one set in code read alike.
    private static string? NumberText(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number ? value.ToJsonString() : null;

    private static int? WholeNumber(JsonNode? node) =>
        int.TryParse(NumberText(node), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int number) ? number : null;

    private static double? Number(JsonNode? node) =>
        double.TryParse(NumberText(node), NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && double.IsFinite(number) ? number : null;
}
