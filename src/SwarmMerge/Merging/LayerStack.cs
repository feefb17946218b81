using SwarmMerge.IO;

namespace SwarmMerge.Merging;

/// <summary>
/// A checkpoint seen as mergekit's <c>slices:</c> see it: tensors before the numbered layers (pre-weights: the
/// embeddings), one stack of numbered layers, and tensors after them (post-weights: final norm, output head,
/// everything else outside the layers).
/// </summary>
internal sealed class LayerStack
{
    private readonly List<string>[] _layers;

    private LayerStack(List<string>[] layers, IReadOnlyList<string> pre, IReadOnlyList<string> post)
    {
        _layers = layers;
        PreWeights = pre;
        PostWeights = post;
    }

    /// <summary>Number of layers (one more than the highest index).</summary>
    public int Count => _layers.Length;

    /// <summary>Tensors outside the layers that come before them, in header order.</summary>
    public IReadOnlyList<string> PreWeights { get; }

    /// <summary>Tensors outside the layers that come after them, in header order.</summary>
    public IReadOnlyList<string> PostWeights { get; }

    /// <summary>The tensor names of layer <paramref name="index"/>, in header order.</summary>
    public IReadOnlyList<string> Layer(int index) => _layers[index];

    /// <summary>Reads the layer structure of <paramref name="model"/>.</summary>
    /// <exception cref="MergeConfigException">The model has no numbered layers, or more than one stack of them.</exception>
    public static LayerStack Of(IModelSource model)
    {
        var byPrefix = new Dictionary<string, SortedDictionary<int, List<string>>>(StringComparer.Ordinal);
        var pre = new List<string>();
        var post = new List<string>();
        foreach (var info in model.Tensors)
        {
            if (LayerPosition.TryParse(info.Name, out string prefix, out int index))
            {
                var layers = byPrefix.TryGetValue(prefix, out var found) ? found : byPrefix[prefix] = new SortedDictionary<int, List<string>>();
                (layers.TryGetValue(index, out var names) ? names : layers[index] = []).Add(info.Name);
            }
            else
            {
                (LayerPosition.IsEmbedding(info.Name) ? pre : post).Add(info.Name);
            }
        }
        if (byPrefix.Count != 1)
        {
            throw new MergeConfigException(byPrefix.Count == 0
                ? $"'{model.Name}' has no numbered layers (…layers.N…), so 'slices' cannot cut it; list it under 'models:'."
                : $"'{model.Name}' has {byPrefix.Count} stacks of numbered layers ({string.Join(", ", byPrefix.Keys)}); 'slices' works on models with one (mergekit needs 'modules:' for the others).");
        }
        var (stackPrefix, stack) = byPrefix.Single();
        int count = stack.Keys.Max() + 1;
        var missing = Enumerable.Range(0, count).FirstOrDefault(i => !stack.ContainsKey(i), -1);
        if (missing >= 0)
        {
            throw new MergeConfigException($"'{model.Name}' has no tensors for layer {missing} of {stackPrefix}0…{count - 1}.");
        }
        return new LayerStack(stack.Values.ToArray(), pre, post);
    }

    /// <summary><paramref name="name"/>, a tensor of a numbered layer, moved to layer <paramref name="index"/>.</summary>
    public static string Renumber(string name, int index)
    {
        LayerPosition.TryParse(name, out string prefix, out _);
        return prefix + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + name[name.IndexOf('.', prefix.Length)..];
    }
}
