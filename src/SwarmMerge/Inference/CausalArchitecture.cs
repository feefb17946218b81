namespace SwarmMerge.Inference;

/// <summary>
/// A decoder-only architecture read from <c>config.json</c>: its weights and its forward graph. Every graph has
/// the same interface (see <see cref="CausalGraph"/>), so one runtime serves GPT-2 and the Llama-style family.
/// </summary>
internal abstract class CausalArchitecture
{
    public required string ModelType { get; init; }
    public required int Layers { get; init; }
    public required int KvHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int VocabSize { get; init; }

    /// <summary>
    /// Per layer, keys at least this many positions behind the query are masked (Mistral's and Phi-3's sliding window on
    /// every layer, Gemma's on its sliding layers); 0 for none. Null: no layer has a window.
    /// </summary>
    public IReadOnlyList<int>? LayerWindows { get; init; }

    /// <summary>The window of <paramref name="layer"/> (0: full causal attention).</summary>
    public int WindowOf(int layer) => LayerWindows?[layer] ?? 0;

    /// <summary>The distinct windows of the layers, ascending: one attention mask each.</summary>
    public IReadOnlyList<int> Windows => _windows ??= Enumerable.Range(0, Layers).Select(WindowOf).Distinct().Order().ToArray();

    private int[]? _windows;

    /// <summary>Longest sequence the position embeddings cover; 0 for no limit (rotary embeddings).</summary>
    public int MaxPositions { get; init; }

    /// <summary>
    /// Phi-3's longrope: the original context, past which a run turns by other frequencies. A cached generation whose run
    /// first grows past it recomputes its cache then, as transformers' <c>Phi3ForCausalLM.prepare_inputs_for_generation</c>
    /// drops the cache at that point. 0 for none.
    /// </summary>
    public int RecomputeCacheAfter { get; init; }

    /// <summary>End-of-sequence token ids from the config.</summary>
    public int[] EosTokenIds { get; init; } = [];

    public required IReadOnlyList<WeightSpec> Weights { get; init; }
    public IReadOnlyDictionary<string, string> Tied { get; init; } = new Dictionary<string, string>();

    /// <summary>The serialized ONNX model.</summary>
    public abstract byte[] BuildGraph();
}
