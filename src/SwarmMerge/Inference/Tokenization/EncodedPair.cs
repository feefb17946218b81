namespace SwarmMerge.Inference.Tokenization;

/// <summary>A tokenized sentence pair: the ids and, for each id, its token type (segment) id.</summary>
/// <param name="Ids">Token ids, special tokens included.</param>
/// <param name="TypeIds">Token type ids (0 for the first sequence; 1 for the second where the model family uses it).</param>
public sealed record EncodedPair(int[] Ids, int[] TypeIds);
