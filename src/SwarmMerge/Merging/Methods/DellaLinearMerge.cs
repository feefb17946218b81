using SwarmMerge.Merging.Sparsification;

namespace SwarmMerge.Merging.Methods;

/// <summary>DELLA without sign election.</summary>
public sealed class DellaLinearMerge() : GeneralizedTaskArithmetic("della_linear", SparsificationKind.DellaMagprune, consensus: false, normalizeByDefault: false, rescaleByDefault: true);
