using System.Text.Json;

namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// A Hugging Face pre-tokenizer chain from tokenizer.json (Sequence, ByteLevel, Split, Metaspace,
/// WhitespaceSplit): turns a normalized segment into the words the vocabulary model encodes one by one.
/// Byte-level words stay raw text; the byte-to-alphabet mapping is done by the BPE model.
/// </summary>
internal sealed class TextPreTokenizer(IReadOnlyList<Func<List<string>, bool, List<string>>> steps)
{
    /// <summary>GPT-2's split pattern, used by ByteLevel with <c>use_regex</c>.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static readonly CodePointRegex Gpt2Regex = CodePointRegex.TryCreate(Gpt2Pattern, out _)!;

    public List<string> PreTokenize(string text, bool isFirst)
    {
        var words = new List<string> { text };
        foreach (var step in steps) words = step(words, isFirst);
        return words;
    }

    public static TextPreTokenizer? FromJson(JsonReader json, JsonElement? node, string path)
    {
        if (node is null) return null;
        var steps = new List<Func<List<string>, bool, List<string>>>();
        Add(json, node.Value, path, steps);
        return new TextPreTokenizer(steps);
    }

    /// <summary>The ByteLevel pre-tokenizer alone (legacy GPT-2/RoBERTa files).</summary>
    public static TextPreTokenizer ByteLevel(bool addPrefixSpace) => new([ByteLevelStep(addPrefixSpace, useRegex: true)]);

    private static void Add(JsonReader json, JsonElement node, string path, List<Func<List<string>, bool, List<string>>> steps)
    {
        string type = json.RequiredString(node, "type", path);
        switch (type)
        {
            case "Sequence":
                int i = 0;
                foreach (JsonElement child in json.Required(node, "pretokenizers", path).EnumerateArray())
                {
                    Add(json, child, $"{path}.pretokenizers[{i++}]", steps);
                }

                break;
            case "ByteLevel":
                steps.Add(ByteLevelStep(json.Bool(node, "add_prefix_space", path, true), json.Bool(node, "use_regex", path, true)));
                break;
            case "Split":
                if (json.Bool(node, "invert", path, false)) throw json.Error(JsonReader.Join(path, "invert"), "inverted Split is not supported");
                CodePointRegex pattern = TextNormalizer.PatternFromJson(json, json.Required(node, "pattern", path), JsonReader.Join(path, "pattern"));
                string behavior = json.RequiredString(node, "behavior", path);
                if (behavior is not ("Isolated" or "Removed" or "MergedWithPrevious" or "MergedWithNext"))
                {
                    throw json.Error(JsonReader.Join(path, "behavior"), $"unsupported Split behavior '{behavior}'");
                }

                steps.Add((words, _) => words.SelectMany(w => Split(w, pattern, behavior)).ToList());
                break;
            case "Metaspace":
                steps.Add(MetaspaceStep(json, node, path));
                break;
            case "WhitespaceSplit":
                steps.Add((words, _) => words.SelectMany(w => w.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToList());
                break;
            default:
                throw json.Error(JsonReader.Join(path, "type"), $"unsupported pre-tokenizer '{type}'");
        }
    }

    private static Func<List<string>, bool, List<string>> ByteLevelStep(bool addPrefixSpace, bool useRegex) => (words, _) =>
    {
        var output = new List<string>();
        foreach (string word in words)
        {
            string w = addPrefixSpace && !word.StartsWith(' ') ? " " + word : word;
            if (useRegex) output.AddRange(Split(w, Gpt2Regex, "Isolated"));
            else output.Add(w);
        }

        return output;
    };

    private static Func<List<string>, bool, List<string>> MetaspaceStep(JsonReader json, JsonElement node, string path)
    {
        string replacement = json.String(node, "replacement", path) ?? "▁";
        if (replacement.Length != 1) throw json.Error(JsonReader.Join(path, "replacement"), "expected one character");
        string scheme = json.String(node, "prepend_scheme", path) ?? (json.Bool(node, "add_prefix_space", path, true) ? "always" : "never");
        if (scheme is not ("always" or "first" or "never")) throw json.Error(JsonReader.Join(path, "prepend_scheme"), $"unsupported value '{scheme}'");
        bool split = json.Bool(node, "split", path, true);
        char rep = replacement[0];
        return (words, isFirst) =>
        {
            var output = new List<string>();
            foreach (string word in words)
            {
                string w = word.Replace(' ', rep);
                if ((scheme == "always" || (scheme == "first" && isFirst)) && !w.StartsWith(rep)) w = rep + w;
                if (!split)
                {
                    output.Add(w);
                    continue;
                }

                int start = 0;
                for (int i = 1; i < w.Length; i++)
                {
                    if (w[i] == rep)
                    {
                        output.Add(w[start..i]);
                        start = i;
                    }
                }

                if (w.Length > 0) output.Add(w[start..]);
            }

            return output;
        };
    }

    /// <summary>Splits on the matches of <paramref name="pattern"/> with a Hugging Face SplitDelimiterBehavior.</summary>
    private static IEnumerable<string> Split(string text, CodePointRegex pattern, string behavior)
    {
        var pieces = new List<string>();
        int last = 0;
        string pending = "";
        foreach (var (index, length) in pattern.Matches(text))
        {
            if (length == 0) continue;
            string gap = text[last..index];
            string match = text.Substring(index, length);
            switch (behavior)
            {
                case "Isolated":
                    pieces.Add(gap);
                    pieces.Add(match);
                    break;
                case "Removed":
                    pieces.Add(gap);
                    break;
                case "MergedWithPrevious":
                    pieces.Add(gap + match);
                    break;
                default: // MergedWithNext
                    pieces.Add(pending + gap);
                    pending = match;
                    break;
            }

            last = index + length;
        }

        pieces.Add(pending + text[last..]);
        return pieces.Where(p => p.Length > 0);
    }
}
