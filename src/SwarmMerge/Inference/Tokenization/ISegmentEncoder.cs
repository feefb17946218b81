namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// Encodes one piece of text that contains no added token: normalization, pre-tokenization and the
/// vocabulary model of the checkpoint's tokenizer.
/// </summary>
internal interface ISegmentEncoder
{
    /// <summary>Appends the ids of <paramref name="segment"/>; <paramref name="isFirst"/> is true for the piece that starts the input.</summary>
    void Encode(string segment, bool isFirst, List<int> ids);
}
