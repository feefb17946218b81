using System.Numerics.Tensors;
using SwarmMerge.IO;

namespace SwarmMerge.Models;

/// <summary>
/// One tensor of an <see cref="AdaptedModel"/>: (the adapter's replacement, or the base's values) + scale·B·A,
/// with the update computed for the requested range only. The sum is rounded once, as when PEFT folds the
/// adapter into an fp32 copy of the base (mergekit's default for <c>base+adapter</c>), so an adapter expert is
/// exactly that folded checkpoint and its task vector is fl(θ₀ + ΔW) − θ₀.
/// </summary>
internal sealed class AdaptedTensor : ITensorValues
{
    // Pieces a whole-tensor read is cut into, so the per-thread update buffer stays one chunk long.
    private const int Piece = 1 << 18;

    [ThreadStatic]
    private static float[]? t_update;

    private readonly ITensorValues _source;
    private readonly LowRankDelta.Factors? _delta;
    private readonly bool _replaced;
    private readonly bool _fromOrigin;

    /// <param name="info">The tensor as the base has it.</param>
    /// <param name="source">Where the values before the update come from: the replacement, else the base.</param>
    /// <param name="replaced">True when <paramref name="source"/> is the adapter's replacement.</param>
    /// <param name="delta">The low-rank update, if the tensor has one.</param>
    /// <param name="fromOrigin">True when the caller's origin is this model's base.</param>
    public AdaptedTensor(TensorInfo info, ITensorValues source, bool replaced, LowRankDelta.Factors? delta, bool fromOrigin)
    {
        Info = info;
        _source = source;
        _replaced = replaced;
        _delta = delta;
        _fromOrigin = fromOrigin;
    }

    /// <inheritdoc />
    public TensorInfo Info { get; }

    /// <inheritdoc />
    public bool SameAsOrigin => _fromOrigin && !_replaced && _delta is null;

    /// <inheritdoc />
    public void ReadFloats(long start, Span<float> destination)
    {
        _source.ReadFloats(start, destination);
        AddUpdate(start, destination);
    }

    /// <inheritdoc />
    public void ReadTaskVector(long start, ReadOnlySpan<float> baseValues, Span<float> destination)
    {
        if (SameAsOrigin)
        {
            destination.Clear();
            return;
        }
        if (_fromOrigin && !_replaced)
        {
            baseValues.CopyTo(destination); // the values before the update are the base's, already read
        }
        else
        {
            _source.ReadFloats(start, destination);
        }
        AddUpdate(start, destination);
        TensorPrimitives.Subtract(destination, baseValues, destination);
    }

    /// <inheritdoc />
    public void Prefetch() => _source.Prefetch();

    private void AddUpdate(long start, Span<float> values)
    {
        if (_delta is null)
        {
            return;
        }
        for (int done = 0; done < values.Length; done += Piece)
        {
            int length = Math.Min(Piece, values.Length - done);
            var update = (t_update is { } buffer && buffer.Length >= length ? buffer : t_update = new float[Math.Max(length, 1 << 16)]).AsSpan(0, length);
            _delta.Compute(start + done, update);
            var target = values.Slice(done, length);
            TensorPrimitives.Add(target, update, target);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _source.Dispose();
        _delta?.Dispose();
    }
}
