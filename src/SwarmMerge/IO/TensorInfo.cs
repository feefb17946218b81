namespace SwarmMerge.IO;

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="DataBegin">Start of its bytes, relative to the data section.</param>
/// <param name="DataEnd">End (exclusive) of its bytes, relative to the data section.</param>
public sealed record TensorInfo(string Name, TensorDType DType, long[] Shape, long DataBegin, long DataEnd)
{
    /// <summary>Number of elements (1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Number of bytes.</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>Elements per row: the product of all but the first dimension (the whole tensor for 0-D and 1-D).</summary>
    public long RowLength => Shape.Length <= 1 ? Math.Max(1, ElementCount) : Shape.Skip(1).Aggregate(1L, (a, b) => a * b);

    /// <summary>The shape as <c>[a, b]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
