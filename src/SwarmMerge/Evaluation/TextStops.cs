using SwarmMerge.Inference;
using SwarmMerge.Inference.Tokenization;

namespace SwarmMerge.Evaluation;

/// <summary>
/// Where a task's greedy generation stops: the config's and the tokenizer's end-of-sequence tokens, and the
/// task's stop strings (checked on the decoded text as it grows, and cut off the final text).
/// </summary>
internal sealed class TextStops(CheckpointTokenizer tokenizer, IReadOnlyList<int> configEos, IReadOnlyList<string> stop)
{
    /// <summary>Generation options that stop at the end-of-sequence tokens or once a stop string appears.</summary>
    public GenerationOptions Options(int maxNewTokens)
    {
        var tokens = new HashSet<int>(configEos);
        if (tokenizer.EosId is int eos)
        {
            tokens.Add(eos);
        }
        return new GenerationOptions
        {
            MaxNewTokens = maxNewTokens,
            StopTokenIds = tokens,
            StopWhen = stop.Count == 0 ? null : (_, generated) =>
            {
                string text = tokenizer.Decode(generated);
                return stop.Any(s => text.Contains(s, StringComparison.Ordinal));
            },
        };
    }

    /// <summary>The decoded text of <paramref name="generated"/>, before the first stop string.</summary>
    public string Text(int[] generated)
    {
        string text = tokenizer.Decode(generated);
        int end = text.Length;
        foreach (string s in stop)
        {
            int at = text.IndexOf(s, StringComparison.Ordinal);
            if (at >= 0 && at < end)
            {
                end = at;
            }
        }
        return text[..end];
    }
}
