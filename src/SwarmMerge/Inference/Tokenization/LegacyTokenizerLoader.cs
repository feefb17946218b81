using System.Text.Json;
using Microsoft.ML.Tokenizers;
using SwarmMerge.IO;

namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// Reads the files of Hugging Face's slow tokenizers when a checkpoint has no tokenizer.json:
/// vocab.json + merges.txt (GPT-2 / RoBERTa byte-level BPE), vocab.txt (BERT WordPiece),
/// tokenizer.model / spiece.model (SentencePiece, e.g. Llama 2 and T5).
/// </summary>
internal static class LegacyTokenizerLoader
{
    /// <summary>The parts for the legacy files in <paramref name="directory"/>, or null when there are none.</summary>
    public static TokenizerParts? TryLoad(string directory, TokenizerConfig config)
    {
        string vocabJson = Path.Combine(directory, "vocab.json"), merges = Path.Combine(directory, "merges.txt");
        if (File.Exists(vocabJson) && File.Exists(merges)) return LoadByteLevelBpe(vocabJson, merges, config);

        string vocabTxt = Path.Combine(directory, "vocab.txt");
        if (File.Exists(vocabTxt)) return LoadWordPiece(vocabTxt, config);

        foreach (var (name, family) in new[] { ("tokenizer.model", TokenizerFamily.Llama), ("spiece.model", TokenizerFamily.T5) })
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path)) return LoadSentencePiece(path, TokenizerFamilies.Resolve(config, family));
        }

        return null;
    }

    private static TokenizerParts LoadByteLevelBpe(string vocabPath, string mergesPath, TokenizerConfig config)
    {
        Dictionary<string, int> vocab;
        try
        {
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(InputFiles.ReadAllText(vocabPath)) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException(vocabPath, null, $"expected an object of token to id: {JsonErrors.Describe(e)}", e);
        }
        if (vocab.Count == 0) throw new TokenizerFormatException(vocabPath, null, "the vocabulary is empty");

        var mergeLines = new List<string>();
        int lineNumber = 0;
        foreach (string line in InputFiles.ReadAllLines(mergesPath))
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal))) continue;
            string[] pair = line.Split(' ');
            if (pair.Length != 2) throw new TokenizerFormatException(mergesPath, $"line {lineNumber}", "expected two tokens separated by one space");
            if (BpeSegmentEncoder.MissingMergeToken(vocab, pair[0], pair[1], prefix: null) is string missing)
            {
                throw new TokenizerFormatException(mergesPath, $"line {lineNumber}", $"merges into or from '{missing}', which is not in vocab.json");
            }
            mergeLines.Add(line);
        }

        var options = new BpeOptions(vocab) { Merges = mergeLines, ByteLevel = true };
        var encoder = new BpeSegmentEncoder(options, vocab, normalizer: null, TextPreTokenizer.ByteLevel(config.AddPrefixSpace ?? false), ignoreMerges: false, byteFallback: false);
        return new TokenizerParts(encoder, vocab, [], null, TokenDecoder.ByteLevel, TokenizerFamilies.Resolve(config, TokenizerFamily.Gpt2), vocabPath);
    }

    private static TokenizerParts LoadWordPiece(string vocabPath, TokenizerConfig config)
    {
        var tokens = InputFiles.ReadAllLines(vocabPath);
        if (tokens.Count > 0 && tokens[^1].Length == 0) tokens.RemoveAt(tokens.Count - 1);
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < tokens.Count; i++) vocab.TryAdd(tokens[i], i);

        bool lowercase = config.DoLowerCase ?? true;
        string unknown = config.Specials.GetValueOrDefault("unk_token", "[UNK]");
        if (!vocab.ContainsKey(unknown)) throw new TokenizerFormatException(vocabPath, null, $"the unknown token '{unknown}' is not in the vocabulary");
        var basic = new BertBasicTokenizer(cleanText: true, config.TokenizeChineseChars ?? true, config.StripAccents ?? lowercase, lowercase);
        return new TokenizerParts(WordPieceSegmentEncoder.Create(tokens, basic, unknown, "##", 100), vocab, [], null, TokenDecoder.WordPiece,
            TokenizerFamilies.Resolve(config, TokenizerFamily.Bert), vocabPath);
    }

    private static TokenizerParts LoadSentencePiece(string path, TokenizerFamily family)
    {
        SentencePieceTokenizer model;
        byte[] bytes = InputFiles.ReadAllBytes(path);
        try
        {
            using var stream = new MemoryStream(SentencePieceModelWriter.WithBosEosPresent(bytes));
            model = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception e) when (e is not TokenizerFormatException)
        {
            throw new TokenizerFormatException(path, null, $"Microsoft.ML.Tokenizers cannot load this SentencePiece model: {e.Message}", e);
        }

        var vocab = model.Vocabulary.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        return new TokenizerParts(new SentencePieceSegmentEncoder(model), vocab, [], null, TokenDecoder.SentencePiece(model.AddDummyPrefix), family, path);
    }
}
