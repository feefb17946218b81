using SwarmMerge.Merging.Sparsification;

namespace SwarmMerge.Merging.Methods;

/// <summary>Task arithmetic (Ilharco et al. 2023): θ₀ + λ·Σ wᵢτᵢ.</summary>
public sealed class TaskArithmeticMerge() : GeneralizedTaskArithmetic("task_arithmetic", SparsificationKind.None, consensus: false, normalizeByDefault: false, rescaleByDefault: false);
