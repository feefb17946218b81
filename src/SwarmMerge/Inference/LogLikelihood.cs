namespace SwarmMerge.Inference;

/// <summary>The log-likelihood of a continuation (or a target sequence).</summary>
/// <param name="Sum">Sum of the per-token log-probabilities (accumulated in double).</param>
/// <param name="PerToken">Natural-log probability of each continuation token.</param>
/// <param name="IsGreedy">True when every continuation token is the arg-max of its position's logits.</param>
public sealed record LogLikelihood(double Sum, float[] PerToken, bool IsGreedy);
