namespace SwarmMerge.Inference.Tokenization;

/// <summary>What a loader reads from the tokenizer files, before tokenizer_config.json's special tokens are merged in.</summary>
/// <param name="Encoder">Encodes text between added tokens.</param>
/// <param name="Vocab">The model vocabulary (token to id), added tokens not included.</param>
/// <param name="AddedTokens">tokenizer.json <c>added_tokens</c> (empty for legacy files).</param>
/// <param name="PostProcessor">tokenizer.json <c>post_processor</c>; null to use the family convention.</param>
/// <param name="Decoder">Turns token strings back into text.</param>
/// <param name="Family">The model family.</param>
/// <param name="Source">The file the tokenizer came from.</param>
internal sealed record TokenizerParts(
    ISegmentEncoder Encoder,
    IReadOnlyDictionary<string, int> Vocab,
    IReadOnlyList<AddedToken> AddedTokens,
    PostProcessor? PostProcessor,
    TokenDecoder Decoder,
    TokenizerFamily Family,
    string Source);
