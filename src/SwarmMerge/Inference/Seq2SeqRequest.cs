namespace SwarmMerge.Inference;

/// <summary>An encoder input and a target sequence to score with teacher forcing.</summary>
/// <param name="InputIds">Encoder token ids (with the end-of-sequence token, as the tokenizer adds it).</param>
/// <param name="Labels">Target token ids; the decoder reads them shifted right after the decoder start token.</param>
public sealed record Seq2SeqRequest(int[] InputIds, int[] Labels);
