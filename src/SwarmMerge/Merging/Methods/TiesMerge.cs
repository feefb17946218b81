using SwarmMerge.Merging.Sparsification;

namespace SwarmMerge.Merging.Methods;

/// <summary>TIES (Yadav et al. 2023): keep each task vector's largest entries, elect a sign per entry, average the agreeing entries.</summary>
public sealed class TiesMerge() : GeneralizedTaskArithmetic("ties", SparsificationKind.Magnitude, consensus: true, normalizeByDefault: true, rescaleByDefault: false);
