using System.Text.Json.Nodes;
using System.Text.Json;
using SwarmMerge.Inference;
using SwarmMerge.IO;
using SwarmMerge.Merging;
using SwarmMerge.Models;
using SwarmMerge.Search;

namespace SwarmMerge.Search.Space;

/// <summary>
/// Turns a point of the coefficient space into weights, tensor by tensor and chunk by chunk, straight from the
/// memory-mapped base, expert and anchor checkpoints: θ = (Σc)·θ₀ + Σᵢ [cᵢ·τᵢ + c_{n+i}·mask(τᵢ)/(1−p)] + Σₐ c_a·τ_a
/// over group g's coefficients c (τ_a = θ_a − θ₀ for anchor a). The sparsified experts are regenerated from their
/// seed; memory is a few chunks per thread, whatever the number of particles.
/// </summary>
public sealed class SwarmMaterializer : ICandidateSpace, IDisposable
{
    /// <summary>Elements per chunk.</summary>
    public const int ChunkElements = MergeRun.TargetChunkElements;

    private readonly ModelOpener _opener;
    private readonly IModelSource _base;
    private readonly IModelSource[] _experts;
    private readonly IModelSource[] _anchors;
    private readonly Dictionary<string, (TensorInfo Info, long Offset)> _merged;
    private readonly ChunkLoop _chunks;
    private readonly IMergeMethod _affine = MergeMethods.Get("affine");
    private readonly IMergeMethod _passthrough = MergeMethods.Get("passthrough");

    private SwarmMaterializer(SwarmMembers members, ModelOpener opener, IModelSource baseModel, IModelSource[] experts, IModelSource[] anchors, Granularity granularity, int threads)
    {
        Members = members;
        _opener = opener;
        _base = baseModel;
        _experts = experts;
        _anchors = anchors;
        _chunks = new ChunkLoop(threads);
        var merged = new List<TensorInfo>();
        var unmerged = new List<string>();
        foreach (var tensor in baseModel.Tensors)
        {
            if (tensor.DType.IsMergeable() && !TensorNames.IsHead(tensor.Name))
            {
                foreach (var expert in experts.Concat(anchors))
                {
                    CheckExpertTensor(expert, tensor);
                }
                merged.Add(tensor);
            }
            else
            {
                unmerged.Add(tensor.Name);
            }
        }
        if (merged.Count == 0)
        {
            throw new SafetensorsFormatException(baseModel.Directory, null, "has no float tensor outside task heads: nothing to merge.");
        }
        Tensors = merged;
        Unmerged = unmerged;
        _merged = new Dictionary<string, (TensorInfo, long)>(StringComparer.Ordinal);
        long offset = 0;
        foreach (var tensor in merged)
        {
            _merged[tensor.Name] = (tensor, offset);
            offset += tensor.ElementCount;
        }
        ParameterCount = offset;
        Groups = CoefficientGroups.Create(granularity, merged.Select(t => t.Name));
        Space = new CoefficientSpace(members.Count, Groups.Count);
    }

    /// <summary>The swarm's members.</summary>
    public SwarmMembers Members { get; }

    /// <summary>The coefficient groups of the merged tensors.</summary>
    public CoefficientGroups Groups { get; }

    /// <summary>The coefficient space (members × groups).</summary>
    public CoefficientSpace Space { get; }

    /// <summary>The merged tensors: the base's float tensors outside task heads (which every expert must have with the same shape), in the base's order.</summary>
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>Base tensors that are not merged (not float, or a task head: <c>classifier.*</c>, <c>score.*</c>): written as the base has them.</summary>
    public IReadOnlyList<string> Unmerged { get; }

    /// <summary>Number of merged parameters (the length of an elementwise particle vector).</summary>
    public long ParameterCount { get; }

    /// <summary>The base model.</summary>
    public IModelSource Base => _base;

    /// <summary>The experts, in member order.</summary>
    public IReadOnlyList<IModelSource> Experts => _experts;

    /// <summary>Opens the members' models (checkpoint folders, adapter folders on the base, or <c>base+adapter</c>).</summary>
    /// <param name="members">Base, experts, and sparsification settings.</param>
    /// <param name="granularity">How coefficients vary across tensors.</param>
    /// <param name="threads">Worker threads for chunks.</param>
    public static SwarmMaterializer Open(SwarmMembers members, Granularity granularity = Granularity.Model, int threads = 0)
    {
        members.Validate();
        var opener = new ModelOpener();
        try
        {
            string root = Directory.GetCurrentDirectory();
            var baseReference = ModelReference.Parse(members.BaseModel, root);
            var baseModel = opener.Open(baseReference);
            var experts = members.Experts.Select(e => opener.Open(ModelReference.Parse(e, root).OnBase(baseReference))).ToArray();
            // An anchor is a merged checkpoint (or, while its plan is only checked, the base standing in for it).
            var anchors = members.Anchors.Select(a => a.Directory == members.BaseModel ? baseModel : opener.Checkpoint(a.Directory)).ToArray();
            return new SwarmMaterializer(members, opener, baseModel, experts, anchors, granularity, threads > 0 ? threads : Environment.ProcessorCount);
        }
        catch
        {
            opener.Dispose();
            throw;
        }
    }

    /// <summary>
    /// An expert must hold every merged tensor of the base as a float tensor of the same shape: anything else is a
    /// different model (or a broken one), which the search would otherwise leave unmerged without a word.
    /// </summary>
    private static void CheckExpertTensor(IModelSource expert, TensorInfo tensor)
    {
        if (!expert.Contains(tensor.Name))
        {
            throw new SafetensorsFormatException(expert.Name, tensor.Name, "missing from this expert but present in the base model (is it a fine-tune of this base?)");
        }
        var info = expert.Info(tensor.Name);
        if (!info.DType.IsMergeable())
        {
            throw new SafetensorsFormatException(expert.Name, tensor.Name, $"is {info.DType.SafetensorsName()} here but {tensor.DType.SafetensorsName()} in the base model");
        }
        if (!info.Shape.SequenceEqual(tensor.Shape))
        {
            throw new SafetensorsFormatException(expert.Name, tensor.Name, $"shape {info.ShapeText} does not match the base model's {tensor.ShapeText}");
        }
    }

    /// <summary>True when <paramref name="tensorName"/> is a merged tensor.</summary>
    public bool IsMerged(string tensorName) => _merged.ContainsKey(tensorName);

    /// <summary>Where tensor <paramref name="tensorName"/> starts in an elementwise particle vector.</summary>
    public long OffsetOf(string tensorName) => Lookup(tensorName).Offset;

    /// <summary>Writes every merged tensor of <paramref name="candidate"/> (coefficients, or an elementwise vector) into <paramref name="destination"/>.</summary>
    public void Materialize(Candidate candidate, TensorDestination destination)
    {
        if (candidate.Vector is null)
        {
            Space.CheckLength(candidate.Values);
        }
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in Tensors)
        {
            var span = destination(tensor.Name);
            if (!span.IsEmpty)
            {
                CheckDestination(tensor, span);
                wanted.Add(tensor.Name);
            }
        }
        using var plan = Plan(candidate, wanted.Contains, unmerged: false);
        Run(plan, new DestinationSink(destination), CancellationToken.None);
    }

    /// <summary>Writes every merged tensor of coefficient point <paramref name="point"/> into <paramref name="destination"/>.</summary>
    public void Materialize(ReadOnlySpan<double> point, TensorDestination destination) =>
        Materialize(new Candidate("", 0, 0, point.ToArray()), destination);

    /// <summary>Computes merged tensor <paramref name="tensorName"/> of coefficient point <paramref name="point"/> into <paramref name="destination"/>.</summary>
    public unsafe void MaterializeTensor(string tensorName, ReadOnlySpan<double> point, Span<float> destination)
    {
        Space.CheckLength(point);
        var (info, _) = Lookup(tensorName);
        CheckDestination(info, destination);
        using var plan = Plan(new Candidate("", 0, 0, point.ToArray()), name => name == tensorName, unmerged: false);
        fixed (float* output = destination)
        {
            nint address = (nint)output;
            int length = destination.Length;
            Run(plan, new DestinationSink(_ => new Span<float>((float*)address, length)), CancellationToken.None);
        }
    }

    /// <summary>
    /// The merge plan of <paramref name="candidate"/>: every merged tensor an <c>affine</c> merge of the base, the experts
    /// and the anchors with its group's coefficients (or, for an elementwise vector, a <c>passthrough</c> of its values),
    /// every other tensor of the base as the base has it. Its inputs are this materializer's: dispose the plan, not them.
    /// </summary>
    public MergePlan Plan(Candidate candidate) => Plan(candidate, _ => true, unmerged: true);

    /// <inheritdoc />
    public bool ScoredAsWritten => false;

    /// <inheritdoc />
    /// <remarks>Only the merged tensors are written, in fp32; the engine keeps the base's values of the others.</remarks>
    public void WriteWeights(Candidate candidate, ModelWeights weights, CancellationToken cancellation = default) => this.MaterializeInto(candidate, weights);

    /// <inheritdoc />
    void ICandidateSpace.WriteCheckpoint(Candidate candidate, string directory, CancellationToken cancellation) =>
        WriteCheckpoint(candidate, directory, overwrite: true, cancellation: cancellation);

    private MergePlan Plan(Candidate candidate, Func<string, bool> include, bool unmerged)
    {
        var vector = candidate.Vector is { } values ? new ParticleVector(values, Tensors.Select(t => (t, _merged[t.Name].Offset))) : null;
        if (vector is null)
        {
            Space.CheckLength(candidate.Values);
        }
        int n = Members.ExpertCount;
        var models = vector is null ? _experts.Concat(_anchors).ToList() : [vector];
        var tensors = new List<PlannedTensor>();
        long globalOffset = 0;
        foreach (var tensor in _base.Tensors)
        {
            var output = new OutputTensor(tensor.Name, tensor.DType, tensor.Shape);
            TensorMergeJob? job;
            if (IsMerged(tensor.Name))
            {
                if (!include(tensor.Name))
                {
                    continue;
                }
                job = vector is not null
                    ? Job(tensor, _passthrough, null, [vector], PassthroughParameters, [PassthroughModelParameters], globalOffset)
                    : Job(tensor, _affine, _base, models, AffineParameters(Space.Row(candidate.Values, Groups.Of(tensor.Name)), n, out var modelParameters), modelParameters, globalOffset);
            }
            else if (!unmerged || !include(tensor.Name))
            {
                continue;
            }
            else if (_base is AdaptedModel adapted && adapted.Changes(tensor.Name))
            {
                // A base+adapter's own change to a tensor the experts lack: its values, not the stored bytes.
                job = vector is null
                    ? Job(tensor, _affine, _base, [], BaseValues, [], globalOffset)
                    : Job(tensor, _passthrough, null, [_base], PassthroughParameters, [PassthroughModelParameters], globalOffset);
            }
            else
            {
                tensors.Add(new PlannedTensor(output, null, _base));
                continue;
            }
            tensors.Add(new PlannedTensor(output, job, null));
            globalOffset += job.Length;
        }
        var config = new MergeConfig(vector is null ? _affine.Name : _passthrough.Name, Members.BaseModel, [], new Dictionary<string, ParameterSetting>(), null, null, null);
        return new MergePlan(config, vector is null ? _affine : _passthrough, _base, _base, models, tensors, [], _base.Directory, null, vector ?? (IDisposable)NothingOpened.Instance);
    }

    private static TensorMergeJob Job(TensorInfo tensor, IMergeMethod method, IModelSource? baseModel, IReadOnlyList<IModelSource> models,
        IReadOnlyDictionary<string, object> parameters, IReadOnlyList<IReadOnlyDictionary<string, object>> modelParameters, long globalOffset)
    {
        var job = new TensorMergeJob(tensor.Name, tensor.Shape, tensor.DType, baseModel is null ? null : new TensorInput(baseModel, tensor.Name, tensor),
            models.Select(m => new TensorInput(m, tensor.Name, m.Info(tensor.Name))).ToList(), parameters, modelParameters, globalOffset);
        // Not ValidateParameters: the space gives the coefficients (any double, as the search moved them) and the drop
        // rate (checked by SwarmMembers.Validate); a config's are checked by the planner.
        return job;
    }

    // θ = (Σc)·θ₀ + Σᵢ [cᵢ·τᵢ + c_{n+i}·mask(τᵢ)/(1−p)] + Σₐ c_a·τ_a: the group's row as the affine merge's weights.
    private Dictionary<string, object> AffineParameters(ReadOnlySpan<double> row, int n, out IReadOnlyList<IReadOnlyDictionary<string, object>> modelParameters)
    {
        var models = new List<IReadOnlyDictionary<string, object>>(n + _anchors.Length);
        for (int i = 0; i < n; i++)
        {
            models.Add(new Dictionary<string, object>
            {
                ["weight"] = row[1 + i],
                ["sparse_weight"] = Members.IncludeSparsified ? row[1 + n + i] : 0.0,
            });
        }
        for (int a = 0; a < _anchors.Length; a++)
        {
            models.Add(new Dictionary<string, object> { ["weight"] = row[Members.FirstAnchor + a], ["sparse_weight"] = 0.0 });
        }
        modelParameters = models;
        return new Dictionary<string, object> { ["base_weight"] = row[0], ["drop_rate"] = Members.DropRate };
    }

    private static readonly Dictionary<string, object> BaseValues = new() { ["base_weight"] = 1.0, ["drop_rate"] = 0.0 };
    private static readonly Dictionary<string, object> PassthroughParameters = [];
    private static readonly Dictionary<string, object> PassthroughModelParameters = new() { ["scale"] = 1.0 };

    private void Run(MergePlan plan, ITensorSink sink, CancellationToken cancellation) =>
        MergeExecutor.Run(plan, sink, new MergeOptions { Seed = Members.SparsifySeed, Threads = _chunks.Threads }, null, cancellation, _chunks, prefetch: false);

    /// <summary>
    /// Writes the merged model of <paramref name="candidate"/> as a Hugging Face checkpoint: merged tensors in the
    /// base's dtypes, unmerged ones copied from the base, the base's config and tokenizer files, and
    /// <c>swarmmerge_candidate.json</c> (method, step, member, values) for provenance. The folder appears atomically.
    /// </summary>
    public MergeResult WriteCheckpoint(Candidate candidate, string outputDirectory, bool overwrite = false, long maxShardBytes = 5_000_000_000, CancellationToken cancellation = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var plan = Plan(candidate);
        using var output = new CheckpointOutput(outputDirectory, overwrite, plan.Tensors.Select(t => t.Output).ToList(), maxShardBytes);
        Run(plan, output, cancellation);
        var (shards, bytes) = output.CompleteTensors();
        foreach (string name in MergeExecutor.SupportFiles.Append("config.json"))
        {
            string source = Path.Combine(_base.Directory, name);
            if (File.Exists(source))
            {
                File.Copy(source, Path.Combine(output.TemporaryPath, name));
            }
        }
        var provenance = new JsonObject
        {
            ["method"] = candidate.Method,
            ["step"] = candidate.Step,
            ["member"] = candidate.Member,
            ["members"] = new JsonArray(Members.Names.Select(n => (JsonNode)n!).ToArray()),
            ["groups"] = new JsonArray(Groups.Names.Select(n => (JsonNode)n!).ToArray()),
            ["values"] = new JsonArray(candidate.Values.Select(v => (JsonNode)v).ToArray()),
        };
        File.WriteAllText(Path.Combine(output.TemporaryPath, "swarmmerge_candidate.json"), provenance.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        output.Commit();
        return new MergeResult(output.Destination, shards, bytes, clock.Elapsed.TotalSeconds);
    }

    private (TensorInfo Info, long Offset) Lookup(string tensorName) =>
        _merged.TryGetValue(tensorName, out var entry) ? entry
        : throw new KeyNotFoundException($"Tensor '{tensorName}' is not merged (it is {(Unmerged.Contains(tensorName) ? "kept from the base model" : "not in the base model")}).");

    private static void CheckDestination(TensorInfo info, Span<float> destination)
    {
        if (destination.Length != info.ElementCount)
        {
            throw new ArgumentException($"The destination of tensor '{info.Name}' {info.ShapeText} holds {destination.Length} values; it needs {info.ElementCount}.");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _opener.Dispose();

    // A candidate's tensors computed straight into the destination's fp32 spans (Direct), as the materializer did before
    // candidates became plans: copying each chunk from scratch cost ~0.14 s per 0.5 B-parameter candidate.
    private sealed class DestinationSink(TensorDestination destination) : ITensorSink
    {
        public void Write(string tensor, long start, ReadOnlySpan<float> values)
        {
            var target = destination(tensor).Slice((int)start, values.Length);
            if (!values.Overlaps(target))
            {
                values.CopyTo(target);
            }
        }

        public void Copy(string tensor, TensorView stored) => stored.ReadFloats(0, destination(tensor));

        public Span<float> Direct(string tensor, long start, int count) => destination(tensor).Slice((int)start, count);
    }

    private sealed class NothingOpened : IDisposable
    {
        public static readonly NothingOpened Instance = new();

        public void Dispose()
        {
        }
    }
}
