using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace SwarmMerge.Inference.Tokenization;

/// <summary>Reads a Hugging Face tokenizer.json (models BPE, WordPiece and Unigram).</summary>
internal static class TokenizerJsonLoader
{
    public static TokenizerParts Load(string path, TokenizerConfig config)
    {
        using JsonDocument doc = JsonReader.Parse(path);
        var json = new JsonReader(path);
        try
        {
            return Load(json, doc.RootElement, config);
        }
        catch (InvalidOperationException e)
        {
            // A field of the wrong JSON type where no reader checks it, or Microsoft.ML.Tokenizers refusing the vocabulary.
            throw json.Error(null, $"cannot be used: {e.Message}");
        }
    }

    private static TokenizerParts Load(JsonReader json, JsonElement root, TokenizerConfig config)
    {
        JsonElement model = json.Required(root, "model", "");
        JsonElement? normalizer = JsonReader.Child(root, "normalizer");
        JsonElement? preTokenizer = JsonReader.Child(root, "pre_tokenizer");
        List<AddedToken> added = ReadAddedTokens(json, root, HasNormalization(normalizer));

        string type = json.String(model, "type", "model") ?? InferModelType(json, model);
        (ISegmentEncoder encoder, Dictionary<string, int> vocab, TokenizerFamily fallback) = type switch
        {
            "BPE" => LoadBpe(json, model, normalizer, preTokenizer),
            "WordPiece" => LoadWordPiece(json, model, normalizer, preTokenizer),
            "Unigram" => LoadUnigram(json, model, normalizer, preTokenizer, added),
            _ => throw json.Error("model.type", $"unsupported model '{type}' (supported: BPE, WordPiece, Unigram)"),
        };

        PostProcessor? post = PostProcessor.FromJson(json, JsonReader.Child(root, "post_processor"), "post_processor");
        TokenDecoder decoder = TokenDecoder.FromJson(json, JsonReader.Child(root, "decoder"), "decoder");
        return new TokenizerParts(encoder, vocab, added, post, decoder, TokenizerFamilies.Resolve(config, fallback), json.File);
    }

    private static string InferModelType(JsonReader json, JsonElement model)
    {
        if (JsonReader.Child(model, "merges") is not null) return "BPE";
        if (JsonReader.Child(model, "vocab") is JsonElement vocab && vocab.ValueKind == JsonValueKind.Array) return "Unigram";
        if (JsonReader.Child(model, "max_input_chars_per_word") is not null) return "WordPiece";
        throw json.Error("model.type", "missing, and the model kind cannot be inferred");
    }

    /// <summary>
    /// tokenizer.json <c>added_tokens</c>. They are matched in the raw text; Hugging Face matches a <c>normalized</c>
    /// token in the normalized text instead, which gives other splits once a normalizer changes the text (a
    /// Prepend adds its prefix after such a token too), so that combination is refused, as is <c>single_word</c>.
    /// </summary>
    private static List<AddedToken> ReadAddedTokens(JsonReader json, JsonElement root, bool hasNormalizer)
    {
        var tokens = new List<AddedToken>();
        if (JsonReader.Child(root, "added_tokens") is not JsonElement list) return tokens;
        int i = 0;
        foreach (JsonElement t in list.EnumerateArray())
        {
            string path = $"added_tokens[{i++}]";
            int id = json.Int(t, "id", path) ?? throw json.Error(path + ".id", "required field is missing");
            bool special = json.Bool(t, "special", path, false);
            if (json.Bool(t, "single_word", path, false)) throw json.Error(path + ".single_word", "single-word added tokens are not supported");
            // Hugging Face's default: special tokens are matched before normalization, the others after it.
            if (hasNormalizer && json.Bool(t, "normalized", path, !special))
            {
                throw json.Error(path + ".normalized", "added tokens matched after normalization are not supported with a normalizer (SwarmMerge matches added tokens in the raw text)");
            }

            tokens.Add(new AddedToken(json.RequiredString(t, "content", path), id, special,
                json.Bool(t, "lstrip", path, false), json.Bool(t, "rstrip", path, false)));
        }

        return tokens;
    }

    /// <summary>True when the <c>normalizer</c> node can change text (an empty Sequence cannot).</summary>
    private static bool HasNormalization(JsonElement? node)
    {
        if (node is not JsonElement n || n.ValueKind != JsonValueKind.Object) return false;
        if (JsonReader.Child(n, "type")?.GetString() != "Sequence") return true;
        return JsonReader.Child(n, "normalizers") is JsonElement list && list.ValueKind == JsonValueKind.Array && list.EnumerateArray().Any(c => HasNormalization(c));
    }

    private static Dictionary<string, int> ReadVocabObject(JsonReader json, JsonElement model)
    {
        JsonElement vocab = json.Required(model, "vocab", "model");
        if (vocab.ValueKind != JsonValueKind.Object) throw json.Error("model.vocab", "expected an object of token to id");
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (JsonProperty p in vocab.EnumerateObject())
        {
            result[p.Name] = p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out int id) ? id : throw json.Error($"model.vocab.{p.Name}", "expected an integer id");
        }

        return result;
    }

    private static (ISegmentEncoder, Dictionary<string, int>, TokenizerFamily) LoadBpe(JsonReader json, JsonElement model, JsonElement? normalizer, JsonElement? preTokenizer)
    {
        Dictionary<string, int> vocab = ReadVocabObject(json, model);
        if (vocab.Count == 0) throw json.Error("model.vocab", "the vocabulary is empty");
        string? prefix = NullIfEmpty(json.String(model, "continuing_subword_prefix", "model"));
        var merges = new List<string>();
        int i = 0;
        foreach (JsonElement merge in json.Required(model, "merges", "model").EnumerateArray())
        {
            string path = $"model.merges[{i++}]";
            string[] pair = merge.ValueKind switch
            {
                JsonValueKind.Array => merge.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : "").ToArray(),
                JsonValueKind.String => merge.GetString()!.Split(' '),
                _ => [],
            };
            if (pair.Length != 2 || pair.Any(p => p.Length == 0 || p.Contains(' ')))
            {
                throw json.Error(path, "expected two tokens without spaces (Microsoft.ML.Tokenizers stores merges as \"a b\")");
            }
            if (BpeSegmentEncoder.MissingMergeToken(vocab, pair[0], pair[1], prefix) is string missing)
            {
                throw json.Error(path, $"merges into or from '{missing}', which is not in the vocabulary");
            }

            merges.Add($"{pair[0]} {pair[1]}");
        }

        if (JsonReader.Child(model, "dropout") is JsonElement dropout && !(dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() == 0))
        {
            throw json.Error("model.dropout", "BPE dropout is not supported (encoding would be random)");
        }

        string? unknown = json.String(model, "unk_token", "model");
        if (unknown is not null && !vocab.ContainsKey(unknown)) throw json.Error("model.unk_token", $"'{unknown}' is not in the vocabulary");
        bool byteLevel = UsesByteLevel(preTokenizer);
        var options = new BpeOptions(vocab)
        {
            Merges = merges,
            UnknownToken = unknown,
            FuseUnknownTokens = json.Bool(model, "fuse_unk", "model", false),
            ContinuingSubwordPrefix = prefix,
            EndOfWordSuffix = NullIfEmpty(json.String(model, "end_of_word_suffix", "model")),
            ByteLevel = byteLevel,
        };
        var encoder = new BpeSegmentEncoder(options, vocab,
            TextNormalizer.FromJson(json, normalizer, "normalizer", precompiled: null),
            TextPreTokenizer.FromJson(json, preTokenizer, "pre_tokenizer"),
            ignoreMerges: json.Bool(model, "ignore_merges", "model", false),
            byteFallback: json.Bool(model, "byte_fallback", "model", false));
        return (encoder, vocab, byteLevel ? TokenizerFamily.Gpt2 : TokenizerFamily.Llama);
    }

    private static (ISegmentEncoder, Dictionary<string, int>, TokenizerFamily) LoadWordPiece(JsonReader json, JsonElement model, JsonElement? normalizer, JsonElement? preTokenizer)
    {
        Dictionary<string, int> vocab = ReadVocabObject(json, model);
        string? preType = preTokenizer is JsonElement p ? json.String(p, "type", "pre_tokenizer") : null;
        if (preType != "BertPreTokenizer") throw json.Error("pre_tokenizer.type", $"WordPiece is supported with BertPreTokenizer only, found '{preType ?? "null"}'");
        string? normType = normalizer is JsonElement n ? json.String(n, "type", "normalizer") : null;
        if (normType is not (null or "BertNormalizer")) throw json.Error("normalizer.type", $"WordPiece is supported with BertNormalizer only, found '{normType}'");

        bool lowercase = normalizer is not JsonElement bn || json.Bool(bn, "lowercase", "normalizer", true);
        bool? stripAccents = normalizer is JsonElement sn && JsonReader.Child(sn, "strip_accents") is not null ? json.Bool(sn, "strip_accents", "normalizer", false) : null;
        bool chinese = normalizer is not JsonElement cn || json.Bool(cn, "handle_chinese_chars", "normalizer", true);
        bool clean = normalizer is not JsonElement tn || json.Bool(tn, "clean_text", "normalizer", true);
        string unknown = json.RequiredString(model, "unk_token", "model");
        if (!vocab.ContainsKey(unknown)) throw json.Error("model.unk_token", $"'{unknown}' is not in the vocabulary");
        var encoder = WordPieceSegmentEncoder.Create(TokensById(json, vocab, "model.vocab"),
            new BertBasicTokenizer(clean, chinese, stripAccents ?? lowercase, lowercase), unknown,
            json.String(model, "continuing_subword_prefix", "model") ?? "##",
            json.Int(model, "max_input_chars_per_word", "model") ?? 100);
        return (encoder, vocab, TokenizerFamily.Bert);
    }

    internal static List<string> TokensById(JsonReader json, IReadOnlyDictionary<string, int> vocab, string field)
    {
        var tokens = new string?[vocab.Count == 0 ? 0 : vocab.Values.Max() + 1];
        foreach (var (token, id) in vocab)
        {
            if (id < 0) throw json.Error(field, $"negative id for '{token}'");
            tokens[id] = token;
        }

        int gap = Array.IndexOf(tokens, null);
        if (gap >= 0) throw json.Error(field, $"no token has id {gap} (WordPiece vocabularies must be contiguous)");
        return tokens.ToList()!;
    }

    private static (ISegmentEncoder, Dictionary<string, int>, TokenizerFamily) LoadUnigram(JsonReader json, JsonElement model, JsonElement? normalizer, JsonElement? preTokenizer, List<AddedToken> added)
    {
        int unknownId = json.Int(model, "unk_id", "model") ?? throw json.Error("model.unk_id", "a Unigram model without unk_id is not supported");
        bool byteFallback = json.Bool(model, "byte_fallback", "model", false);
        var specialIds = added.Where(t => t.Special).Select(t => t.Id).ToHashSet();
        var pieces = new List<(string, float, SentencePieceModelWriter.PieceType)>();
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        int i = 0;
        foreach (JsonElement entry in json.Required(model, "vocab", "model").EnumerateArray())
        {
            string path = $"model.vocab[{i}]";
            if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() != 2 || entry[0].ValueKind != JsonValueKind.String
                || entry[1].ValueKind != JsonValueKind.Number || entry[0].GetString() is not string piece)
            {
                throw json.Error(path, "expected [piece, score]");
            }

            var type = i == unknownId ? SentencePieceModelWriter.PieceType.Unknown
                : specialIds.Contains(i) ? SentencePieceModelWriter.PieceType.Control
                : byteFallback && IsByteToken(piece) ? SentencePieceModelWriter.PieceType.Byte
                : SentencePieceModelWriter.PieceType.Normal;
            pieces.Add((piece, (float)entry[1].GetDouble(), type));
            vocab.TryAdd(piece, i);
            i++;
        }

        if (unknownId < 0 || unknownId >= pieces.Count) throw json.Error("model.unk_id", $"{unknownId} is outside the vocabulary");
        byte[] charsmap = FindPrecompiledCharsmap(json, normalizer, "normalizer") ?? [];
        using var proto = new MemoryStream(SentencePieceModelWriter.WriteUnigram(pieces, unknownId, byteFallback, charsmap));
        SentencePieceTokenizer sp = SentencePieceTokenizer.Create(proto, addBeginningOfSentence: false, addEndOfSentence: false);
        // SentencePieceNormalizer.Normalize(string) ignores the charsmap; the encoding path applies it and reports the normalized text.
        Func<string, string> precompiled = s =>
        {
            sp.EncodeToTokens(s, out string? normalized, addBeginningOfSentence: false, addEndOfSentence: false, considerPreTokenization: false, considerNormalization: true);
            return normalized ?? s;
        };
        var encoder = new UnigramSegmentEncoder(sp,
            TextNormalizer.FromJson(json, normalizer, "normalizer", precompiled),
            TextPreTokenizer.FromJson(json, preTokenizer, "pre_tokenizer"));
        return (encoder, vocab, TokenizerFamily.T5);
    }

    private static byte[]? FindPrecompiledCharsmap(JsonReader json, JsonElement? node, string path)
    {
        if (node is not JsonElement n) return null;
        string? type = json.String(n, "type", path);
        if (type == "Precompiled")
        {
            string? data = json.String(n, "precompiled_charsmap", path);
            try
            {
                return data is null ? [] : Convert.FromBase64String(data);
            }
            catch (FormatException e)
            {
                throw new TokenizerFormatException(json.File, JsonReader.Join(path, "precompiled_charsmap"), "not valid base64", e);
            }
        }

        if (type != "Sequence") return null;
        int i = 0;
        foreach (JsonElement child in json.Required(n, "normalizers", path).EnumerateArray())
        {
            if (FindPrecompiledCharsmap(json, child, $"{path}.normalizers[{i++}]") is byte[] found) return found;
        }

        return null;
    }

    private static bool IsByteToken(string piece) => piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>';

    private static bool UsesByteLevel(JsonElement? preTokenizer)
    {
        if (preTokenizer is not JsonElement node || node.ValueKind != JsonValueKind.Object) return false;
        if (JsonReader.Child(node, "type")?.GetString() == "ByteLevel") return true;
        return JsonReader.Child(node, "pretokenizers") is JsonElement list && list.EnumerateArray().Any(c => UsesByteLevel(c));
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
