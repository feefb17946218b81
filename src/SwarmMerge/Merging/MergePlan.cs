using SwarmMerge.IO;

namespace SwarmMerge.Merging;

/// <summary>One output tensor: either computed by the method (<see cref="Job"/>) or copied unchanged (<see cref="CopyFrom"/>).</summary>
/// <param name="Output">Name, dtype and shape as written.</param>
/// <param name="Job">The merge job, for float tensors.</param>
/// <param name="CopyFrom">The model whose bytes are copied, for other tensors.</param>
public sealed record PlannedTensor(OutputTensor Output, TensorMergeJob? Job, IModelSource? CopyFrom)
{
    /// <summary>The tensor of <see cref="CopyFrom"/> to copy, when its name differs from the output's (a renumbered layer), else null.</summary>
    public string? SourceName { get; init; }
}

/// <summary>
/// A validated merge: every input opened and checked, every parameter evaluated for every tensor, the
/// output layout fixed. Building one (<see cref="MergePlanner"/>) is the whole of <c>--dry-run</c>.
/// </summary>
public sealed class MergePlan : IDisposable
{
    private readonly IDisposable _opened;

    internal MergePlan(MergeConfig config, IMergeMethod method, IModelSource reference, IModelSource? baseModel, IReadOnlyList<IModelSource> models,
        IReadOnlyList<PlannedTensor> tensors, IReadOnlyList<string> warnings, string tokenizerSource, TensorDType? outputDType, IDisposable opened)
    {
        Config = config;
        Method = method;
        Reference = reference;
        Base = baseModel;
        Models = models;
        Tensors = tensors;
        Warnings = warnings;
        TokenizerSource = tokenizerSource;
        OutputDType = outputDType;
        _opened = opened;
    }

    /// <summary>The configuration.</summary>
    public MergeConfig Config { get; }

    /// <summary>The method.</summary>
    public IMergeMethod Method { get; }

    /// <summary>The model that gives the output its config.json and default tokenizer (the base, else the first model or slice source).</summary>
    public IModelSource Reference { get; }

    /// <summary>The base model, if configured.</summary>
    public IModelSource? Base { get; }

    /// <summary>The merged models, in config order.</summary>
    public IReadOnlyList<IModelSource> Models { get; }

    /// <summary>Output tensors, in output order.</summary>
    public IReadOnlyList<PlannedTensor> Tensors { get; }

    /// <summary>Things the user should know that do not stop the merge.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Folder whose tokenizer files and generation config are copied.</summary>
    public string TokenizerSource { get; }

    /// <summary>The configured output dtype (<c>out_dtype</c>, else <c>dtype</c>), or null to keep each tensor's own.</summary>
    public TensorDType? OutputDType { get; }

    /// <summary>The output's number of layers, written into its config.json, when <c>slices</c> change it; else null.</summary>
    public int? OutputLayers { get; init; }

    /// <summary>For <c>slices</c>: the <c>layer_types</c> / <c>max_window_layers</c> that keep each layer's attention, written into config.json; else null.</summary>
    internal SliceAttention? OutputAttention { get; init; }

    /// <summary>The tensors the method computes.</summary>
    public IEnumerable<TensorMergeJob> Jobs => Tensors.Where(t => t.Job is not null).Select(t => t.Job!);

    /// <summary>Bytes the output will hold.</summary>
    public long OutputBytes => Tensors.Sum(t => t.Output.ByteLength);

    /// <summary>Throws when <paramref name="outputDirectory"/> is, lies inside, or holds an input folder of this merge (compared after resolving links).</summary>
    /// <exception cref="IOException">The output would overwrite an input.</exception>
    public void CheckOutput(string outputDirectory) =>
        OutputPaths.CheckOutsideInputs(outputDirectory, (Base?.Folders ?? []).Select(f => (f, "base_model"))
            .Concat(Models.SelectMany(m => m.Folders.Select(f => (f, "model"))))
            .Append((TokenizerSource, "tokenizer_source")));

    /// <inheritdoc />
    public void Dispose() => _opened.Dispose();
}
