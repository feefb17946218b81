namespace SwarmMerge.Search.Space;

/// <summary>
/// Where a merged tensor goes: the fp32 buffer for <paramref name="tensorName"/> (row-major, the checkpoint's
/// shape), for example the engine's <c>ModelWeights.GetSpan</c>. An empty span skips the tensor.
/// </summary>
/// <param name="tensorName">Hugging Face name of the tensor.</param>
public delegate Span<float> TensorDestination(string tensorName);
