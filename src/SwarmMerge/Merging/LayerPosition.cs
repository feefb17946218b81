using System.Text.RegularExpressions;

namespace SwarmMerge.Merging;

/// <summary>
/// Where a tensor sits along the network, as t ∈ [0, 1], for gradient parameters, by mergekit's rule: layer N of
/// L has t = N / (L − 1) (t = 1 when L = 1, as mergekit's <c>plan_slice</c>); every tensor outside the numbered
/// layers — embeddings, final norm and output head alike — has t = 0 (mergekit plans them with one reader at t = 0).
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
            return Within(index, _layerCounts[prefix]);
        }
        return 0;
    }

    /// <summary>t of layer <paramref name="index"/> of a run of <paramref name="count"/> layers (a model, or a slice).</summary>
    public static double Within(int index, int count) => count > 1 ? (double)index / (count - 1) : 1;

    /// <summary>
    /// True for input-embedding-like names (<c>embed</c>, <c>wte</c>, <c>wpe</c>, <c>shared</c>), which come before the
    /// layers (mergekit's pre-weights); output heads (<c>lm_head</c>, GPT-NeoX's <c>embed_out</c>) sit at the end.
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
