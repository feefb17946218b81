using Microsoft.ML.Tokenizers;

namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// A SentencePiece model file (tokenizer.model / spiece.model, BPE or Unigram) through
/// Microsoft.ML.Tokenizers' <see cref="SentencePieceTokenizer"/>, with the model's own normalization
/// (charsmap, dummy prefix, whitespace handling, byte fallback): what Hugging Face's slow
/// SentencePiece tokenizers do for each piece of text between added tokens.
/// </summary>
internal sealed class SentencePieceSegmentEncoder(SentencePieceTokenizer model) : ISegmentEncoder
{
    public void Encode(string segment, bool isFirst, List<int> ids)
    {
        var piece = new List<int>();
        UnknownFusion.AppendFused(model.EncodeToIds(segment, addBeginningOfSentence: false, addEndOfSentence: false), model.UnknownId, piece);
        ids.AddRange(piece);
    }
}
