using SwarmMerge.Numerics;
using SwarmMerge.Search.Methods;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Search.Runs;

/// <summary><c>cma_es</c>: CMA-ES over the shared coefficient space.</summary>
public sealed class CmaEsMethod : ISearchMethod
{
    private static readonly string[] Keys = ["sigma0", "population", .. SearchSettings.SelectionKeys];

    /// <inheritdoc />
    public SearchKind Kind => SearchKind.CmaEs;

    /// <inheritdoc />
    public ISearch Create(SearchMethodConfig entry, SearchConfig config, SwarmMaterializer space, int budget)
    {
        var s = new SearchSettings(entry.Settings, Kind.ConfigName());
        s.Check(Keys);
        return CmaEsSearch.OverCoefficients(space.Space, Strategy(s, config.Seed));
    }

    /// <summary>The strategy's settings an entry sets (<c>sigma0</c>, <c>population</c>), shared with <c>evo</c>.</summary>
    internal static CmaEsSettings Strategy(SearchSettings s, ulong seed) => new()
    {
        Sigma0 = s.Number("sigma0", 1.0 / 6, SettingBound.Above(0)),
        PopulationSize = s.Has("population") ? s.Integer("population", 0, 2) : null, // λ ≥ 2: μ = ⌊λ/2⌋ parents
        Seed = seed,
    };
}
