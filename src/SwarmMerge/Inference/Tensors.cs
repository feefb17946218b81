using Microsoft.ML.OnnxRuntime;

namespace SwarmMerge.Inference;

/// <summary>Small helpers to wrap host arrays as ONNX Runtime tensors (no copy) and read outputs.</summary>
internal static class Tensors
{
    public static OrtValue Of(long[] data, params long[] shape) =>
        OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<long>(data), shape);

    public static OrtValue Of(float[] data, params long[] shape) =>
        OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(data), shape);

    /// <summary>Row <paramref name="row"/> of the last axis of a float tensor (e.g. one position's logits).</summary>
    public static ReadOnlySpan<float> Row(OrtValue value, long row, int width) =>
        value.GetTensorDataAsSpan<float>().Slice(checked((int)(row * width)), width);

    /// <summary>Index of the largest value; the first one on ties (as torch.argmax).</summary>
    public static int ArgMax<T>(ReadOnlySpan<T> values) where T : System.Numerics.IComparisonOperators<T, T, bool>
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }
        return best;
    }

    /// <summary>log Σ exp(values), stable.</summary>
    public static double LogSumExp(ReadOnlySpan<float> values)
    {
        float max = System.Numerics.Tensors.TensorPrimitives.Max(values);
        double sum = 0;
        foreach (float v in values)
        {
            sum += Math.Exp(v - max);
        }
        return max + Math.Log(sum);
    }
}
