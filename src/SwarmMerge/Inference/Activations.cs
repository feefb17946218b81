using SwarmMerge.Inference.Onnx;
using SwarmMerge.Models;

namespace SwarmMerge.Inference;

/// <summary>Hugging Face activation functions (<c>ACT2FN</c> names) as graph ops, with the same formulas.</summary>
internal static class Activations
{
    /// <summary>The activation names <see cref="Apply"/> understands.</summary>
    public static readonly string[] Supported = ["gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu", "silu", "swish", "tanh"];

    /// <summary>Checks <paramref name="name"/> from <paramref name="config"/>'s field <paramref name="field"/>.</summary>
    public static string Validate(ConfigReader config, string field, string name) =>
        Supported.Contains(name) ? name : throw config.Invalid(field, $"is '{name}', which is not supported (supported: {string.Join(", ", Supported)})");

    public static string Apply(GraphBuilder g, string name, string x) => name switch
    {
        // 0.5 x (1 + erf(x / √2))
        "gelu" => g.Mul(g.Mul(x, 0.5f), g.Add(g.Erf(g.Mul(x, 1f / MathF.Sqrt(2f))), 1f)),
        // 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" =>
            g.Mul(g.Mul(x, 0.5f), g.Add(g.Tanh(g.Mul(g.Add(x, g.Mul(g.Mul(g.Mul(x, x), x), 0.044715f)), MathF.Sqrt(2f / MathF.PI))), 1f)),
        "relu" => g.Relu(x),
        "silu" or "swish" => g.Mul(x, g.Sigmoid(x)),
        "tanh" => g.Tanh(x),
        _ => throw new NotSupportedException($"Activation '{name}' is not supported (supported: {string.Join(", ", Supported)})."),
    };
}
