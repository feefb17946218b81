using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json;
using SwarmMerge.Search;

namespace SwarmMerge.Search.Methods;

/// <summary>Settings records as JSON, for <see cref="ISearch.Describe"/>: snake_case names, enums as strings.</summary>
internal static class SettingsJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>A description: <c>{"method": name, "settings": …}</c> plus <paramref name="extra"/> entries.</summary>
    public static JsonObject Describe<T>(string method, T settings, params (string Key, JsonNode? Value)[] extra)
    {
        var description = new JsonObject
        {
            ["method"] = method,
            ["settings"] = JsonSerializer.SerializeToNode(settings, Options),
        };
        foreach (var (key, value) in extra)
        {
            description[key] = value;
        }
        return description;
    }
}
