using System.Text.Json;
using SwarmMerge.IO;

namespace SwarmMerge.Inference.Tokenization;

/// <summary>Typed field access on tokenizer JSON files, failing with the file and JSON path in the message.</summary>
internal readonly struct JsonReader(string file)
{
    public string File { get; } = file;

    public static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(InputFiles.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException(path, null, $"not valid JSON: {JsonErrors.Describe(e)}", e);
        }
    }

    /// <summary>The child <paramref name="name"/> of <paramref name="node"/>, or null when absent or JSON null.</summary>
    public static JsonElement? Child(JsonElement node, string name)
        => node.ValueKind == JsonValueKind.Object && node.TryGetProperty(name, out JsonElement child) && child.ValueKind != JsonValueKind.Null
            ? child
            : null;

    public JsonElement Required(JsonElement node, string name, string path)
        => Child(node, name) ?? throw Error(Join(path, name), "required field is missing");

    public string? String(JsonElement node, string name, string path)
    {
        JsonElement? child = Child(node, name);
        if (child is null) return null;
        return child.Value.ValueKind == JsonValueKind.String ? child.Value.GetString() : throw Error(Join(path, name), "expected a string");
    }

    public string RequiredString(JsonElement node, string name, string path)
        => String(node, name, path) ?? throw Error(Join(path, name), "required field is missing");

    public bool Bool(JsonElement node, string name, string path, bool fallback)
    {
        JsonElement? child = Child(node, name);
        if (child is null) return fallback;
        return child.Value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(Join(path, name), "expected true or false"),
        };
    }

    public int? Int(JsonElement node, string name, string path)
    {
        JsonElement? child = Child(node, name);
        if (child is null) return null;
        return child.Value.ValueKind == JsonValueKind.Number && child.Value.TryGetInt32(out int value)
            ? value
            : throw Error(Join(path, name), "expected a 32-bit integer");
    }

    public TokenizerFormatException Error(string? field, string message) => new(File, field, message);

    public static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
