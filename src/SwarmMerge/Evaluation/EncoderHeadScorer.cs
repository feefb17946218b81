using SwarmMerge.Inference;
using SwarmMerge.Inference.Tokenization;

namespace SwarmMerge.Evaluation;

/// <summary>An encoder with a sequence-classification head (BERT, RoBERTa) and its tokenizer, as tasks see it.</summary>
public sealed class EncoderHeadScorer(SequenceClassificationModel model, CheckpointTokenizer tokenizer) : IHeadScorer
{
    /// <inheritdoc />
    public IReadOnlyList<float[]> Outputs(IReadOnlyList<(string Text, string? Pair)> inputs) =>
        model.Classify(inputs.Select(i =>
        {
            if (i.Pair is null)
            {
                return new EncoderInput(tokenizer.Encode(i.Text));
            }
            var pair = tokenizer.EncodePair(i.Text, i.Pair);
            return new EncoderInput(pair.Ids, pair.TypeIds);
        }).ToList());
}
