using System.Text;
using Microsoft.ML.Tokenizers;

namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// Hugging Face BPE on top of Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>: the normalizer and
/// pre-tokenizer chains run here, each word goes through the ML BPE merges, and the pieces HF BPE has
/// that <see cref="BpeOptions"/> cannot express are added around it: <c>ignore_merges</c> (a word in
/// the vocabulary is taken whole) and <c>byte_fallback</c> (an unknown character becomes its
/// <c>&lt;0xNN&gt;</c> byte tokens), with <c>fuse_unk</c> applied to what stays unknown.
/// </summary>
internal sealed class BpeSegmentEncoder : ISegmentEncoder
{
    private readonly BpeTokenizer _bpe;
    private readonly TextNormalizer? _normalizer;
    private readonly TextPreTokenizer? _preTokenizer;
    private readonly IReadOnlyDictionary<string, int> _vocab;
    private readonly bool _byteLevel;
    private readonly bool _ignoreMerges;
    private readonly bool _byteFallback;
    private readonly bool _fuseUnknown;
    private readonly int? _unknownId;

    public BpeSegmentEncoder(BpeOptions options, IReadOnlyDictionary<string, int> vocab, TextNormalizer? normalizer, TextPreTokenizer? preTokenizer,
                             bool ignoreMerges, bool byteFallback)
    {
        _fuseUnknown = options.FuseUnknownTokens;
        options.FuseUnknownTokens = false; // fused below, per character, after byte fallback
        options.Normalizer = null;
        options.PreTokenizer = null;
        _bpe = BpeTokenizer.Create(options);
        _vocab = vocab;
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _byteLevel = options.ByteLevel;
        _ignoreMerges = ignoreMerges;
        _byteFallback = byteFallback;
        _unknownId = options.UnknownToken is null ? null : vocab[options.UnknownToken];
    }

    /// <summary>
    /// The token of merge (<paramref name="first"/>, <paramref name="second"/>) that is not in <paramref name="vocab"/>, or null:
    /// Hugging Face refuses such a merge (MergeTokenOutOfVocabulary), for both parts and for the token they merge into.
    /// </summary>
    public static string? MissingMergeToken(IReadOnlyDictionary<string, int> vocab, string first, string second, string? prefix)
    {
        string merged = first + (prefix is not null && second.StartsWith(prefix, StringComparison.Ordinal) ? second[prefix.Length..] : second);
        return new[] { first, second, merged }.FirstOrDefault(token => !vocab.ContainsKey(token));
    }

    public void Encode(string segment, bool isFirst, List<int> ids)
    {
        string text = _normalizer?.Normalize(segment) ?? segment;
        if (text.Length == 0) return;
        foreach (string word in _preTokenizer?.PreTokenize(text, isFirst) ?? [text]) EncodeWord(word, ids);
    }

    private void EncodeWord(string word, List<int> ids)
    {
        if (_ignoreMerges && _vocab.TryGetValue(_byteLevel ? ByteLevelAlphabet.Encode(word) : word, out int whole))
        {
            ids.Add(whole);
            return;
        }

        if (_unknownId is not int unknownId)
        {
            ids.AddRange(_bpe.EncodeToIds(word, considerPreTokenization: false, considerNormalization: false));
            return;
        }

        IReadOnlyList<EncodedToken> tokens = _bpe.EncodeToTokens(word, out _, considerPreTokenization: false, considerNormalization: false);
        for (int i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Id != unknownId)
            {
                ids.Add(tokens[i].Id);
                continue;
            }

            // A run of unknown tokens covers the characters the vocabulary does not have.
            int start = tokens[i].Offset.Start.GetOffset(word.Length), end = tokens[i].Offset.End.GetOffset(word.Length);
            while (i + 1 < tokens.Count && tokens[i + 1].Id == unknownId)
            {
                end = tokens[++i].Offset.End.GetOffset(word.Length);
            }

            AppendUnknown(word[start..end], unknownId, ids);
        }
    }

    private void AppendUnknown(string text, int unknownId, List<int> ids)
    {
        bool previousUnknown = false;
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (_byteFallback && TryByteTokens(rune, out int[] byteIds))
            {
                ids.AddRange(byteIds);
                previousUnknown = false;
                continue;
            }

            if (!(previousUnknown && _fuseUnknown)) ids.Add(unknownId);
            previousUnknown = true;
        }
    }

    private bool TryByteTokens(Rune rune, out int[] byteIds)
    {
        Span<byte> utf8 = stackalloc byte[4];
        int length = rune.EncodeToUtf8(utf8);
        byteIds = new int[length];
        for (int i = 0; i < length; i++)
        {
            if (!_vocab.TryGetValue($"<0x{utf8[i]:X2}>", out byteIds[i])) return false;
        }

        return true;
    }
}
