using SwarmMerge.Merging.Sparsification;

namespace SwarmMerge.Merging.Methods;

/// <summary>Model Breadcrumbs with TIES sign election.</summary>
public sealed class BreadcrumbsTiesMerge() : GeneralizedTaskArithmetic("breadcrumbs_ties", SparsificationKind.MagnitudeOutliers, consensus: true, normalizeByDefault: false, rescaleByDefault: false);
