namespace SwarmMerge.Inference;

/// <summary>One weight tensor a model needs: its Hugging Face checkpoint name and shape (fp32 at inference).</summary>
/// <param name="Name">The tensor's name in a Hugging Face checkpoint, e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</param>
/// <param name="Shape">Its shape in the checkpoint's layout, outermost first.</param>
public sealed record WeightSpec(string Name, long[] Shape)
{
    /// <summary>Other names the tensor may have in a checkpoint (e.g. GPT-2 base-model names without <c>transformer.</c>).</summary>
    public IReadOnlyList<string> AlternativeNames { get; init; } = [];

    /// <summary>Number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The shape as <c>[a, b]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
