namespace SwarmMerge.Search;

/// <summary>
/// How a <see cref="SearchKind"/> is written: in a config (<c>model_swarms</c>, <c>cma_es</c>) and in a search's log and
/// state (<c>model-swarms</c>, <c>cma-es</c>), two spellings kept as runs have always written them.
/// </summary>
public static class SearchKinds
{
    /// <summary>Every kind, in the order configs and messages list them.</summary>
    public static IReadOnlyList<SearchKind> All { get; } = [SearchKind.Pso, SearchKind.CmaEs, SearchKind.Evo, SearchKind.ModelSwarms, SearchKind.Random];

    /// <summary>The kind's key in a config's <c>methods:</c>, and an entry's default name.</summary>
    public static string ConfigName(this SearchKind kind) => kind switch
    {
        SearchKind.Pso => "pso",
        SearchKind.CmaEs => "cma_es",
        SearchKind.Evo => "evo",
        SearchKind.ModelSwarms => "model_swarms",
        SearchKind.Random => "random",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The name its search gives itself in the log (<c>evaluations.jsonl</c>'s <c>method</c>) and in <c>state.json</c>.</summary>
    public static string LogName(this SearchKind kind) => kind switch
    {
        SearchKind.CmaEs => "cma-es",
        SearchKind.ModelSwarms => "model-swarms",
        _ => kind.ConfigName(),
    };

    /// <summary>The kind whose config key is <paramref name="name"/>, or null.</summary>
    public static SearchKind? FromConfigName(string name) => All.Cast<SearchKind?>().FirstOrDefault(k => k!.Value.ConfigName() == name);
}
