namespace SwarmMerge.Inference;

/// <summary>T5's relative position buckets (Hugging Face's <c>_relative_position_bucket</c>, float32 like torch).</summary>
internal static class RelativePositionBuckets
{
    /// <summary>Bucket of key position minus query position.</summary>
    public static long Bucket(long relative, bool bidirectional, int buckets, int maxDistance)
    {
        long result = 0;
        if (bidirectional)
        {
            buckets /= 2;
            result += relative > 0 ? buckets : 0;
            relative = Math.Abs(relative);
        }
        else
        {
            relative = -Math.Min(relative, 0);
        }
        int maxExact = buckets / 2;
        if (relative < maxExact)
        {
            return result + relative;
        }
        float scaled = MathF.Log((float)relative / maxExact) / (float)Math.Log((double)maxDistance / maxExact) * (buckets - maxExact);
        return result + Math.Min(maxExact + (long)scaled, buckets - 1);
    }

    /// <summary>Buckets [queries, keys] for query positions <paramref name="firstQuery"/>.. and key positions 0..keys−1.</summary>
    public static long[] Table(int queries, int firstQuery, int keys, bool bidirectional, int buckets, int maxDistance)
    {
        var table = new long[queries * keys];
        for (int q = 0; q < queries; q++)
        {
            for (int k = 0; k < keys; k++)
            {
                table[q * keys + k] = Bucket(k - (firstQuery + q), bidirectional, buckets, maxDistance);
            }
        }
        return table;
    }
}
