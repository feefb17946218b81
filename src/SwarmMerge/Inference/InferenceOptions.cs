namespace SwarmMerge.Inference;

/// <summary>How the inference engine runs.</summary>
public sealed record InferenceOptions
{
    /// <summary>Threads inside each operator (ONNX Runtime intra-op threads); every core by default.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>"cpu" (default) or "cuda" (needs the ONNX Runtime GPU package's native CUDA provider).</summary>
    public string ExecutionProvider { get; init; } = "cpu";

    /// <summary>Most sequences run together in one batch (they are padded to the longest).</summary>
    public int MaxBatchSize { get; init; } = 8;

    /// <summary>Stops scoring: checked before every batch and every generated token (Ctrl-C stops a run within a batch).</summary>
    public CancellationToken Cancellation { get; init; }
}
