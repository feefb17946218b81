using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// A Hugging Face normalizer chain from tokenizer.json, as a Microsoft.ML.Tokenizers <see cref="Normalizer"/>:
/// Sequence, NFC/NFD/NFKC/NFKD, Lowercase, Strip, Prepend, Replace (string or regex), and Precompiled
/// (delegated to the SentencePiece charsmap normalizer of Microsoft.ML.Tokenizers by the caller).
/// The Unicode forms use <see cref="UnicodeNormalization"/>, not string.Normalize, which leaves non-ASCII
/// text unchanged under InvariantGlobalization.
/// </summary>
internal sealed class TextNormalizer(IReadOnlyList<Func<string, string>> steps) : Normalizer
{
    public override string Normalize(string original)
    {
        foreach (Func<string, string> step in steps) original = step(original);
        return original;
    }

    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());

    /// <summary>
    /// Builds the chain from the <c>normalizer</c> node; null when there is nothing to do.
    /// <paramref name="precompiled"/> applies a Precompiled charsmap; null where the model has no charsmap normalizer.
    /// </summary>
    public static TextNormalizer? FromJson(JsonReader json, JsonElement? node, string path, Func<string, string>? precompiled)
    {
        if (node is null) return null;
        var steps = new List<Func<string, string>>();
        Add(json, node.Value, path, precompiled, steps);
        return steps.Count == 0 ? null : new TextNormalizer(steps);
    }

    private static void Add(JsonReader json, JsonElement node, string path, Func<string, string>? precompiled, List<Func<string, string>> steps)
    {
        string type = json.RequiredString(node, "type", path);
        switch (type)
        {
            case "Sequence":
                int i = 0;
                foreach (JsonElement child in json.Required(node, "normalizers", path).EnumerateArray())
                {
                    Add(json, child, $"{path}.normalizers[{i++}]", precompiled, steps);
                }

                break;
            case "NFC": steps.Add(UnicodeNormalization.Compose); break;
            case "NFD": steps.Add(UnicodeNormalization.Decompose); break;
            case "StripAccents": steps.Add(UnicodeNormalization.StripAccents); break;
            case "NFKC": steps.Add(UnicodeNormalization.ComposeCompatibility); break;
            case "NFKD": steps.Add(UnicodeNormalization.DecomposeCompatibility); break;
            case "Lowercase": steps.Add(s => s.ToLowerInvariant()); break;
            case "Strip":
                bool left = json.Bool(node, "strip_left", path, true), right = json.Bool(node, "strip_right", path, true);
                steps.Add(s => left && right ? s.Trim() : left ? s.TrimStart() : right ? s.TrimEnd() : s);
                break;
            case "Prepend":
                string prefix = json.RequiredString(node, "prepend", path);
                steps.Add(s => s.Length == 0 ? s : prefix + s);
                break;
            case "Replace":
                CodePointRegex pattern = PatternFromJson(json, json.Required(node, "pattern", path), JsonReader.Join(path, "pattern"));
                string content = json.RequiredString(node, "content", path);
                steps.Add(s => pattern.Replace(s, content));
                break;
            case "Precompiled":
                if (precompiled is null) throw json.Error(JsonReader.Join(path, "type"), "a Precompiled normalizer is only supported with a Unigram model");
                steps.Add(precompiled);
                break;
            default:
                throw json.Error(JsonReader.Join(path, "type"), $"unsupported normalizer '{type}'");
        }
    }

    /// <summary>A tokenizer.json pattern object: <c>{"String": "..."}</c> (literal) or <c>{"Regex": "..."}</c>.</summary>
    public static CodePointRegex PatternFromJson(JsonReader json, JsonElement pattern, string path)
    {
        string? literal = json.String(pattern, "String", path);
        if (literal is not null) return CodePointRegex.Literal(literal);
        string regex = json.String(pattern, "Regex", path) ?? throw json.Error(path, "expected {\"String\": ...} or {\"Regex\": ...}");
        return CodePointRegex.TryCreate(regex, out string? error) ?? throw json.Error(JsonReader.Join(path, "Regex"), error!);
    }
}
