using Microsoft.ML.OnnxRuntime;

namespace SwarmMerge.Inference;

/// <summary>Creates ONNX Runtime sessions for built graphs with the configured threads and execution provider.</summary>
internal static class OrtSessions
{
    public static InferenceSession Create(byte[] model, InferenceOptions options)
    {
        if (options.Threads is < 1 or > ThreadCount.Max)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Threads, $"InferenceOptions.Threads must be from 1 to {ThreadCount.Max}.");
        }
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = options.Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        switch (options.ExecutionProvider.Trim().ToLowerInvariant())
        {
            case "cpu":
                break;
            case "cuda":
                try
                {
                    sessionOptions.AppendExecutionProvider_CUDA(0);
                }
                catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
                {
                    throw new NotSupportedException(
                        "ExecutionProvider 'cuda' needs ONNX Runtime's native CUDA provider, which is not available here " +
                        "(reference Microsoft.ML.OnnxRuntime.Gpu instead of the CPU package and install CUDA/cuDNN): " + e.Message, e);
                }
                break;
            default:
                throw new ArgumentException($"Unknown execution provider '{options.ExecutionProvider}'; use 'cpu' or 'cuda'.", nameof(options));
        }
        return new InferenceSession(model, sessionOptions);
    }
}
