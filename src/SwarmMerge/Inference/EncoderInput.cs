namespace SwarmMerge.Inference;

/// <summary>One encoder input: token ids and, for sentence pairs, token type (segment) ids.</summary>
/// <param name="InputIds">Token ids, special tokens included.</param>
/// <param name="TokenTypeIds">Segment ids, as long as <paramref name="InputIds"/>; null for all zeros.</param>
public sealed record EncoderInput(int[] InputIds, int[]? TokenTypeIds = null);
