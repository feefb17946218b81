namespace SwarmMerge.Merging;

/// <summary>One entry of <c>models:</c>.</summary>
/// <param name="Model">Model folder as written.</param>
/// <param name="Parameters">Its own parameters.</param>
public sealed record ModelEntry(string Model, IReadOnlyDictionary<string, ParameterSetting> Parameters);

/// <summary>A mergekit-style merge configuration (the subset SwarmMerge runs; see the README).</summary>
/// <param name="MergeMethod">Method name, e.g. <c>ties</c>.</param>
/// <param name="BaseModel">Base model folder as written, if any.</param>
/// <param name="Models">Models to merge, in order.</param>
/// <param name="Parameters">Top-level parameters.</param>
/// <param name="DType">Configured <c>dtype</c> (computation is always fp32; this is the default output dtype).</param>
/// <param name="OutDType">Configured <c>out_dtype</c>.</param>
/// <param name="TokenizerSource"><c>base</c>, a model folder, or null (= base).</param>
public sealed record MergeConfig(
    string MergeMethod,
    string? BaseModel,
    IReadOnlyList<ModelEntry> Models,
    IReadOnlyDictionary<string, ParameterSetting> Parameters,
    string? DType,
    string? OutDType,
    string? TokenizerSource)
{
    /// <summary>The YAML text the config was read from, kept beside the output for provenance.</summary>
    public string? SourceText { get; init; }
}
