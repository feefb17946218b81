namespace SwarmMerge.Search;

/// <summary>The searches a run can compare (the entries of a config's <c>methods:</c>); spelled by <see cref="SearchKinds"/>.</summary>
public enum SearchKind
{
    /// <summary>PSO-Merging (<c>pso</c>).</summary>
    Pso,

    /// <summary>CMA-ES over the coefficient space (<c>cma_es</c>).</summary>
    CmaEs,

    /// <summary>Evo: CMA-ES over a TIES / DARE merge's weights and densities (<c>evo</c>).</summary>
    Evo,

    /// <summary>Model Swarms (<c>model_swarms</c>).</summary>
    ModelSwarms,

    /// <summary>Dirichlet draws over the coefficient space (<c>random</c>).</summary>
    Random,
}
