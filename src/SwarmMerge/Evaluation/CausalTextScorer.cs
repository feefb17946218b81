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
        var options = new GenerationOptions
        {
            MaxNewTokens = maxNewTokens,
            StopTokenIds = StopTokens(model.EosTokenIds, tokenizer),
            StopWhen = stop.Count == 0 ? null : (_, tokens) => StopStrings.Contains(tokenizer.Decode(tokens), stop),
        };
        return model.Generate(prompts.Select(EncodePrompt).ToList(), options)
            .Select(tokens => StopStrings.Cut(tokenizer.Decode(tokens), stop)).ToList();
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

    internal static HashSet<int> StopTokens(IReadOnlyList<int> configEos, CheckpointTokenizer tokenizer)
    {
        var stops = new HashSet<int>(configEos);
        if (tokenizer.EosId is int eos)
        {
            stops.Add(eos);
        }
        return stops;
    }
}

/// <summary>Stop strings of generation tasks.</summary>
internal static class StopStrings
{
    public static bool Contains(string text, IReadOnlyList<string> stop) => stop.Any(s => text.Contains(s, StringComparison.Ordinal));

    /// <summary>The text before the first occurrence of any stop string.</summary>
    public static string Cut(string text, IReadOnlyList<string> stop)
    {
        int end = text.Length;
        foreach (string s in stop)
        {
            int at = text.IndexOf(s, StringComparison.Ordinal);
            if (at >= 0 && at < end)
            {
                end = at;
            }
        }
        return text[..end];
    }
}
