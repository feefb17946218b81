using SwarmMerge.IO;

namespace SwarmMerge.Merging;

/// <summary>
/// One output tensor to compute: the inputs (base and merged models), the parameter values for this
/// tensor, chunked parallel iteration, and the output sink. Methods see nothing of files or shards.
/// </summary>
public sealed class TensorMergeJob
{
    private readonly IReadOnlyDictionary<string, object> _parameters;
    private readonly IReadOnlyList<IReadOnlyDictionary<string, object>> _modelParameters;
    private ITensorValues? _baseView;
    private ITensorValues?[] _modelViews = [];

    internal TensorMergeJob(string name, long[] shape, TensorDType outputDType, TensorInput? baseInput, IReadOnlyList<TensorInput> models,
        IReadOnlyDictionary<string, object> parameters, IReadOnlyList<IReadOnlyDictionary<string, object>> modelParameters, long globalOffset)
    {
        Name = name;
        Shape = shape;
        OutputDType = outputDType;
        BaseInput = baseInput;
        Models = models;
        _parameters = parameters;
        _modelParameters = modelParameters;
        GlobalOffset = globalOffset;
        Length = shape.Aggregate(1L, (a, b) => a * b);
        RowLength = shape.Length <= 1 ? Math.Max(1, Length) : shape.Skip(1).Aggregate(1L, (a, b) => a * b);
    }

    /// <summary>Tensor name.</summary>
    public string Name { get; }

    /// <summary>Output shape.</summary>
    public long[] Shape { get; }

    /// <summary>Output dtype.</summary>
    public TensorDType OutputDType { get; }

    /// <summary>Number of elements.</summary>
    public long Length { get; }

    /// <summary>Elements per row (product of all but the first dimension; the whole tensor when 1-D).</summary>
    public long RowLength { get; }

    /// <summary>Where this tensor starts in the concatenation of all merged tensors (for whole-model ranks).</summary>
    public long GlobalOffset { get; }

    /// <summary>The base model's input, or null when the method runs without one.</summary>
    public TensorInput? BaseInput { get; }

    /// <summary>The merged models' inputs, in config order (the base excluded when the method requires it).</summary>
    public IReadOnlyList<TensorInput> Models { get; }

    /// <summary>Number of merged models.</summary>
    public int ModelCount => Models.Count;

    /// <summary>The run this job belongs to (seed, threads, output, whole-model state).</summary>
    public MergeRun Run { get; internal set; } = null!;

    /// <summary>Method-wide parameter <paramref name="name"/> for this tensor.</summary>
    public object Parameter(string name) => _parameters[name];

    /// <summary>Per-model parameter <paramref name="name"/> of merged model <paramref name="model"/> for this tensor.</summary>
    public object ModelParameter(int model, string name) => _modelParameters[model][name];

    /// <summary>Method-wide parameter as a number.</summary>
    public double Number(string name) => AsNumber(Parameter(name), name, null);

    /// <summary>Method-wide parameter as a boolean; a number is true when non-zero, as mergekit (which reads every value as a float) takes it.</summary>
    public bool Flag(string name) => Parameter(name) switch
    {
        bool b => b,
        double d => d != 0,
        _ => throw Invalid(name, null, "true or false"),
    };

    /// <summary>Method-wide parameter as text.</summary>
    public string Text(string name) => Parameter(name).ToString()!;

    /// <summary>Per-model parameter as a number.</summary>
    public double ModelNumber(int model, string name) => AsNumber(ModelParameter(model, name), name, model);

    // A number as given, non-finite included: a search's coefficients reach the affine mix as they are (a degenerate draw
    // gives NaN weights and a model that scores 0, as it always did), while a config's numbers are checked by Number.
    internal double RawNumber(string name) => Parameter(name) is double d ? d : Number(name);

    internal double RawModelNumber(int model, string name) => ModelParameter(model, name) is double d ? d : ModelNumber(model, name);

    /// <summary>An error about parameter <paramref name="name"/> of this tensor.</summary>
    public MergeConfigException Invalid(string name, int? model, string expectation) =>
        new($"Parameter '{name}'{(model is int m ? $" of model '{Models[m].Source.Name}'" : "")} for tensor '{Name}' must be {expectation}; it is '{(model is int mm ? ModelParameter(mm, name) : Parameter(name))}'.");

    private double AsNumber(object value, string name, int? model) => value switch
    {
        double d when double.IsFinite(d) => d,
        bool b => b ? 1 : 0,
        _ => throw Invalid(name, model, "a finite number"),
    };

    // reads(i) false: the method will not read model i of this tensor (a zero weight), so it is neither opened nor prefetched.
    internal void Open(Func<int, bool>? reads = null)
    {
        _baseView = BaseInput?.Source.OpenValues(BaseInput.TensorName);
        // The task-vector shortcut needs the base's values of the same tensor; a slice may read another layer of
        // the base, a tied head the embeddings.
        _modelViews = Models.Select((m, i) => reads is null || reads(i) ? m.Source.OpenValues(m.TensorName, m.TensorName == BaseInput?.TensorName ? BaseInput.Source : null) : null).ToArray();
    }

    internal void Prefetch()
    {
        _baseView?.Prefetch();
        foreach (var view in _modelViews)
        {
            view?.Prefetch();
        }
    }

    internal void Close()
    {
        _baseView?.Dispose();
        foreach (var view in _modelViews)
        {
            view?.Dispose();
        }
        _baseView = null;
        _modelViews = [];
    }

    /// <summary>Decodes base elements [start, start + destination.Length) into fp32.</summary>
    public void ReadBase(long start, Span<float> destination) =>
        (_baseView ?? throw new InvalidOperationException($"Tensor '{Name}' has no base input.")).ReadFloats(start, destination);

    /// <summary>Decodes elements [start, start + destination.Length) of merged model <paramref name="model"/> into fp32.</summary>
    public void ReadModel(int model, long start, Span<float> destination) => View(model).ReadFloats(start, destination);

    /// <summary>Task vector τ = model − base for elements [start, start + destination.Length); uses <paramref name="baseValues"/> already read.</summary>
    public void ReadDelta(int model, long start, ReadOnlySpan<float> baseValues, Span<float> destination) =>
        View(model).ReadTaskVector(start, baseValues, destination);

    /// <summary>True when merged model <paramref name="model"/>'s task vector on this tensor is zero without reading it (an adapter that leaves the tensor alone).</summary>
    public bool ModelUnchanged(int model) => View(model).SameAsOrigin;

    private ITensorValues View(int model) =>
        _modelViews[model] ?? throw new InvalidOperationException($"Model {model} of tensor '{Name}' is not read by this merge (IMergeMethod.ReadsModel).");

    /// <summary>
    /// Runs <paramref name="body"/>(start, count, scratch) over the tensor in fixed chunks, in parallel.
    /// With <paramref name="wholeRows"/> every chunk holds whole rows.
    /// </summary>
    public void ForEachChunk(Action<long, int, ChunkScratch> body, bool wholeRows = false) =>
        Run.ForEachChunk(Length, RowLength, wholeRows, body);

    /// <summary>Runs <paramref name="partial"/> per chunk and sums the results in chunk order (reproducible fp64 totals).</summary>
    public double[] SumChunks(int width, Action<long, int, ChunkScratch, double[]> partial, bool wholeRows = false) =>
        Run.SumChunks(Length, RowLength, wholeRows, width, partial);

    /// <summary>
    /// Where to compute output elements [start, start + <paramref name="count"/>): the sink's own memory when it keeps
    /// fp32 values as computed (<see cref="ITensorSink.Direct"/>), else <paramref name="scratch"/>. Pass it to
    /// <see cref="Write"/> either way; it may hold partial results until then.
    /// </summary>
    public Span<float> OutputBuffer(long start, int count, Span<float> scratch)
    {
        var direct = Run.Direct(this, start, count);
        return direct.Length == count ? direct : scratch;
    }

    /// <summary>Encodes and writes output elements [start, start + values.Length).</summary>
    public void Write(long start, ReadOnlySpan<float> values) => Run.WriteOutput(this, start, values);
}
