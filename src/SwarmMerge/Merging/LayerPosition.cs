using System.Text.RegularExpressions;

namespace SwarmMerge.Merging;

/// <summary>
/// Where a tensor sits along the network, as t ∈ [0, 1], for gradient parameters: layer N of L has
/// t = N / (L − 1); embeddings t = 0; everything else outside the numbered layers (final norm, head) t = 1.
/// </summary>
public sealed partial class LayerPosition
{
    private readonly Dictionary<string, int> _layerCounts = new(StringComparer.Ordinal);

    /// <summary>Learns the layer counts from every tensor name of the output model.</summary>
    public LayerPosition(IEnumerable<string> tensorNames)
    {
        foreach (string name in tensorNames)
        {
            if (TryParse(name, out string prefix, out int index))
            {
                _layerCounts[prefix] = Math.Max(_layerCounts.GetValueOrDefault(prefix), index + 1);
            }
        }
    }

    /// <summary>t for tensor <paramref name="name"/>.</summary>
    public double Of(string name)
    {
        if (TryParse(name, out string prefix, out int index))
        {
            int count = _layerCounts[prefix];
            return count > 1 ? (double)index / (count - 1) : 0;
        }
        return IsEmbedding(name) ? 0 : 1;
    }

    /// <summary>
    /// True for input-embedding-like names (<c>embed</c>, <c>wte</c>, <c>wpe</c>, <c>shared</c>); output heads
    /// (<c>lm_head</c>, GPT-NeoX's <c>embed_out</c>) sit at the end of the network and are not.
    /// </summary>
    public static bool IsEmbedding(string name) =>
        !name.Contains("embed_out", StringComparison.Ordinal) && !name.StartsWith("lm_head", StringComparison.Ordinal)
        && (name.Contains("embed", StringComparison.Ordinal) || name.Contains("wte", StringComparison.Ordinal)
            || name.Contains("wpe", StringComparison.Ordinal) || name.Contains("shared", StringComparison.Ordinal));

    internal static bool TryParse(string name, out string prefix, out int index)
    {
        var match = LayerPattern().Match(name);
        if (match.Success)
        {
            prefix = name[..match.Groups["index"].Index];
            index = int.Parse(match.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture);
            return true;
        }
        prefix = "";
        index = -1;
        return false;
    }

    [GeneratedRegex(@"(?:^|\.)(?:layers|h|layer|block|blocks)\.(?<index>\d+)\.")]
    private static partial Regex LayerPattern();
}
