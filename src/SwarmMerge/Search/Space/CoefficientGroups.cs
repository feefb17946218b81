using SwarmMerge.Merging;

namespace SwarmMerge.Search.Space;

/// <summary>
/// Which coefficient group each tensor belongs to, for a <see cref="Granularity"/>: a particle holds one
/// coefficient vector per group and every tensor of a group is merged with its group's vector. Only groups
/// that hold at least one tensor exist, in a fixed order (see <see cref="Names"/>).
/// </summary>
public sealed class CoefficientGroups
{
    /// <summary>Group names of <see cref="Space.Granularity.TensorKind"/>, in order.</summary>
    public static readonly string[] KindNames = ["embeddings", "attention", "mlp", "norms", "other"];

    private readonly Dictionary<string, int> _groupOfTensor;

    private CoefficientGroups(Granularity granularity, IReadOnlyList<string> names, Dictionary<string, int> groupOfTensor)
    {
        Granularity = granularity;
        Names = names;
        _groupOfTensor = groupOfTensor;
    }

    /// <summary>The granularity the groups were made for.</summary>
    public Granularity Granularity { get; }

    /// <summary>Group names, in group order: <c>model</c>; or <c>embeddings</c>, each layer by its name prefix (<c>model.layers.3</c>), <c>other</c>; or <see cref="KindNames"/>.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Number of groups.</summary>
    public int Count => Names.Count;

    /// <summary>The group of tensor <paramref name="tensorName"/>.</summary>
    /// <exception cref="KeyNotFoundException">The tensor was not among those the groups were made from.</exception>
    public int Of(string tensorName) => _groupOfTensor.TryGetValue(tensorName, out int group)
        ? group
        : throw new KeyNotFoundException($"Tensor '{tensorName}' is not one of the merged tensors.");

    /// <summary>Groups <paramref name="tensorNames"/> (the merged tensors) at <paramref name="granularity"/>.</summary>
    public static CoefficientGroups Create(Granularity granularity, IEnumerable<string> tensorNames)
    {
        var tensors = tensorNames.ToList();
        var keys = tensors.Select(name => granularity switch
        {
            Granularity.Model => "model",
            Granularity.Layer => LayerKey(name),
            Granularity.TensorKind => KindOf(name),
            _ => throw new ArgumentOutOfRangeException(nameof(granularity)),
        }).ToList();
        var order = granularity switch
        {
            Granularity.Layer => LayerOrder(tensors, keys),
            Granularity.TensorKind => KindNames.Where(keys.Contains).ToList(),
            _ => keys.Distinct().ToList(),
        };
        var index = order.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var groupOfTensor = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < tensors.Count; i++)
        {
            groupOfTensor[tensors[i]] = index[keys[i]];
        }
        return new CoefficientGroups(granularity, order, groupOfTensor);
    }

    /// <summary>The kind of a tensor: one of <see cref="KindNames"/>, judged from its Hugging Face name.</summary>
    public static string KindOf(string name)
    {
        string lower = name.ToLowerInvariant();
        if (lower.Contains("norm", StringComparison.Ordinal) || lower.StartsWith("ln_", StringComparison.Ordinal) || lower.Contains(".ln_", StringComparison.Ordinal))
        {
            return "norms";
        }
        if (LayerPosition.IsEmbedding(name))
        {
            return "embeddings";
        }
        if (lower.Contains("attn", StringComparison.Ordinal) || lower.Contains("attention", StringComparison.Ordinal))
        {
            return "attention";
        }
        if (lower.Contains("mlp", StringComparison.Ordinal) || lower.Contains("densereludense", StringComparison.Ordinal)
            || lower.Contains("intermediate", StringComparison.Ordinal) || lower.Contains("ffn", StringComparison.Ordinal)
            || lower.Contains("feed_forward", StringComparison.Ordinal) || lower.Contains(".output.dense", StringComparison.Ordinal))
        {
            return "mlp";
        }
        return "other";
    }

    // "model.layers.3" for a numbered layer; "embeddings" for what precedes the layers; "other" for the rest.
    private static string LayerKey(string name) =>
        LayerPosition.TryParse(name, out string prefix, out int index) ? prefix + index.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : LayerPosition.IsEmbedding(name) ? "embeddings"
        : "other";

    // embeddings, then layers (by stack in order of first appearance, then by index), then other.
    private static List<string> LayerOrder(List<string> tensors, List<string> keys)
    {
        var stacks = new List<string>();
        var layers = new List<(int Stack, int Index, string Key)>();
        for (int i = 0; i < tensors.Count; i++)
        {
            if (LayerPosition.TryParse(tensors[i], out string prefix, out int index) && !layers.Any(l => l.Key == keys[i]))
            {
                if (!stacks.Contains(prefix))
                {
                    stacks.Add(prefix);
                }
                layers.Add((stacks.IndexOf(prefix), index, keys[i]));
            }
        }
        var order = new List<string>();
        if (keys.Contains("embeddings"))
        {
            order.Add("embeddings");
        }
        order.AddRange(layers.OrderBy(l => l.Stack).ThenBy(l => l.Index).Select(l => l.Key));
        if (keys.Contains("other"))
        {
            order.Add("other");
        }
        return order;
    }
}
