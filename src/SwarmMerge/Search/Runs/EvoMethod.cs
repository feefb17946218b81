using SwarmMerge.Search.Methods;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Search.Runs;

/// <summary><c>evo</c>: CMA-ES over the weights and densities of a TIES / DARE merge (<see cref="EvoSpace"/>).</summary>
public sealed class EvoMethod : ISearchMethod
{
    private static readonly string[] Keys = ["sigma0", "population", "merge_method", "layer_slices", .. SearchSettings.SelectionKeys];

    /// <inheritdoc />
    public SearchKind Kind => SearchKind.Evo;

    /// <inheritdoc />
    public ISearch Create(SearchMethodConfig entry, SearchConfig config, SwarmMaterializer space, int budget)
    {
        var s = new SearchSettings(entry.Settings, Kind.ConfigName());
        s.Check(Keys);
        return CmaEsSearch.Evo(SpaceOf(entry, config), CmaEsMethod.Strategy(s, config.Seed));
    }

    /// <summary>The merge-parameter space an <c>evo</c> entry searches.</summary>
    public static EvoSpace SpaceOf(SearchMethodConfig entry, SearchConfig config)
    {
        var s = new SearchSettings(entry.Settings, entry.Name);
        string mergeMethod = s.Text("merge_method", "ties");
        if (!DataFreeMerges.EvoNames.Contains(mergeMethod))
        {
            throw new SearchConfigException($"{entry.Name}: 'merge_method' must be one of {string.Join(", ", DataFreeMerges.EvoNames)} (the merges with a weight and a density per model), not '{mergeMethod}'.");
        }
        return new(config.BaseModel, config.Experts, mergeMethod, s.Integer("layer_slices", 1, 1)) { Threads = config.Threads };
    }
}
