using System.Text.Json;
using System.Text.Json.Nodes;

namespace SwarmMerge.Inference;

/// <summary>Typed reads of <c>config.json</c> fields with Hugging Face defaults and errors naming the field.</summary>
internal sealed class ConfigReader(JsonObject config, string source)
{
    /// <summary>The parsed configuration.</summary>
    public JsonObject Json { get; } = config;

    /// <summary>Where the configuration came from (for messages).</summary>
    public string Source { get; } = source;

    /// <summary>True when the field is present and not null.</summary>
    public bool Has(string field) => Json[field] is not null;

    public int Int(string field) => Get<int>(field) ?? throw Missing(field);

    public int Int(string field, int fallback) => Get<int>(field) ?? fallback;

    /// <summary>The first present field of <paramref name="fields"/> (configs name some sizes differently, e.g. GPT-2's n_embd).</summary>
    public int IntOf(params string[] fields) =>
        fields.Select(Get<int>).FirstOrDefault(v => v is not null) ?? throw Missing(string.Join("' or '", fields));

    public float Float(string field, float fallback) => Get<float>(field) ?? fallback;

    public bool Bool(string field, bool fallback) => Get<bool>(field) ?? fallback;

    public string? String(string field) => Json[field] switch
    {
        null => null,
        JsonValue value when value.TryGetValue(out string? text) => text,
        _ => throw Invalid(field, "is not a string"),
    };

    public string String(string field, string fallback) => String(field) ?? fallback;

    /// <summary>Token ids of a field that holds one id or a list of ids.</summary>
    public int[] TokenIds(string field) => Json[field] switch
    {
        null => [],
        JsonArray array => array.Select(n => n!.GetValue<int>()).ToArray(),
        JsonValue value => [value.GetValue<int>()],
        _ => throw Invalid(field, "is neither a token id nor a list of ids"),
    };

    public ModelConfigException Invalid(string field, string problem) => new($"{Source}: field '{field}' {problem}.");

    private ModelConfigException Missing(string field) => new($"{Source}: required field '{field}' is missing.");

    private T? Get<T>(string field) where T : struct =>
        Json[field] switch
        {
            null => null,
            JsonValue value => Convert<T>(field, value),
            _ => throw Invalid(field, $"is not a {typeof(T).Name}"),
        };

    private T? Convert<T>(string field, JsonValue value) where T : struct
    {
        try
        {
            if (typeof(T) == typeof(float))
            {
                return (T)(object)(float)value.GetValue<double>();
            }
            return value.GetValue<T>();
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or JsonException)
        {
            throw Invalid(field, $"is not a {typeof(T).Name} ({value.ToJsonString()})");
        }
    }
}
