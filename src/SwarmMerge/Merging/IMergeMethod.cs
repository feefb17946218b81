namespace SwarmMerge.Merging;

/// <summary>
/// A merge method: which parameters it reads, which models it needs, and how it computes one output
/// tensor from its inputs (<see cref="Merge"/>), chunk by chunk in fp32.
/// </summary>
public interface IMergeMethod
{
    /// <summary>Name in <c>merge_method:</c>.</summary>
    string Name { get; }

    /// <summary>True when <c>base_model</c> must be given; the base is then never one of the merged models.</summary>
    bool RequiresBaseModel { get; }

    /// <summary>Method-wide parameters (top-level <c>parameters:</c>), evaluated per tensor.</summary>
    IReadOnlyList<ParameterDefinition> Parameters { get; }

    /// <summary>Per-model parameters (a model's <c>parameters:</c>, else top-level), evaluated per tensor.</summary>
    IReadOnlyList<ParameterDefinition> ModelParameters { get; }

    /// <summary>Checks the number of merged models; throws <see cref="MergeConfigException"/> when it does not fit.</summary>
    void ValidateModelCount(int count);

    /// <summary>Checks the parameter values of one tensor before anything runs; throws <see cref="MergeConfigException"/>.</summary>
    void ValidateParameters(TensorMergeJob job) { }

    /// <summary>Whether <see cref="Merge"/> reads merged model <paramref name="model"/> of <paramref name="job"/>; one it does not read is neither opened nor prefetched (default: every model).</summary>
    bool ReadsModel(TensorMergeJob job, int model) => true;

    /// <summary>Work that spans tensors (e.g. whole-model ranks), run once before the first tensor.</summary>
    void Prepare(MergeRun run) { }

    /// <summary>Computes and writes one output tensor.</summary>
    void Merge(TensorMergeJob job);
}
