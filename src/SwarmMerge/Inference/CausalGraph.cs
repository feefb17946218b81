using SwarmMerge.Inference.Onnx;
using DataType = SwarmMerge.Inference.Onnx.TensorProto.Types.DataType;

namespace SwarmMerge.Inference;

/// <summary>
/// The frame every decoder graph shares. Inputs: <c>input_ids</c> [B, T], <c>position_ids</c> [B, T] (int64),
/// <c>attention_bias</c> [B, 1, 1, T, S] (0 or −1e9; S = P + T; one per distinct sliding window of the layers, see
/// <see cref="AttentionBiasFor"/>), per layer <c>past.i.key</c> [B, KV, D, P]
/// (keys stored transposed, so no per-step transpose) and <c>past.i.value</c> [B, KV, P, D], where P may be 0.
/// <c>logit_rows</c> [R] (the rows of the flattened [B·T] positions whose logits are wanted: the LM head, the largest
/// matrix product, runs on those rows only). Outputs: <c>logits</c> [R, V] and <c>present.i.key</c>/<c>present.i.value</c> (past plus this run).
/// Hidden states are 2-D [B·T, H] so every projection is one Gemm.
/// </summary>
internal sealed class CausalGraph
{
    public const string InputIds = "input_ids";
    public const string PositionIds = "position_ids";
    public const string AttentionBias = "attention_bias";
    public const string LogitRows = "logit_rows";
    public const string Logits = "logits";

    /// <summary>The mask input for layers with sliding window <paramref name="window"/> (0: full causal attention).</summary>
    public static string AttentionBiasFor(int window) => window == 0 ? AttentionBias : $"{AttentionBias}.window{window}";

    public static string PastKey(int layer) => $"past.{layer}.key";
    public static string PastValue(int layer) => $"past.{layer}.value";
    public static string PresentKey(int layer) => $"present.{layer}.key";
    public static string PresentValue(int layer) => $"present.{layer}.value";

    private readonly CausalArchitecture _architecture;

    public CausalGraph(CausalArchitecture architecture)
    {
        _architecture = architecture;
        G = new GraphBuilder();
        G.Input(InputIds, DataType.Int64, "batch", "time");
        G.Input(PositionIds, DataType.Int64, "batch", "time");
        foreach (int window in architecture.Windows)
        {
            G.Input(AttentionBiasFor(window), DataType.Float, "batch", 1L, 1L, "time", "total");
        }
        G.Input(LogitRows, DataType.Int64, "rows");
        for (int layer = 0; layer < architecture.Layers; layer++)
        {
            G.Input(PastKey(layer), DataType.Float, "batch", (long)architecture.KvHeads, (long)architecture.HeadDim, "past");
            G.Input(PastValue(layer), DataType.Float, "batch", (long)architecture.KvHeads, "past", (long)architecture.HeadDim);
        }
        foreach (var weight in architecture.Weights)
        {
            G.Weight(weight.Name, weight.Shape);
        }
        BatchTime = G.Shape(InputIds);
    }

    public GraphBuilder G { get; }

    /// <summary>[B, T] as a 1-D int64 value, for reshapes.</summary>
    public string BatchTime { get; }

    /// <summary>Token embeddings as [B·T, H].</summary>
    public string Embed(string table, int hidden) => G.Reshape(G.Gather(table, InputIds), -1, hidden);

    /// <summary>
    /// Causal self-attention for <paramref name="layer"/>, masked with that layer's window. <paramref name="q"/> is
    /// [B·T, heads·D], <paramref name="k"/> and <paramref name="v"/> are [B·T, KV·D]; <paramref name="query"/> and
    /// <paramref name="key"/> (optional) transform q and k in [B, T, heads, D] layout (per-head norms, position encodings).
    /// Scores are q·kᵀ·<paramref name="scale"/>, soft-capped to cap·tanh(score / cap) when <paramref name="softcap"/> &gt; 0
    /// (before the mask, as Gemma 2). Query head h reads key/value head h / (heads / KV), as Hugging Face's repeat_kv;
    /// the grouping is a 5-D broadcast in MatMul, so keys and values are never copied per group.
    /// Returns the attention output [B·T, heads·D] before the output projection.
    /// </summary>
    public string Attention(int layer, int heads, string q, string k, string v, float scale, Func<string, string>? query = null, Func<string, string>? key = null, float softcap = 0)
    {
        long kv = _architecture.KvHeads, d = _architecture.HeadDim, groups = heads / kv;
        var q4 = G.Reshape(q, G.ShapeOf(BatchTime, (long)heads, d));
        var k4 = G.Reshape(k, G.ShapeOf(BatchTime, kv, d));
        q4 = query?.Invoke(q4) ?? q4;
        k4 = key?.Invoke(k4) ?? k4;
        var q5 = G.Transpose(G.Reshape(q4, G.ShapeOf(BatchTime, kv, groups, d)), 0, 2, 3, 1, 4);       // [B, KV, G, T, D]
        var keys = G.Concat(3, PastKey(layer), G.Transpose(k4, 0, 2, 3, 1));                          // [B, KV, D, S]
        var v4 = G.Reshape(v, G.ShapeOf(BatchTime, kv, d));
        var values = G.Concat(2, PastValue(layer), G.Transpose(v4, 0, 2, 1, 3));                      // [B, KV, S, D]
        G.Output(keys, PresentKey(layer), DataType.Float, "batch", kv, d, "total");
        G.Output(values, PresentValue(layer), DataType.Float, "batch", kv, "total", d);

        var scores = G.Mul(G.MatMul(q5, G.Unsqueeze(keys, 2)), scale);                                // [B, KV, G, T, S]
        if (softcap > 0)
        {
            scores = SoftCap(scores, softcap);
        }
        var probabilities = G.Softmax(G.Add(scores, AttentionBiasFor(_architecture.WindowOf(layer))));
        var context = G.MatMul(probabilities, G.Unsqueeze(values, 2));                                // [B, KV, G, T, D]
        return G.Reshape(G.Transpose(context, 0, 3, 1, 2, 4), -1, heads * d);
    }

    /// <summary>
    /// Declares the logits output [R, V] from final hidden states [B·T, H] and an LM head weight [V, H], soft-capped to
    /// cap·tanh(logit / cap) when <paramref name="softcap"/> &gt; 0 (Gemma's <c>final_logit_softcapping</c>).
    /// </summary>
    public byte[] Finish(string hidden, string lmHead, float softcap = 0)
    {
        var logits = G.Linear(G.Gather(hidden, LogitRows), lmHead);
        if (softcap > 0)
        {
            logits = SoftCap(logits, softcap);
        }
        G.Output(logits, Logits, DataType.Float, "rows", (long)_architecture.VocabSize);
        return G.ToModelBytes();
    }

    // cap · tanh(x / cap), divided as Hugging Face divides (not multiplied by 1 / cap).
    private string SoftCap(string x, float cap) => G.Mul(G.Tanh(G.Div(x, G.Scalar(cap))), cap);
}
