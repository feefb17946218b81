using SwarmMerge.Merging.Sparsification;

namespace SwarmMerge.Merging.Methods;

/// <summary>DARE (Yu et al. 2024) without sign election: drop entries at random, rescale, add.</summary>
public sealed class DareLinearMerge() : GeneralizedTaskArithmetic("dare_linear", SparsificationKind.Random, consensus: false, normalizeByDefault: false, rescaleByDefault: true);
