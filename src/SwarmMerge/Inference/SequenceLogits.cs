namespace SwarmMerge.Inference;

/// <summary>Next-token logits of one sequence: row t scores the token after position t.</summary>
public sealed class SequenceLogits
{
    internal SequenceLogits(int length, int vocabSize, float[] values)
    {
        Length = length;
        VocabSize = vocabSize;
        Values = values;
    }

    /// <summary>Number of positions (rows).</summary>
    public int Length { get; }

    /// <summary>Logits per position (columns).</summary>
    public int VocabSize { get; }

    /// <summary>All logits, row-major [Length, VocabSize].</summary>
    public float[] Values { get; }

    /// <summary>The logits at <paramref name="position"/>.</summary>
    public ReadOnlySpan<float> this[int position] => Values.AsSpan(checked(position * VocabSize), VocabSize);
}
