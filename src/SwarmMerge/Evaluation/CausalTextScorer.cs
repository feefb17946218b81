using SwarmMerge.Inference;
using SwarmMerge.Inference.Tokenization;

namespace SwarmMerge.Evaluation;

/// <summary>A decoder-only model with its tokenizer, as tasks see it.</summary>
public sealed class CausalTextScorer(CausalLanguageModel model, CheckpointTokenizer tokenizer) : ITextScorer
{
    /// <inheritdoc />
    /// <remarks>
    /// The context is encoded with the tokenizer's special tokens (e.g. Llama's BOS) and the continuation
    /// without, separately, as evaluation harnesses do; a context that encodes to nothing (GPT-2 has no BOS)
    /// starts from the BOS or EOS token.
    /// </remarks>
    public IReadOnlyList<double> LogLikelihoods(IReadOnlyList<(string Context, string Continuation)> requests)
    {
        var encoded = requests.Select(r => new ContinuationRequest(EncodePrompt(r.Context), tokenizer.Encode(r.Continuation, addSpecialTokens: false))).ToList();
        var empty = encoded.FindIndex(r => r.Continuation.Length == 0);
        if (empty >= 0)
        {
            throw new ArgumentException($"The continuation \"{requests[empty].Continuation}\" encodes to no tokens.", nameof(requests));
        }
        return model.LogLikelihoods(encoded).Select(l => l.Sum).ToList();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Generate(IReadOnlyList<string> prompts, int maxNewTokens, IReadOnlyList<string> stop)
    {
        var stops = new TextStops(tokenizer, model.EosTokenIds, stop);
        return model.Generate(prompts.Select(EncodePrompt).ToList(), stops.Options(maxNewTokens)).Select(stops.Text).ToList();
    }

    private int[] EncodePrompt(string text)
    {
        var ids = tokenizer.Encode(text, addSpecialTokens: true);
        if (ids.Length > 0 && ids[^1] == tokenizer.EosId && !text.EndsWith(tokenizer.IdToToken(ids[^1]) ?? "\0", StringComparison.Ordinal))
        {
            ids = ids[..^1]; // a tokenizer that appends EOS would make the prompt look finished
        }
        if (ids.Length == 0)
        {
            int start = tokenizer.BosId ?? tokenizer.EosId ?? model.EosTokenIds.FirstOrDefault(-1);
            ids = start >= 0 ? [start] : throw new ArgumentException("An empty prompt needs a BOS or EOS token to start from, and the tokenizer has neither.");
        }
        return ids;
    }
}
