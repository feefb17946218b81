namespace SwarmMerge.Inference;

/// <summary>Log-likelihood of tokens from the logits that predict them.</summary>
internal static class Score
{
    /// <summary>The logits row that predicts token <paramref name="index"/>.</summary>
    public delegate ReadOnlySpan<float> RowOf(int index);

    public static LogLikelihood Continuation(int[] tokens, RowOf rowOf)
    {
        var perToken = new float[tokens.Length];
        double sum = 0;
        bool greedy = true;
        for (int t = 0; t < tokens.Length; t++)
        {
            var row = rowOf(t);
            if ((uint)tokens[t] >= (uint)row.Length)
            {
                throw new ArgumentException($"Token id {tokens[t]} is outside the vocabulary (size {row.Length}).");
            }
            double logProbability = row[tokens[t]] - Tensors.LogSumExp(row);
            perToken[t] = (float)logProbability;
            sum += logProbability;
            greedy &= Tensors.ArgMax(row) == tokens[t];
        }
        return new LogLikelihood(sum, perToken, greedy);
    }
}
