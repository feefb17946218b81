namespace SwarmMerge.Merging;

/// <summary>One entry of <c>models:</c>.</summary>
/// <param name="Model">Model folder as written.</param>
/// <param name="Parameters">Its own parameters.</param>
public sealed record ModelEntry(string Model, IReadOnlyDictionary<string, ParameterSetting> Parameters);

/// <summary>One entry of a slice's <c>sources:</c>: layers [<paramref name="Start"/>, <paramref name="End"/>) of a model.</summary>
/// <param name="Model">Model folder as written.</param>
/// <param name="Start">First layer (inclusive), as in <c>layer_range</c>.</param>
/// <param name="End">Last layer (exclusive).</param>
/// <param name="Parameters">Its own parameters.</param>
public sealed record SliceSource(string Model, int Start, int End, IReadOnlyDictionary<string, ParameterSetting> Parameters)
{
    /// <summary>Number of layers it contributes.</summary>
    public int Length => End - Start;
}

/// <summary>One entry of <c>slices:</c>: output layers merged from equally long layer ranges of its sources.</summary>
/// <param name="Sources">The inputs, in order.</param>
/// <param name="Parameters">Parameters of this slice (between the sources' and the top-level ones).</param>
/// <param name="BaseModel">The slice's own <c>base_model</c>, overriding the top-level one, if any.</param>
public sealed record OutputSlice(IReadOnlyList<SliceSource> Sources, IReadOnlyDictionary<string, ParameterSetting> Parameters, string? BaseModel);

/// <summary>A mergekit-style merge configuration (the subset SwarmMerge runs; see the README).</summary>
/// <param name="MergeMethod">Method name, e.g. <c>ties</c>.</param>
/// <param name="BaseModel">Base model folder as written, if any.</param>
/// <param name="Models">Models to merge, in order (empty when the config has <see cref="Slices"/>).</param>
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
    /// <summary>The output as layer slices (mergekit's <c>slices:</c>), or null when the config lists whole <see cref="Models"/>.</summary>
    public IReadOnlyList<OutputSlice>? Slices { get; init; }

    /// <summary>The YAML text the config was read from, kept beside the output for provenance.</summary>
    public string? SourceText { get; init; }
}
