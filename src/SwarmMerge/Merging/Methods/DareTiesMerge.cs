using SwarmMerge.Merging.Sparsification;

namespace SwarmMerge.Merging.Methods;

/// <summary>DARE with TIES sign election.</summary>
public sealed class DareTiesMerge() : GeneralizedTaskArithmetic("dare_ties", SparsificationKind.Random, consensus: true, normalizeByDefault: false, rescaleByDefault: true);
