using SwarmMerge.Merging.Methods;

namespace SwarmMerge.Merging;

/// <summary>Every merge method, by the name used in <c>merge_method:</c>.</summary>
public static class MergeMethods
{
    private static readonly IReadOnlyList<IMergeMethod> All =
    [
        new LinearMerge(), new TaskArithmeticMerge(), new TiesMerge(), new DareLinearMerge(), new DareTiesMerge(),
        new BreadcrumbsMerge(), new BreadcrumbsTiesMerge(), new DellaMerge(), new DellaLinearMerge(),
        new SlerpMerge(), new ModelStockMerge(), new PassthroughMerge(), new AffineMerge(),
    ];

    /// <summary>The method names.</summary>
    public static IEnumerable<string> Names => All.Select(m => m.Name);

    /// <summary>The method called <paramref name="name"/>.</summary>
    /// <exception cref="MergeConfigException">No such method.</exception>
    public static IMergeMethod Get(string name) =>
        All.FirstOrDefault(m => m.Name == name)
        ?? throw new MergeConfigException($"merge_method: unknown method '{name}' (available: {string.Join(", ", Names)}).");
}
