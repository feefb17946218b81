namespace SwarmMerge.Evaluation;

/// <summary>A language model as tasks see it: text in, log-likelihoods and generations out.</summary>
public interface ITextScorer
{
    /// <summary>For each (context, continuation): the summed log-likelihood of the continuation's tokens after the context.</summary>
    IReadOnlyList<double> LogLikelihoods(IReadOnlyList<(string Context, string Continuation)> requests);

    /// <summary>Greedy continuations of <paramref name="prompts"/>, cut before the first stop string.</summary>
    IReadOnlyList<string> Generate(IReadOnlyList<string> prompts, int maxNewTokens, IReadOnlyList<string> stop);
}

/// <summary>A model with a classification or regression head: text (or a text pair) in, head outputs out.</summary>
public interface IHeadScorer
{
    /// <summary>The head's outputs (logits, or one number for regression) for each input.</summary>
    IReadOnlyList<float[]> Outputs(IReadOnlyList<(string Text, string? Pair)> inputs);
}
