namespace SwarmMerge.Search.Space;

/// <summary>How finely a particle's coefficients vary across the network: one coefficient vector per group of tensors.</summary>
public enum Granularity
{
    /// <summary>One coefficient vector for the whole model (the paper).</summary>
    Model,

    /// <summary>One per numbered layer, plus one for the tensors before the layers (embeddings) and one for those after (final norm, head).</summary>
    Layer,

    /// <summary>One per kind of tensor: attention, MLP, embeddings, norms, other.</summary>
    TensorKind,
}
