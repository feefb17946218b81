using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using System.Text.Json;
using SwarmMerge.IO;
using SwarmMerge.Merging.Sparsification;
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
public sealed class SwarmMaterializer : IDisposable
{
    /// <summary>Elements per chunk.</summary>
    public const int ChunkElements = MergeRun.TargetChunkElements;

    private readonly ModelOpener _opener;
    private readonly IModelSource _base;
    private readonly IModelSource[] _experts;
    private readonly IModelSource[] _anchors;
    private readonly Dictionary<string, (TensorInfo Info, long Offset)> _merged;
    private readonly ChunkLoop _chunks;

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
            Materialize(candidate.Values, destination);
            return;
        }
        foreach (var tensor in Tensors)
        {
            var span = destination(tensor.Name);
            if (!span.IsEmpty)
            {
                CheckDestination(tensor, span);
                candidate.Vector.AsSpan((int)_merged[tensor.Name].Offset, (int)tensor.ElementCount).CopyTo(span);
            }
        }
    }

    /// <summary>Writes every merged tensor of coefficient point <paramref name="point"/> into <paramref name="destination"/>.</summary>
    public void Materialize(ReadOnlySpan<double> point, TensorDestination destination)
    {
        foreach (var tensor in Tensors)
        {
            var span = destination(tensor.Name);
            if (!span.IsEmpty)
            {
                MaterializeTensor(tensor.Name, point, span);
            }
        }
    }

    /// <summary>Computes merged tensor <paramref name="tensorName"/> of coefficient point <paramref name="point"/> into <paramref name="destination"/>.</summary>
    public unsafe void MaterializeTensor(string tensorName, ReadOnlySpan<double> point, Span<float> destination)
    {
        Space.CheckLength(point);
        var (info, _) = Lookup(tensorName);
        CheckDestination(info, destination);
        using var mix = new TensorMix(this, info, Space.Row(point, Groups.Of(tensorName)));
        fixed (float* output = destination)
        {
            nint address = (nint)output;
            ForEachChunk(info.ElementCount, CancellationToken.None, (start, count, scratch) =>
                mix.Compute(start, new Span<float>((float*)address + start, count), scratch));
        }
    }

    /// <summary>
    /// Writes the merged model of <paramref name="candidate"/> as a Hugging Face checkpoint: merged tensors in the
    /// base's dtypes, unmerged ones copied from the base, the base's config and tokenizer files, and
    /// <c>swarmmerge_candidate.json</c> (method, step, member, values) for provenance. The folder appears atomically.
    /// </summary>
    public MergeResult WriteCheckpoint(Candidate candidate, string outputDirectory, bool overwrite = false, long maxShardBytes = 5_000_000_000, CancellationToken cancellation = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (candidate.Vector is null)
        {
            Space.CheckLength(candidate.Values);
        }
        var outputs = _base.Tensors.Select(t => new OutputTensor(t.Name, t.DType, t.Shape)).ToList();
        using var output = new CheckpointOutput(outputDirectory, overwrite, outputs, maxShardBytes);
        foreach (var tensor in _base.Tensors)
        {
            cancellation.ThrowIfCancellationRequested();
            if (IsMerged(tensor.Name))
            {
                WriteMerged(candidate, tensor, output, cancellation);
            }
            else
            {
                CopyFromBase(tensor, output, cancellation);
            }
        }
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

    private void WriteMerged(Candidate candidate, TensorInfo tensor, CheckpointOutput output, CancellationToken cancellation)
    {
        using var mix = candidate.Vector is null ? new TensorMix(this, tensor, Space.Row(candidate.Values, Groups.Of(tensor.Name))) : null;
        long offset = _merged[tensor.Name].Offset;
        ForEachChunk(tensor.ElementCount, cancellation, (start, count, scratch) =>
        {
            var values = scratch.Get(2, count);
            if (mix is null)
            {
                candidate.Vector.AsSpan((int)(offset + start), count).CopyTo(values);
            }
            else
            {
                mix.Compute(start, values, scratch);
            }
            output.Write(tensor.Name, start, values);
        });
    }

    private void CopyFromBase(TensorInfo tensor, CheckpointOutput output, CancellationToken cancellation)
    {
        if (_base is AdaptedModel adapted && adapted.Changes(tensor.Name))
        {
            // A base+adapter's own change to a tensor the experts lack: its values, not the stored bytes.
            using var values = _base.OpenValues(tensor.Name);
            ForEachChunk(tensor.ElementCount, cancellation, (start, count, scratch) =>
            {
                var floats = scratch.Get(2, count);
                values.ReadFloats(start, floats);
                output.Write(tensor.Name, start, floats);
            });
            return;
        }
        using var view = _base.OpenTensor(tensor.Name);
        output.Copy(tensor.Name, view);
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

    // The merge's chunks of a flat tensor (ChunkElements each), its scratch kept from tensor to tensor: a set per tensor
    // and worker was 1 MiB arrays on the large-object heap, about 0.85 GB of them per 0.5 B candidate, which the GC let
    // grow the process by about 1 GB before it collected them.
    private void ForEachChunk(long length, CancellationToken cancellation, Action<long, int, ChunkScratch> body) =>
        _chunks.ForEach(length, 1, wholeRows: false, cancellation, body);

    /// <inheritdoc />
    public void Dispose() => _opener.Dispose();

    /// <summary>One tensor's inputs and one group's coefficients, ready to compute chunks.</summary>
    private sealed class TensorMix : IDisposable
    {
        private readonly ITensorValues _base;
        private readonly ITensorValues?[] _experts;
        private readonly Sparsifier?[] _masks;
        private readonly float _baseWeight;
        private readonly float[] _expertWeights;
        private readonly float[] _sparseWeights;
        private readonly ITensorValues?[] _anchors;
        private readonly float[] _anchorWeights;

        public TensorMix(SwarmMaterializer owner, TensorInfo info, ReadOnlySpan<double> row)
        {
            int n = owner.Members.ExpertCount;
            double sum = 0;
            foreach (double c in row)
            {
                sum += c;
            }
            _baseWeight = (float)sum;
            _expertWeights = new float[n];
            _sparseWeights = new float[n];
            _experts = new ITensorValues?[n];
            _masks = new Sparsifier?[n];
            _base = owner._base.OpenValues(info.Name);
            for (int i = 0; i < n; i++)
            {
                _expertWeights[i] = (float)row[1 + i];
                _sparseWeights[i] = owner.Members.IncludeSparsified ? (float)row[1 + n + i] : 0;
                if (_expertWeights[i] != 0 || _sparseWeights[i] != 0)
                {
                    var expert = owner._experts[i].OpenValues(info.Name, owner._base);
                    if (expert.SameAsOrigin)
                    {
                        expert.Dispose(); // an adapter that leaves this tensor alone: its task vector is zero
                        continue;
                    }
                    _experts[i] = expert;
                }
                if (_sparseWeights[i] != 0)
                {
                    _masks[i] = new RandomSparsifier(owner.Members.MaskKey(info.Name, i), 1 - owner.Members.DropRate);
                }
            }
            int first = owner.Members.FirstAnchor;
            _anchors = new ITensorValues?[owner._anchors.Length];
            _anchorWeights = new float[owner._anchors.Length];
            for (int a = 0; a < _anchors.Length; a++)
            {
                _anchorWeights[a] = (float)row[first + a];
                if (_anchorWeights[a] != 0)
                {
                    _anchors[a] = owner._anchors[a].OpenValues(info.Name, owner._base);
                }
            }
        }

        public void Compute(long start, Span<float> output, ChunkScratch scratch)
        {
            var baseValues = scratch.Get(0, output.Length);
            var delta = scratch.Get(1, output.Length);
            _base.ReadFloats(start, baseValues);
            TensorPrimitives.Multiply(baseValues, _baseWeight, output);
            for (int i = 0; i < _experts.Length; i++)
            {
                if (_experts[i] is not { } expert)
                {
                    continue;
                }
                expert.ReadTaskVector(start, baseValues, delta);
                if (_expertWeights[i] != 0)
                {
                    TensorPrimitives.MultiplyAdd(delta, _expertWeights[i], output, output);
                }
                if (_masks[i] is { } mask)
                {
                    mask.Apply(start, delta, divideByKeepProbability: true);
                    TensorPrimitives.MultiplyAdd(delta, _sparseWeights[i], output, output);
                }
            }
            for (int a = 0; a < _anchors.Length; a++)
            {
                if (_anchors[a] is { } anchor)
                {
                    anchor.ReadTaskVector(start, baseValues, delta);
                    TensorPrimitives.MultiplyAdd(delta, _anchorWeights[a], output, output);
                }
            }
        }

        public void Dispose()
        {
            _base.Dispose();
            foreach (var view in _experts.Concat(_anchors))
            {
                view?.Dispose();
            }
        }
    }
}
