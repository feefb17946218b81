using SwarmMerge.Inference.Onnx;

namespace SwarmMerge.Inference;

/// <summary>Rotary position embeddings as Hugging Face's Llama computes them (rotate_half convention).</summary>
internal static class RotaryEmbedding
{
    /// <summary>
    /// The inverse frequencies for <paramref name="headDim"/>: θ^(−2i/d), adjusted by <c>rope_scaling</c>
    /// types "linear" and "llama3"; any other scaling type is rejected.
    /// </summary>
    public static float[] InverseFrequencies(ConfigReader config, int headDim)
    {
        var parameters = config.Object("rope_parameters");
        float theta = parameters?.Has("rope_theta") == true ? parameters.PositiveFloat("rope_theta") : config.PositiveFloat("rope_theta", 10000f);
        if (config.Has("partial_rotary_factor") && config.PositiveFloat("partial_rotary_factor", 1f) != 1f)
        {
            throw config.Invalid("partial_rotary_factor", "is not 1, which is not supported");
        }
        var inverse = new float[headDim / 2];
        for (int i = 0; i < inverse.Length; i++)
        {
            inverse[i] = 1f / MathF.Pow(theta, (float)(2 * i) / headDim);
        }

        var scaling = config.Object("rope_scaling") ?? parameters;
        string type = scaling is null ? "default" : scaling.String("rope_type") ?? scaling.String("type") ?? "default";
        switch (type)
        {
            case "default":
                return inverse;
            case "linear":
                float factor = scaling!.PositiveFloat("factor");
                return inverse.Select(f => f / factor).ToArray();
            case "llama3":
                return Llama3(scaling!, inverse);
            default:
                throw config.Invalid(config.Has("rope_scaling") ? "rope_scaling" : "rope_parameters", $"has rope type '{type}', which is not supported (supported: default, linear, llama3)");
        }
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

    /// <summary>cos and sin of position·frequency as [B, T, 1, D] (frequencies repeated for both halves).</summary>
    public static (string Cos, string Sin) Tables(GraphBuilder g, string positionIds, float[] inverse)
    {
        var angles = g.Mul(g.Unsqueeze(g.CastToFloat(positionIds), 2), g.Floats(inverse));   // [B, T, D/2]
        var both = g.Unsqueeze(g.Concat(-1, angles, angles), 2);                              // [B, T, 1, D]
        return (g.Cos(both), g.Sin(both));
    }

    /// <summary>x·cos + rotate_half(x)·sin for x [B, T, heads, D], rotate_half(x) = [−x₂, x₁].</summary>
    public static string Apply(GraphBuilder g, string x, string cos, string sin, int headDim)
    {
        var halves = g.Split(x, -1, headDim / 2, headDim / 2);
        var rotated = g.Concat(-1, g.Neg(halves[1]), halves[0]);
        return g.Add(g.Mul(x, cos), g.Mul(rotated, sin));
    }
}
