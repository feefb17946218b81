using SwarmMerge.Search.Methods;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Search.Runs;

/// <summary><c>random</c>: Dirichlet draws over the shared coefficient space, as many as the budget.</summary>
public sealed class RandomMethod : ISearchMethod
{
    private static readonly string[] Keys = ["concentration", "include_members", .. SearchSettings.SelectionKeys];

    /// <inheritdoc />
    public SearchKind Kind => SearchKind.Random;

    /// <inheritdoc />
    public ISearch Create(SearchMethodConfig entry, SearchConfig config, SwarmMaterializer space, int budget)
    {
        var s = new SearchSettings(entry.Settings, Kind.ConfigName());
        s.Check(Keys);
        return new RandomSearch(space.Space, new RandomSearchSettings
        {
            Evaluations = budget,
            Concentration = s.Number("concentration", 1, SettingBound.Above(0)),
            IncludeMembers = s.Flag("include_members", false),
            Seed = config.Seed,
        });
    }
}
