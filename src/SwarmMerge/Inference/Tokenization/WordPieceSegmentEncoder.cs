using Microsoft.ML.Tokenizers;

namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// BERT-style WordPiece: <see cref="BertBasicTokenizer"/> (HF BertNormalizer + BertPreTokenizer) splits
/// the text into words, and Microsoft.ML.Tokenizers' <see cref="WordPieceTokenizer"/> applies the greedy
/// longest-match-first WordPiece model to each word.
/// </summary>
internal sealed class WordPieceSegmentEncoder(BertBasicTokenizer basic, WordPieceTokenizer wordPiece) : ISegmentEncoder
{
    public void Encode(string segment, bool isFirst, List<int> ids)
    {
        foreach (string word in basic.Tokenize(segment))
        {
            ids.AddRange(wordPiece.EncodeToIds(word, considerPreTokenization: false, considerNormalization: false));
        }
    }

    /// <summary>Creates the ML WordPiece model from vocabulary tokens in id order.</summary>
    public static WordPieceSegmentEncoder Create(IReadOnlyList<string> tokensById, BertBasicTokenizer basic, string unknownToken, string prefix, int maxInputCharsPerWord)
    {
        using var vocab = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', tokensById) + "\n"));
        var options = new WordPieceOptions
        {
            UnknownToken = unknownToken,
            ContinuingSubwordPrefix = prefix,
            MaxInputCharsPerWord = maxInputCharsPerWord,
            PreTokenizer = null,
            Normalizer = null,
        };
        return new WordPieceSegmentEncoder(basic, WordPieceTokenizer.Create(vocab, options));
    }
}
