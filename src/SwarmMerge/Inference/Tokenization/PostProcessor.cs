using System.Text.Json;

namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// Adds the special tokens of a model family around one sequence or a pair, with token type ids:
/// Hugging Face's TemplateProcessing, which also expresses BertProcessing, RobertaProcessing and the
/// conventions of the slow tokenizers (GPT-2 none, Llama BOS, T5 EOS, BERT CLS/SEP).
/// </summary>
internal sealed class PostProcessor
{
    /// <summary>One template item: special token ids, or the first (A) or second (B) sequence.</summary>
    private readonly record struct Part(int[]? SpecialIds, bool IsB, int TypeId);

    private readonly Part[] _single;
    private readonly Part[] _pair;

    private PostProcessor(Part[] single, Part[] pair)
    {
        _single = single;
        _pair = pair;
    }

    /// <summary>No special tokens; a pair is the concatenation, type ids 0 then 1 (also HF's ByteLevel processor).</summary>
    public static PostProcessor None { get; } = new([A(0)], [A(0), B(1)]);

    public (int[] Ids, int[] TypeIds) Apply(List<int> a, List<int>? b)
    {
        var ids = new List<int>();
        var types = new List<int>();
        foreach (Part part in b is null ? _single : _pair)
        {
            IReadOnlyList<int> values = part.SpecialIds is int[] special ? special : part.IsB ? b! : a;
            ids.AddRange(values);
            types.AddRange(Enumerable.Repeat(part.TypeId, values.Count));
        }

        return (ids.ToArray(), types.ToArray());
    }

    /// <summary>BERT: <c>[CLS] A [SEP]</c> and <c>[CLS] A [SEP] B [SEP]</c>, the second sequence with type 1.</summary>
    public static PostProcessor Bert(int cls, int sep)
        => new([S(cls, 0), A(0), S(sep, 0)], [S(cls, 0), A(0), S(sep, 0), B(1), S(sep, 1)]);

    /// <summary>RoBERTa: <c>&lt;s&gt; A &lt;/s&gt;</c> and <c>&lt;s&gt; A &lt;/s&gt;&lt;/s&gt; B &lt;/s&gt;</c>, every type id 0.</summary>
    public static PostProcessor Roberta(int cls, int sep)
        => new([S(cls, 0), A(0), S(sep, 0)], [S(cls, 0), A(0), S(sep, 0), S(sep, 0), B(0), S(sep, 0)]);

    /// <summary>Llama: optional BOS and EOS around each sequence; the second sequence has type 1.</summary>
    public static PostProcessor Llama(int? bos, int? eos)
    {
        Part[] Around(Part sequence, int type) =>
            [.. bos is int b ? [S(b, type)] : Array.Empty<Part>(), sequence, .. eos is int e ? [S(e, type)] : Array.Empty<Part>()];
        return new(Around(A(0), 0), [.. Around(A(0), 0), .. Around(B(1), 1)]);
    }

    /// <summary>T5: EOS after each sequence, every type id 0.</summary>
    public static PostProcessor T5(int eos) => new([A(0), S(eos, 0)], [A(0), S(eos, 0), B(0), S(eos, 0)]);

    /// <summary>The tokenizer.json <c>post_processor</c> node; null when there is none.</summary>
    public static PostProcessor? FromJson(JsonReader json, JsonElement? node, string path)
    {
        if (node is null) return null;
        string type = json.RequiredString(node.Value, "type", path);
        switch (type)
        {
            case "ByteLevel":
                return None;
            case "BertProcessing":
                return Bert(TokenPair(json, node.Value, "cls", path), TokenPair(json, node.Value, "sep", path));
            case "RobertaProcessing":
                return Roberta(TokenPair(json, node.Value, "cls", path), TokenPair(json, node.Value, "sep", path));
            case "TemplateProcessing":
                return new(Template(json, node.Value, "single", path), Template(json, node.Value, "pair", path));
            case "Sequence":
                PostProcessor? result = null;
                int i = 0;
                foreach (JsonElement child in json.Required(node.Value, "processors", path).EnumerateArray())
                {
                    PostProcessor? p = FromJson(json, child, $"{path}.processors[{i++}]");
                    if (p is not null && p != None)
                    {
                        if (result is not null) throw json.Error(JsonReader.Join(path, "processors"), "more than one processor adds special tokens");
                        result = p;
                    }
                }

                return result ?? None;
            default:
                throw json.Error(JsonReader.Join(path, "type"), $"unsupported post-processor '{type}'");
        }
    }

    private static int TokenPair(JsonReader json, JsonElement node, string name, string path)
    {
        JsonElement pair = json.Required(node, name, path);
        if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2 || !pair[1].TryGetInt32(out int id))
        {
            throw json.Error(JsonReader.Join(path, name), "expected [token, id]");
        }

        return id;
    }

    private static Part[] Template(JsonReader json, JsonElement node, string name, string path)
    {
        string partsPath = JsonReader.Join(path, name);
        JsonElement specials = json.Required(node, "special_tokens", path);
        var parts = new List<Part>();
        int i = 0;
        foreach (JsonElement item in json.Required(node, name, path).EnumerateArray())
        {
            string itemPath = $"{partsPath}[{i++}]";
            if (JsonReader.Child(item, "Sequence") is JsonElement sequence)
            {
                string id = json.RequiredString(sequence, "id", itemPath + ".Sequence");
                if (id is not ("A" or "B")) throw json.Error(itemPath + ".Sequence.id", $"expected A or B, found '{id}'");
                parts.Add(new Part(null, id == "B", json.Int(sequence, "type_id", itemPath + ".Sequence") ?? 0));
            }
            else if (JsonReader.Child(item, "SpecialToken") is JsonElement special)
            {
                string id = json.RequiredString(special, "id", itemPath + ".SpecialToken");
                JsonElement entry = JsonReader.Child(specials, id) ?? throw json.Error(JsonReader.Join(path, "special_tokens"), $"no entry for '{id}'");
                int[] ids = json.Required(entry, "ids", $"{path}.special_tokens.{id}").EnumerateArray().Select(e => e.GetInt32()).ToArray();
                parts.Add(new Part(ids, false, json.Int(special, "type_id", itemPath + ".SpecialToken") ?? 0));
            }
            else
            {
                throw json.Error(itemPath, "expected a Sequence or SpecialToken item");
            }
        }

        return parts.ToArray();
    }

    private static Part A(int type) => new(null, false, type);

    private static Part B(int type) => new(null, true, type);

    private static Part S(int id, int type) => new([id], false, type);
}
