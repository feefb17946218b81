namespace SwarmMerge.Inference;

/// <summary>
/// Additive attention masks computed on the host: 0 where a query may attend a key, −1e9 elsewhere (large but
/// finite, so fully masked padding rows stay finite; masked terms still become exactly 0 in softmax).
/// Positions are logical token positions; −1 marks padding.
/// </summary>
internal static class AttentionBias
{
    public const float Masked = -1e9f;

    /// <summary>
    /// Causal mask [B, T, S]: query (b, t) sees key (b, s) when the key is not padding, its position is not after the
    /// query's, and, with a <paramref name="window"/>, lies fewer than window positions behind it.
    /// </summary>
    public static float[] Causal(long[] queryPositions, long[] keyPositions, int batch, int window)
    {
        int time = queryPositions.Length / batch, total = keyPositions.Length / batch;
        var bias = new float[batch * time * total];
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < time; t++)
            {
                long query = queryPositions[b * time + t];
                var row = bias.AsSpan((b * time + t) * total, total);
                for (int s = 0; s < total; s++)
                {
                    long key = keyPositions[b * total + s];
                    bool visible = query >= 0 && key >= 0 && key <= query && (window <= 0 || query - key < window);
                    row[s] = visible ? 0f : Masked;
                }
            }
        }
        return bias;
    }

    /// <summary>Padding mask [B, S] for bidirectional attention: −1e9 on padding keys.</summary>
    public static float[] Padding(IReadOnlyList<int> lengths, int total)
    {
        var bias = new float[lengths.Count * total];
        for (int b = 0; b < lengths.Count; b++)
        {
            bias.AsSpan(b * total + lengths[b], total - lengths[b]).Fill(Masked);
        }
        return bias;
    }
}
