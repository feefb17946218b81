namespace SwarmMerge.Models;

/// <summary>
/// Which layers of a decoder attend through a sliding window, as the Hugging Face config classes derive their
/// <c>layer_types</c>. The engine reads windows from it, and a <c>slices</c> merge keeps each layer's attention by it.
/// </summary>
internal static class LayerAttention
{
    /// <summary>The <c>layer_types</c> entries.</summary>
    public const string Sliding = "sliding_attention", Full = "full_attention";

    /// <summary>
    /// Whether each layer is a sliding-attention layer for <paramref name="modelType"/>: <c>layer_types</c> when given,
    /// else the type's rule (Gemma 2 every other layer from layer 0; Gemma 3 all but every
    /// <c>sliding_window_pattern</c>-th, default 6; Qwen2/Qwen3 the layers from <c>max_window_layers</c>, default 28, on,
    /// when <see cref="QwenWindow"/> is set); null for a model type without per-layer attention types.
    /// </summary>
    public static bool[]? SlidingFlags(ConfigReader config, string modelType) => modelType switch
    {
        "gemma2" => SlidingLayers(config, i => (i + 1) % 2 != 0),
        "gemma3_text" => SlidingLayers(config, i => (i + 1) % config.Size("sliding_window_pattern", 6) != 0),
        "qwen2" or "qwen3" => SlidingLayers(config, i => QwenWindow(config) > 0 && i >= config.Index("max_window_layers", 28)),
        _ => null,
    };

    /// <summary>Qwen2Config / Qwen3Config: <c>sliding_window</c> (default 4096; null: none) counts only with <c>use_sliding_window</c>; 0 for none.</summary>
    public static int QwenWindow(ConfigReader config) => !config.Bool("use_sliding_window", false) ? 0
        : config.Json.ContainsKey("sliding_window") ? config.Index("sliding_window", 0) : 4096;

    private static bool[] SlidingLayers(ConfigReader config, Func<int, bool> byDefault)
    {
        int layers = config.Size("num_hidden_layers");
        if (config.Strings("layer_types") is not { } types)
        {
            return Enumerable.Range(0, layers).Select(byDefault).ToArray();
        }
        if (types.Length != layers)
        {
            throw config.Invalid("layer_types", $"has {types.Length} entries, not num_hidden_layers ({layers})");
        }
        return types.Select((type, i) => type switch
        {
            Sliding => true,
            Full => false,
            _ => throw config.Invalid("layer_types", $"entry {i} is '{type}'; only '{Sliding}' and '{Full}' are supported"),
        }).ToArray();
    }
}
