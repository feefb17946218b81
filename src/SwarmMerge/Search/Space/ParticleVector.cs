using System.Text.Json.Nodes;
using SwarmMerge.IO;

namespace SwarmMerge.Search.Space;

/// <summary>
/// An elementwise particle (one value per merged parameter, the merged tensors concatenated in the base's order) read
/// as a model, so that the one merge executor writes it like any other merge: a <c>passthrough</c> of its tensors.
/// Its tensors are fp32 and in memory; it has no files.
/// </summary>
internal sealed class ParticleVector : IModelSource
{
    private readonly float[] _values;
    private readonly Dictionary<string, (TensorInfo Info, long Offset)> _tensors;

    /// <param name="values">The particle.</param>
    /// <param name="layout">Each merged tensor as the base has it, and where it starts in <paramref name="values"/>.</param>
    public ParticleVector(float[] values, IEnumerable<(TensorInfo Tensor, long Offset)> layout)
    {
        _values = values;
        _tensors = layout.ToDictionary(
            t => t.Tensor.Name,
            t => (new TensorInfo(t.Tensor.Name, TensorDType.F32, t.Tensor.Shape, 0, 4 * t.Tensor.ElementCount), t.Offset),
            StringComparer.Ordinal);
        Tensors = _tensors.Values.Select(t => t.Info).ToList();
    }

    /// <inheritdoc />
    public string Name => "the elementwise particle";

    /// <inheritdoc />
    public string Directory => "";

    /// <inheritdoc />
    public IReadOnlyList<string> Folders => [];

    /// <inheritdoc />
    public JsonObject? Config => null;

    /// <inheritdoc />
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <inheritdoc />
    public bool TieWordEmbeddings => false;

    /// <inheritdoc />
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <inheritdoc />
    public TensorInfo Info(string name) => _tensors[name].Info;

    /// <inheritdoc />
    public ITensorValues OpenValues(string name, IModelSource? origin = null) => new Values(_tensors[name].Info, _values, _tensors[name].Offset);

    /// <inheritdoc />
    public TensorView OpenTensor(string name) => throw new NotSupportedException("An elementwise particle has no stored bytes; read its values.");

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Values(TensorInfo info, float[] values, long offset) : ITensorValues
    {
        public TensorInfo Info => info;

        public void ReadFloats(long start, Span<float> destination) =>
            values.AsSpan((int)(offset + start), destination.Length).CopyTo(destination);

        public void Dispose()
        {
        }
    }
}
