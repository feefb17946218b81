using Microsoft.ML.Tokenizers;

namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// A tokenizer.json Unigram model: the normalizer chain (its Precompiled charsmap applied by the ML
/// SentencePiece normalizer) and pre-tokenizer chain (Metaspace) run here; each word is segmented by
/// Microsoft.ML.Tokenizers' SentencePiece Unigram (Viterbi) without further normalization.
/// </summary>
internal sealed class UnigramSegmentEncoder(SentencePieceTokenizer model, TextNormalizer? normalizer, TextPreTokenizer? preTokenizer) : ISegmentEncoder
{
    public void Encode(string segment, bool isFirst, List<int> ids)
    {
        string text = normalizer?.Normalize(segment) ?? segment;
        if (text.Length == 0) return;
        foreach (string word in preTokenizer?.PreTokenize(text, isFirst) ?? [text])
        {
            var piece = new List<int>();
            UnknownFusion.AppendFused(model.EncodeToIds(word, addBeginningOfSentence: false, addEndOfSentence: false, considerPreTokenization: false, considerNormalization: false), model.UnknownId, piece);
            ids.AddRange(piece);
        }
    }
}
