using SwarmMerge.Merging.Sparsification;

namespace SwarmMerge.Merging.Methods;

/// <summary>DELLA (Deep et al. 2024): magnitude-ranked random drop, rescale, TIES sign election.</summary>
public sealed class DellaMerge() : GeneralizedTaskArithmetic("della", SparsificationKind.DellaMagprune, consensus: true, normalizeByDefault: true, rescaleByDefault: true);
