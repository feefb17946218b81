using SwarmMerge.Inference.Onnx;
using SwarmMerge.Models;

namespace SwarmMerge.Inference;

/// <summary>
/// Phi-3's <c>longrope</c> rotary scaling (Phi-3-mini-128k, Phi-3.5, Phi-4-mini), as transformers'
/// <c>_compute_longrope_parameters</c> and its dynamic update compute it: the default frequencies divided by
/// <c>short_factor</c> while a run's length (its largest position + 1) is at most <c>original_max_position_embeddings</c>,
/// by <c>long_factor</c> beyond, and cos and sin multiplied by an attention factor.
/// </summary>
/// <remarks>
/// Hugging Face decides short or long once per forward call, from the largest position in the whole batch; here it is
/// decided per sequence, so a score never depends on which sequences share its batch. For a sequence run alone the two
/// are the same. A cached generation that grows past the original context recomputes its cache at that step
/// (<see cref="CausalArchitecture.RecomputeCacheAfter"/>), as Hugging Face's Phi-3 generation does.
/// </remarks>
/// <param name="Short">Inverse frequencies of runs within the original context.</param>
/// <param name="Long">Inverse frequencies of longer runs.</param>
/// <param name="OriginalContext"><c>original_max_position_embeddings</c>.</param>
/// <param name="AttentionFactor">The factor of cos and sin.</param>
internal sealed record LongRope(float[] Short, float[] Long, int OriginalContext, float AttentionFactor)
{
    /// <summary>The rope type names Phi3Config reads as longrope (it renames the older <c>su</c> and <c>yarn</c>).</summary>
    public static readonly string[] Names = ["longrope", "su", "yarn"];

    /// <summary>
    /// Reads <paramref name="scaling"/> (its rope settings) of a Phi-3 <paramref name="config"/> for
    /// <paramref name="dims"/> rotated dimensions with base <paramref name="theta"/>: both factor lists must hold dims / 2
    /// numbers &gt; 0 (Phi3Config refuses other lengths). The original context is the config's own
    /// <c>original_max_position_embeddings</c> (Phi3Config default 4096); <c>attention_factor</c>, when absent, is
    /// √(1 + ln s / ln original) for s = <c>max_position_embeddings</c> (default 4096) / original, or 1 when s ≤ 1.
    /// </summary>
    public static LongRope Read(ConfigReader config, ConfigReader scaling, float theta, int dims)
    {
        // θ^(2i/d), divided into 1 after the factor multiplies it, as transformers computes 1 / (factor · base^(2i/d)).
        var powers = new float[dims / 2];
        for (int i = 0; i < powers.Length; i++)
        {
            powers[i] = MathF.Pow(theta, (float)(2 * i) / dims);
        }
        float[] Scaled(string factors) =>
            scaling.PositiveFloats(factors, powers.Length).Select((f, i) => 1f / (f * powers[i])).ToArray();

        int original = config.Size("original_max_position_embeddings", 4096);
        double ratio = (double)config.Size("max_position_embeddings", 4096) / original;
        double attention = scaling.Has("attention_factor")
            ? scaling.PositiveDouble("attention_factor", 1)
            : ratio <= 1 ? 1 : Math.Sqrt(1 + Math.Log(ratio) / Math.Log(original));
        return new LongRope(Scaled("short_factor"), Scaled("long_factor"), original, (float)attention);
    }

    /// <summary>cos and sin as [B, T, 1, D] for <paramref name="positionIds"/> [B, T] (padding positions 0), each sequence on its own factors.</summary>
    public (string Cos, string Sin) Tables(GraphBuilder g, string positionIds)
    {
        var positions = g.CastToFloat(positionIds);                                                   // [B, T]
        var isLong = g.Greater(g.Add(g.ReduceMax(positions, 1), 1f), g.Scalar(OriginalContext));       // [B, 1]
        var inverse = g.Where(g.Unsqueeze(isLong, 2), g.Floats(Long), g.Floats(Short));             // [B, 1, D/2]
        return RotaryEmbedding.Tables(g, g.Unsqueeze(positions, 2), inverse, AttentionFactor);
    }
}
