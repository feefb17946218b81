using System.Numerics.Tensors;

namespace SwarmMerge.IO;

/// <summary>One tensor of an <see cref="IModelSource"/>, open for reading element ranges as fp32. Dispose it to release it.</summary>
public interface ITensorValues : IDisposable
{
    /// <summary>The tensor's header entry.</summary>
    TensorInfo Info { get; }

    /// <summary>True when the values equal those of the origin given to <see cref="IModelSource.OpenValues"/>: the task vector is zero.</summary>
    bool SameAsOrigin => false;

    /// <summary>Decodes elements [<paramref name="start"/>, start + destination.Length) into fp32.</summary>
    void ReadFloats(long start, Span<float> destination);

    /// <summary>
    /// The task vector τ = value − base over elements [<paramref name="start"/>, start + destination.Length), given the
    /// base's values of the same range in <paramref name="baseValues"/>.
    /// </summary>
    void ReadTaskVector(long start, ReadOnlySpan<float> baseValues, Span<float> destination)
    {
        ReadFloats(start, destination);
        TensorPrimitives.Subtract(destination, baseValues, destination);
    }

    /// <summary>Asks the storage to start reading the tensor now (a hint; it may do nothing).</summary>
    void Prefetch() { }
}
