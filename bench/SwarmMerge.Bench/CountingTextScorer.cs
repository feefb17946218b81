using SwarmMerge.Evaluation;
using SwarmMerge.Inference.Tokenization;

namespace SwarmMerge.Bench;

/// <summary>
/// Passes log-likelihood requests to the engine and counts the tokens they cost: each request is one sequence of
/// context + continuation − 1 tokens (the last continuation token is only predicted), in right-padded batches of
/// <paramref name="batchSize"/>, longest first, as the engine runs them; a continuation token is one row of logits.
/// Generation is refused: its tokens are not counted here.
/// </summary>
internal sealed class CountingTextScorer(ITextScorer inner, CheckpointTokenizer tokenizer, int batchSize) : ITextScorer
{
    /// <summary>Real (unpadded) tokens fed to the model.</summary>
    public long Tokens { get; private set; }

    /// <summary>Tokens fed including the batches' right padding (what the engine computes).</summary>
    public long PaddedTokens { get; private set; }

    /// <summary>Positions whose next-token logits are computed (one per continuation token).</summary>
    public long LogitRows { get; private set; }

    /// <summary>Requests (sequences) scored.</summary>
    public long Requests { get; private set; }

    /// <inheritdoc />
    public IReadOnlyList<double> LogLikelihoods(IReadOnlyList<(string Context, string Continuation)> requests)
    {
        var lengths = new List<int>();
        foreach (var (context, continuation) in requests)
        {
            int contextTokens = Math.Max(1, tokenizer.Encode(context, addSpecialTokens: true).Length);
            int continuationTokens = tokenizer.Encode(continuation, addSpecialTokens: false).Length;
            lengths.Add(contextTokens + continuationTokens - 1);
            LogitRows += continuationTokens;
        }
        Requests += requests.Count;
        Tokens += lengths.Sum();
        PaddedTokens += lengths.OrderDescending().Chunk(batchSize).Sum(batch => (long)batch[0] * batch.Length);
        return inner.LogLikelihoods(requests);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Generate(IReadOnlyList<string> prompts, int maxNewTokens, IReadOnlyList<string> stop) =>
        throw new NotSupportedException("The scale benchmark counts log-likelihood tokens only: use classification and multiple-choice tasks.");
}
