using System.Text.Json.Nodes;

namespace SwarmMerge.Cluster;

/// <summary>
/// An anchor's merge parameters on the wire: a JSON object of numbers, flags and words, as a config's values are read
/// (numbers as <see cref="double"/>), so that a worker makes the coordinator's anchor merge from its own inputs.
/// </summary>
internal static class AnchorParameters
{
    /// <summary>The parameters as a JSON object, in key order (equal parameters give equal text, and equal job ids).</summary>
    /// <exception cref="ArgumentException">A value is not a number, flag or word.</exception>
    public static string ToJson(IReadOnlyDictionary<string, object?> parameters)
    {
        var json = new JsonObject();
        foreach (var (key, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            json[key] = value switch
            {
                double number => JsonValue.Create(number),
                bool flag => JsonValue.Create(flag),
                string word => JsonValue.Create(word),
                _ => throw new ArgumentException($"Anchor parameter '{key}' is {value?.GetType().Name ?? "null"}; only numbers, true/false and words go to workers.", nameof(parameters)),
            };
        }
        return json.ToJsonString();
    }

    /// <summary>The parameters <see cref="ToJson"/> wrote.</summary>
    /// <exception cref="InvalidDataException">The text is not such an object.</exception>
    public static IReadOnlyDictionary<string, object?> FromJson(string text)
    {
        var parameters = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (JsonNode.Parse(text) is not JsonObject json)
        {
            throw new InvalidDataException($"Anchor parameters '{text}' are not a JSON object.");
        }
        foreach (var (key, node) in json)
        {
            parameters[key] = node is JsonValue value && value.TryGetValue(out double number) ? number
                : node is JsonValue flagValue && flagValue.TryGetValue(out bool flag) ? flag
                : node is JsonValue wordValue && wordValue.TryGetValue(out string? word) ? word
                : throw new InvalidDataException($"Anchor parameter '{key}' is {node?.ToJsonString() ?? "null"}, not a number, true/false or a word.");
        }
        return parameters;
    }
}
