namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// A token matched verbatim in the input before normalization (Hugging Face "added token"):
/// <paramref name="LStrip"/>/<paramref name="RStrip"/> absorb whitespace on that side of the match.
/// </summary>
internal sealed record AddedToken(string Content, int Id, bool Special, bool LStrip = false, bool RStrip = false);
