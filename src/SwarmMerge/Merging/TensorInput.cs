using SwarmMerge.IO;

namespace SwarmMerge.Merging;

/// <summary>Where one model's values for one output tensor come from.</summary>
/// <param name="Checkpoint">The model.</param>
/// <param name="TensorName">The tensor to read (the output's name, or a tied embedding standing in for the head).</param>
/// <param name="Info">Its header entry (it may have more rows than the output: the leading rows are used).</param>
public sealed record TensorInput(Checkpoint Checkpoint, string TensorName, TensorInfo Info);
