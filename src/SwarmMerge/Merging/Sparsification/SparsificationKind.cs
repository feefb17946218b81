namespace SwarmMerge.Merging.Sparsification;

/// <summary>How a generalized task-arithmetic method thins each task vector.</summary>
public enum SparsificationKind
{
    /// <summary>Keep everything.</summary>
    None,
    /// <summary>Keep the ⌊density·N⌋ largest magnitudes (TIES).</summary>
    Magnitude,
    /// <summary>Keep each entry with probability density (DARE).</summary>
    Random,
    /// <summary>Drop the largest γ fraction and the smallest entries down to density (Model Breadcrumbs).</summary>
    MagnitudeOutliers,
    /// <summary>Keep with a probability rising with the entry's magnitude rank in its row (DELLA).</summary>
    DellaMagprune,
}
