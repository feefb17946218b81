namespace SwarmMerge.Inference;

/// <summary>Greedy decoding settings.</summary>
public sealed record GenerationOptions
{
    /// <summary>Most tokens generated per prompt.</summary>
    public int MaxNewTokens { get; init; } = 32;

    /// <summary>Tokens that end a sequence (kept as its last token); null uses the config's <c>eos_token_id</c>.</summary>
    public IReadOnlyCollection<int>? StopTokenIds { get; init; }

    /// <summary>
    /// Called after each new token with the prompt's index and its tokens generated so far; returning true ends that
    /// sequence (e.g. decode the tokens and look for a stop string).
    /// </summary>
    public Func<int, IReadOnlyList<int>, bool>? StopWhen { get; init; }

    /// <summary>Reuse keys and values of earlier positions (true, default) or recompute the whole sequence every step.</summary>
    public bool UseCache { get; init; } = true;
}
