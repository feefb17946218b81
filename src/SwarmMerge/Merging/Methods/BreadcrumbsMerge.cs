using SwarmMerge.Merging.Sparsification;

namespace SwarmMerge.Merging.Methods;

/// <summary>Model Breadcrumbs (Davari and Belilovsky 2024): drop the largest outliers and the smallest entries of each task vector.</summary>
public sealed class BreadcrumbsMerge() : GeneralizedTaskArithmetic("breadcrumbs", SparsificationKind.MagnitudeOutliers, consensus: false, normalizeByDefault: false, rescaleByDefault: false);
