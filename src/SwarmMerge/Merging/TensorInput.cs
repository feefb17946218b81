using SwarmMerge.IO;

namespace SwarmMerge.Merging;

/// <summary>Where one model's values for one output tensor come from.</summary>
/// <param name="Source">The model (a checkpoint, or a base with an adapter).</param>
/// <param name="TensorName">The tensor to read (the output's name, or a tied embedding standing in for the head).</param>
/// <param name="Info">Its header entry (it may have more rows than the output: the leading rows are used).</param>
public sealed record TensorInput(IModelSource Source, string TensorName, TensorInfo Info);
