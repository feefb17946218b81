using SwarmMerge.Numerics;


namespace SwarmMerge.Search.Space;

/// <summary>
/// The models that span the coefficient space (the paper's initial particles): member 0 is the base θ₀, members
/// 1…n the experts θᵢ, and (with <see cref="IncludeSparsified"/>) members n+1…2n the DARE-sparsified experts
/// θ̃ᵢ = θ₀ + mask(τᵢ)/(1−p), whose masks are regenerated from <see cref="SparsifySeed"/>, never stored; then
/// the <see cref="Anchors"/>, data-free merges of the experts written once as checkpoints.
/// </summary>
/// <param name="BaseModel">The base model: a checkpoint folder, or <c>base+adapter</c>.</param>
/// <param name="Experts">The experts, in order: checkpoint folders, adapter folders (put on the base), or <c>base+adapter</c>.</param>
public sealed record SwarmMembers(string BaseModel, IReadOnlyList<string> Experts)
{
    /// <summary>DARE drop rate p of the sparsified experts: each task-vector entry is dropped with probability p (the paper: 0.8).</summary>
    public double DropRate { get; init; } = 0.8;

    /// <summary>Seed of the sparsification masks. Expert i's mask on a tensor is the counter-based stream
    /// <see cref="CounterRandom.StreamKey"/>(seed, tensor, i), the same one a <c>dare_linear</c> merge with this seed uses for its model i.</summary>
    public ulong SparsifySeed { get; init; }

    /// <summary>Whether the n sparsified experts are members (the paper: yes, 2n+1 particles).</summary>
    public bool IncludeSparsified { get; init; } = true;

    /// <summary>
    /// Data-free merges of the experts (TIES, DELLA, …) that are members too, after the sparsified experts: their
    /// task vectors θ_merge − θ₀ are nonlinear in the experts' and so outside the span of the other members.
    /// </summary>
    public IReadOnlyList<AnchorMember> Anchors { get; init; } = [];

    /// <summary>Number of experts n.</summary>
    public int ExpertCount => Experts.Count;

    /// <summary>Index of the first anchor: 2n+1, or n+1 without the sparsified experts.</summary>
    public int FirstAnchor => 1 + ExpertCount * (IncludeSparsified ? 2 : 1);

    /// <summary>Number of members: 2n+1 (or n+1 without the sparsified experts), plus the anchors.</summary>
    public int Count => FirstAnchor + Anchors.Count;

    /// <summary>Member names for logs and reports: <c>base</c>, <c>expert1</c>…, <c>sparse1</c>….</summary>
    public IReadOnlyList<string> Names =>
    [
        "base",
        .. Enumerable.Range(1, ExpertCount).Select(i => $"expert{i}"),
        .. IncludeSparsified ? Enumerable.Range(1, ExpertCount).Select(i => $"sparse{i}") : [],
        .. Anchors.Select(a => a.Name),
    ];

    /// <summary>The counter-based stream of sparsified expert <paramref name="expert"/> (0-based) on tensor <paramref name="tensorName"/>.</summary>
    public ulong MaskKey(string tensorName, int expert) => CounterRandom.StreamKey(SparsifySeed, tensorName, expert + 1);

    /// <summary>Throws when the settings cannot describe a swarm.</summary>
    public void Validate()
    {
        if (ExpertCount < 1)
        {
            throw new ArgumentException("A swarm needs at least one expert besides the base model.");
        }
        if (!(DropRate >= 0 && DropRate < 1))
        {
            throw new ArgumentException($"The drop rate must lie in [0, 1); it is {DropRate}.");
        }
    }
}

/// <summary>A data-free merge of the experts used as a member of the coefficient space.</summary>
/// <param name="Name">The member's name in logs (the merge method, e.g. <c>ties</c>, or <c>ties (tuned)</c>).</param>
/// <param name="Directory">The merged checkpoint.</param>
public sealed record AnchorMember(string Name, string Directory)
{
    /// <summary>The merge method that made it (by default its name).</summary>
    public string Method { get; init; } = Name;

    /// <summary>The merge parameters it was made with, over the method's baseline defaults (empty: the defaults).</summary>
    public IReadOnlyDictionary<string, object?> Parameters { get; init; } = new Dictionary<string, object?>();
}
