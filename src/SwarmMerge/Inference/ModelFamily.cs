namespace SwarmMerge.Inference;

/// <summary>What a supported architecture computes, and so which model class runs it.</summary>
public enum ModelFamily
{
    /// <summary>Decoder-only language models: <see cref="CausalLanguageModel"/>.</summary>
    CausalLanguageModel,

    /// <summary>Encoders with a sequence-classification head: <see cref="SequenceClassificationModel"/>.</summary>
    SequenceClassification,

    /// <summary>Encoder-decoder language models: <see cref="Seq2SeqLanguageModel"/>.</summary>
    Seq2SeqLanguageModel,
}
