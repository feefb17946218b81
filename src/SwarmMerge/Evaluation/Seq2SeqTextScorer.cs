using SwarmMerge.Inference;
using SwarmMerge.Inference.Tokenization;

namespace SwarmMerge.Evaluation;

/// <summary>An encoder-decoder model (T5) with its tokenizer, as tasks see it: the prompt goes to the encoder, answers are decoder targets.</summary>
public sealed class Seq2SeqTextScorer(Seq2SeqLanguageModel model, CheckpointTokenizer tokenizer) : ITextScorer
{
    /// <inheritdoc />
    /// <remarks>The target is scored with its end-of-sequence token, as T5 is trained to produce it.</remarks>
    public IReadOnlyList<double> LogLikelihoods(IReadOnlyList<(string Context, string Continuation)> requests)
    {
        var encoded = requests.Select(r => new Seq2SeqRequest(tokenizer.Encode(r.Context), Target(r.Continuation))).ToList();
        return model.LogLikelihoods(encoded).Select(l => l.Sum).ToList();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Generate(IReadOnlyList<string> prompts, int maxNewTokens, IReadOnlyList<string> stop)
    {
        var stops = new TextStops(tokenizer, model.EosTokenIds, stop);
        return model.Generate(prompts.Select(p => tokenizer.Encode(p)).ToList(), stops.Options(maxNewTokens)).Select(stops.Text).ToList();
    }

    private int[] Target(string text)
    {
        var ids = tokenizer.Encode(text.TrimStart(), addSpecialTokens: false);
        int eos = tokenizer.EosId ?? model.EosTokenIds[0];
        return ids.Length > 0 && ids[^1] == eos ? ids : [.. ids, eos];
    }
}
