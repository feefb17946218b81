using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// Turns token strings back into text like Hugging Face decoders: ByteLevel, Metaspace, WordPiece,
/// and Sequence of Replace / ByteFallback / Fuse / Strip. Microsoft.ML.Tokenizers' Decode methods
/// cannot be configured from a tokenizer.json decoder node and do not know the added tokens, so
/// decoding works on the token strings here.
/// </summary>
internal sealed class TokenDecoder(IReadOnlyList<Func<List<string>, List<string>>> steps)
{
    public string Decode(List<string> tokens)
    {
        foreach (var step in steps) tokens = step(tokens);
        return string.Concat(tokens);
    }

    /// <summary>Joins the tokens unchanged.</summary>
    public static TokenDecoder Concatenate { get; } = new([]);

    /// <summary>GPT-2 / RoBERTa byte-level decoding.</summary>
    public static TokenDecoder ByteLevel { get; } = new([ByteLevelStep]);

    /// <summary>BERT WordPiece decoding (<c>##</c> continuation, tokenization-space cleanup).</summary>
    public static TokenDecoder WordPiece { get; } = new([WordPieceStep("##", cleanup: true)]);

    /// <summary>SentencePiece decoding as in Hugging Face's Llama tokenizer.json: ▁ to space, byte fallback, strip the dummy prefix space.</summary>
    public static TokenDecoder SentencePiece(bool stripDummyPrefix)
    {
        var steps = new List<Func<List<string>, List<string>>> { ReplaceStep("▁", " "), ByteFallbackStep, FuseStep };
        if (stripDummyPrefix) steps.Add(StripStep(' ', 1, 0));
        return new TokenDecoder(steps);
    }

    public static TokenDecoder FromJson(JsonReader json, JsonElement? node, string path)
    {
        if (node is null) return Concatenate;
        var steps = new List<Func<List<string>, List<string>>>();
        Add(json, node.Value, path, steps);
        return new TokenDecoder(steps);
    }

    private static void Add(JsonReader json, JsonElement node, string path, List<Func<List<string>, List<string>>> steps)
    {
        string type = json.RequiredString(node, "type", path);
        switch (type)
        {
            case "Sequence":
                int i = 0;
                foreach (JsonElement child in json.Required(node, "decoders", path).EnumerateArray())
                {
                    Add(json, child, $"{path}.decoders[{i++}]", steps);
                }

                break;
            case "ByteLevel": steps.Add(ByteLevelStep); break;
            case "ByteFallback": steps.Add(ByteFallbackStep); break;
            case "Fuse": steps.Add(FuseStep); break;
            case "Replace":
                JsonElement pattern = json.Required(node, "pattern", path);
                string from = json.String(pattern, "String", JsonReader.Join(path, "pattern"))
                    ?? throw json.Error(JsonReader.Join(path, "pattern"), "only a String pattern is supported in a Replace decoder");
                steps.Add(ReplaceStep(from, json.RequiredString(node, "content", path)));
                break;
            case "Strip":
                string content = json.RequiredString(node, "content", path);
                if (content.Length != 1) throw json.Error(JsonReader.Join(path, "content"), "expected one character");
                steps.Add(StripStep(content[0], json.Int(node, "start", path) ?? 0, json.Int(node, "stop", path) ?? 0));
                break;
            case "Metaspace":
                string replacement = json.String(node, "replacement", path) ?? "▁";
                string scheme = json.String(node, "prepend_scheme", path) ?? (json.Bool(node, "add_prefix_space", path, true) ? "always" : "never");
                steps.Add(MetaspaceStep(replacement, dropInFirst: scheme != "never"));
                break;
            case "WordPiece":
                steps.Add(WordPieceStep(json.String(node, "prefix", path) ?? "##", json.Bool(node, "cleanup", path, true)));
                break;
            default:
                throw json.Error(JsonReader.Join(path, "type"), $"unsupported decoder '{type}'");
        }
    }

    private static List<string> ByteLevelStep(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (string token in tokens) ByteLevelAlphabet.AppendBytes(token, bytes);
        return [Encoding.UTF8.GetString(bytes.ToArray())];
    }

    private static List<string> FuseStep(List<string> tokens) => [string.Concat(tokens)];

    /// <summary><c>&lt;0xNN&gt;</c> runs become their UTF-8 text, or one U+FFFD per byte when invalid (as HF).</summary>
    private static List<string> ByteFallbackStep(List<string> tokens)
    {
        var output = new List<string>();
        var pending = new List<byte>();
        foreach (string token in tokens)
        {
            if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                && byte.TryParse(token.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte b))
            {
                pending.Add(b);
                continue;
            }

            Flush(pending, output);
            output.Add(token);
        }

        Flush(pending, output);
        return output;

        static void Flush(List<byte> pending, List<string> output)
        {
            if (pending.Count == 0) return;
            try
            {
                output.Add(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(pending.ToArray()));
            }
            catch (DecoderFallbackException)
            {
                output.AddRange(Enumerable.Repeat("\uFFFD", pending.Count));
            }

            pending.Clear();
        }
    }

    private static Func<List<string>, List<string>> ReplaceStep(string from, string to) => tokens => tokens.Select(t => t.Replace(from, to)).ToList();

    private static Func<List<string>, List<string>> StripStep(char content, int start, int stop) => tokens => tokens.Select(t =>
    {
        int left = 0, right = t.Length;
        while (left < start && left < t.Length && t[left] == content) left++;
        while (t.Length - right < stop && right > left && t[right - 1] == content) right--;
        return t[left..right];
    }).ToList();

    private static Func<List<string>, List<string>> MetaspaceStep(string replacement, bool dropInFirst)
        => tokens => tokens.Select((t, i) => t.Replace(replacement, i == 0 && dropInFirst ? "" : " ")).ToList();

    private static Func<List<string>, List<string>> WordPieceStep(string prefix, bool cleanup) => tokens => tokens.Select((t, i) =>
    {
        if (i != 0) t = t.StartsWith(prefix, StringComparison.Ordinal) ? t[prefix.Length..] : " " + t;
        return cleanup ? CleanUpTokenization(t).Replace(" do not", " don't") : t;
    }).ToList();

    /// <summary>transformers' <c>clean_up_tokenization</c>: removes the spaces tokenization put before punctuation and contractions.</summary>
    public static string CleanUpTokenization(string text) => text
        .Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",").Replace(" ' ", "'")
        .Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" 's", "'s").Replace(" 've", "'ve").Replace(" 're", "'re");
}
