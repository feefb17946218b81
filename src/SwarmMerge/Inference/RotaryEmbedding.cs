using SwarmMerge.Inference.Onnx;
using SwarmMerge.Models;

namespace SwarmMerge.Inference;

/// <summary>
/// Rotary position embeddings as Hugging Face's Llama computes them (rotate_half convention), on every dimension of a
/// head or (Phi-3's <c>partial_rotary_factor</c>) on its first dimensions only.
/// </summary>
internal static class RotaryEmbedding
{
    /// <summary>The rope types (<c>rope_type</c>, or the older <c>type</c>) this engine computes.</summary>
    public static readonly string[] Types = ["default", "linear", "llama3"];

    /// <summary>
    /// The inverse frequencies for <paramref name="headDim"/> rotated dimensions as Llama reads them: θ from
    /// <c>rope_parameters.rope_theta</c> or <c>rope_theta</c> (<paramref name="defaultTheta"/> when absent), scaled by
    /// <c>rope_scaling</c> (else <c>rope_parameters</c>) of one of <paramref name="types"/> (default: <see cref="Types"/>);
    /// a <c>partial_rotary_factor</c> other than 1 is refused.
    /// </summary>
    public static float[] InverseFrequencies(ConfigReader config, int headDim, float defaultTheta = 10000f, IReadOnlyCollection<string>? types = null)
    {
        if (config.Has("partial_rotary_factor") && config.PositiveDouble("partial_rotary_factor", 1) != 1)
        {
            throw config.Invalid("partial_rotary_factor", "is not 1, which is not supported for this model type");
        }
        return OfConfig(config, headDim, defaultTheta, types ?? Types);
    }

    /// <summary>Like <see cref="InverseFrequencies"/> for <paramref name="dims"/> rotated dimensions, whatever <c>partial_rotary_factor</c> says.</summary>
    public static float[] OfConfig(ConfigReader config, int dims, float defaultTheta, IReadOnlyCollection<string> types)
    {
        var (field, scaling) = Scaling(config);
        return Frequencies(config, field, Theta(config, defaultTheta), scaling, dims, types);
    }

    /// <summary>θ: <c>rope_parameters.rope_theta</c>, else <c>rope_theta</c>, else <paramref name="defaultTheta"/>.</summary>
    public static float Theta(ConfigReader config, float defaultTheta) =>
        config.Object("rope_parameters") is { } parameters && parameters.Has("rope_theta")
            ? parameters.PositiveFloat("rope_theta")
            : config.PositiveFloat("rope_theta", defaultTheta);

    /// <summary>The rope settings object: <c>rope_scaling</c>, else (newer configs) <c>rope_parameters</c>; null for none.</summary>
    public static (string Field, ConfigReader? Settings) Scaling(ConfigReader config) =>
        config.Has("rope_scaling") ? ("rope_scaling", config.Object("rope_scaling")) : ("rope_parameters", config.Object("rope_parameters"));

    /// <summary>The rope type of a settings object (<c>rope_type</c>, or the older <c>type</c>); "default" for none.</summary>
    public static string TypeOf(ConfigReader? scaling) =>
        scaling is null ? "default" : scaling.String("rope_type") ?? scaling.String("type") ?? "default";

    /// <summary>
    /// θ^(−2i/d) for d = <paramref name="dims"/>, adjusted by <paramref name="scaling"/> (a rope settings object, null for
    /// none) when its type is one of <paramref name="types"/>; any other type is refused as a problem of
    /// <paramref name="owner"/>'s <paramref name="field"/>.
    /// </summary>
    public static float[] Frequencies(ConfigReader owner, string field, float theta, ConfigReader? scaling, int dims, IReadOnlyCollection<string> types)
    {
        var inverse = new float[dims / 2];
        for (int i = 0; i < inverse.Length; i++)
        {
            inverse[i] = 1f / MathF.Pow(theta, (float)(2 * i) / dims);
        }

        string type = TypeOf(scaling);
        if (!types.Contains(type))
        {
            throw owner.Invalid(field, $"has rope type '{type}', which is not supported (supported: {string.Join(", ", types)})");
        }
        switch (type)
        {
            case "linear":
                float factor = scaling!.PositiveFloat("factor");
                return inverse.Select(f => f / factor).ToArray();
            case "llama3":
                return Llama3(scaling!, inverse);
            default:
                return inverse;
        }
    }

    /// <summary>
    /// The rotated dimensions of a head: <c>int(head_dim · partial_rotary_factor)</c> as Phi-3 computes it (a Python float
    /// product, truncated), refused unless it is even and at least 2.
    /// </summary>
    public static int PartialDims(ConfigReader config, int headDim)
    {
        double factor = config.PositiveDouble("partial_rotary_factor", 1);
        double dims = Math.Truncate(headDim * factor);
        if (factor > 1 || dims < 2 || dims % 2 != 0)
        {
            throw config.Invalid("partial_rotary_factor", $"({factor}) rotates {dims} of head_dim {headDim} dimensions; it must be at most 1 and rotate an even number ≥ 2");
        }
        return (int)dims;
    }

    private static float[] Llama3(ConfigReader scaling, float[] inverse)
    {
        float factor = scaling.PositiveFloat("factor");
        float low = scaling.PositiveFloat("low_freq_factor");
        float high = scaling.PositiveFloat("high_freq_factor");
        float context = scaling.PositiveFloat("original_max_position_embeddings");
        if (!(high > low))
        {
            throw scaling.Invalid("high_freq_factor", $"({high}) must be greater than low_freq_factor ({low})");
        }
        float lowWavelength = context / low, highWavelength = context / high;
        var result = new float[inverse.Length];
        for (int i = 0; i < inverse.Length; i++)
        {
            float wavelength = 2 * MathF.PI / inverse[i];
            float scaled = wavelength > lowWavelength ? inverse[i] / factor : inverse[i];
            if (!(wavelength < highWavelength) && !(wavelength > lowWavelength))
            {
                float smooth = (context / wavelength - low) / (high - low);
                scaled = (1 - smooth) * scaled / factor + smooth * scaled;
            }
            result[i] = scaled;
        }
        return result;
    }

    /// <summary>cos and sin of position·frequency as [B, T, 1, R] (frequencies repeated for both halves; R = 2 · frequencies).</summary>
    public static (string Cos, string Sin) Tables(GraphBuilder g, string positionIds, float[] inverse) =>
        Tables(g, g.Unsqueeze(g.CastToFloat(positionIds), 2), g.Floats(inverse), scale: 1);

    /// <summary>
    /// cos and sin, times <paramref name="scale"/> unless it is 1, of <paramref name="positions"/> [B, T, 1] ·
    /// <paramref name="inverse"/> (frequencies [D/2], or per sequence [B, 1, D/2]) as [B, T, 1, D].
    /// </summary>
    public static (string Cos, string Sin) Tables(GraphBuilder g, string positions, string inverse, float scale)
    {
        var angles = g.Mul(positions, inverse);                                  // [B, T, D/2]
        var both = g.Unsqueeze(g.Concat(-1, angles, angles), 2);                 // [B, T, 1, D]
        return scale == 1 ? (g.Cos(both), g.Sin(both)) : (g.Mul(g.Cos(both), scale), g.Mul(g.Sin(both), scale));
    }

    /// <summary>
    /// x·cos + rotate_half(x)·sin for x [B, T, heads, D], rotate_half(x) = [−x₂, x₁], on the first
    /// <paramref name="rotaryDims"/> dimensions of each head (the tables' width); the rest pass unchanged.
    /// </summary>
    public static string Apply(GraphBuilder g, string x, string cos, string sin, int rotaryDims, int headDim)
    {
        if (rotaryDims == headDim)
        {
            return Rotate(g, x, cos, sin, headDim);
        }
        var parts = g.Split(x, -1, rotaryDims, headDim - rotaryDims);
        return g.Concat(-1, Rotate(g, parts[0], cos, sin, rotaryDims), parts[1]);
    }

    private static string Rotate(GraphBuilder g, string x, string cos, string sin, int dims)
    {
        var halves = g.Split(x, -1, dims / 2, dims / 2);
        var rotated = g.Concat(-1, g.Neg(halves[1]), halves[0]);
        return g.Add(g.Mul(x, cos), g.Mul(rotated, sin));
    }
}
