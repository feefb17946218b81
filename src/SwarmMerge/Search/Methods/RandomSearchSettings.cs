namespace SwarmMerge.Search.Methods;

/// <summary>Settings of <see cref="RandomSearch"/>.</summary>
public sealed record RandomSearchSettings
{
    /// <summary>Number of candidates (the budget, in evaluations).</summary>
    public int Evaluations { get; init; } = 100;

    /// <summary>Dirichlet concentration α of every member. 1 (the default) is the uniform distribution on the simplex; larger values favour even mixtures, smaller ones corners.</summary>
    public double Concentration { get; init; } = 1;

    /// <summary>Score the members themselves (the simplex's corners) first, as PSO's initial swarm does.</summary>
    public bool IncludeMembers { get; init; }

    /// <summary>Seed of the draws.</summary>
    public ulong Seed { get; init; }
}
