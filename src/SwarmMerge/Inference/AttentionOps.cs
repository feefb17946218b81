using SwarmMerge.Inference.Onnx;

namespace SwarmMerge.Inference;

/// <summary>Multi-head attention pieces for encoders and encoder-decoders (all heads have their own keys and values).</summary>
internal static class AttentionOps
{
    /// <summary>[B·T, heads·D] → [B, heads, T, D]; <paramref name="batchTime"/> is [B, T] as a 1-D int64 value.</summary>
    public static string Heads(GraphBuilder g, string x, string batchTime, long heads, long headDim) =>
        g.Transpose(g.Reshape(x, g.ShapeOf(batchTime, heads, headDim)), 0, 2, 1, 3);

    /// <summary>[B·T, heads·D] → [B, heads, D, T] (keys, ready to multiply).</summary>
    public static string KeyHeads(GraphBuilder g, string x, string batchTime, long heads, long headDim) =>
        g.Transpose(g.Reshape(x, g.ShapeOf(batchTime, heads, headDim)), 0, 2, 3, 1);

    /// <summary>
    /// softmax(q·kᵀ·scale + bias)·v for q [B, H, Tq, D], keys [B, H, D, Tk], values [B, H, Tk, D] and a bias that
    /// broadcasts to [B, H, Tq, Tk]; returns [B·Tq, H·D].
    /// </summary>
    public static string Attend(GraphBuilder g, string q, string keys, string values, float scale, string bias, long heads, long headDim)
    {
        var scores = g.MatMul(q, keys);
        if (scale != 1f)
        {
            scores = g.Mul(scores, scale);
        }
        var context = g.MatMul(g.Softmax(g.Add(scores, bias)), values);
        return g.Reshape(g.Transpose(context, 0, 2, 1, 3), -1, heads * headDim);
    }
}
