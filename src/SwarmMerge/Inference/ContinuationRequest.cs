namespace SwarmMerge.Inference;

/// <summary>A continuation to score given a context (multiple-choice options, label words).</summary>
/// <param name="Context">Context token ids; at least one.</param>
/// <param name="Continuation">Continuation token ids; at least one.</param>
public sealed record ContinuationRequest(int[] Context, int[] Continuation);
