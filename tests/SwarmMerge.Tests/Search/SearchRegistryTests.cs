using SwarmMerge.Merging;
using SwarmMerge.Search;
using SwarmMerge.Search.Runs;

namespace SwarmMerge.Tests.Search;

public sealed class SearchRegistryTests
{
    [Fact]
    public void Every_kind_has_one_search_and_keeps_its_spellings()
    {
        Assert.Equal(Enum.GetValues<SearchKind>(), SearchKinds.All);
        Assert.All(SearchKinds.All, kind => Assert.Equal(kind, SearchMethods.Get(kind).Kind));
        Assert.Equal(["pso", "cma_es", "evo", "model_swarms", "random"], SearchMethods.Names);
        Assert.Equal(["pso", "cma-es", "evo", "model-swarms", "random"], SearchKinds.All.Select(k => k.LogName()));
        Assert.All(SearchKinds.All, kind => Assert.Equal(kind, SearchKinds.FromConfigName(kind.ConfigName())));
        Assert.Null(SearchKinds.FromConfigName("model-swarms"));
    }

    [Fact]
    public void An_entry_is_named_by_its_kinds_config_name_unless_it_has_a_name()
    {
        Assert.Equal("model_swarms", new SearchMethodConfig(SearchKind.ModelSwarms, new Dictionary<string, object?>()).Name);
        Assert.Equal("x", new SearchMethodConfig(SearchKind.Pso, new Dictionary<string, object?>()) { Name = "x" }.Name);
    }

    [Fact]
    public void The_data_free_merges_are_merge_methods_and_give_the_anchor_and_evo_lists()
    {
        Assert.All(DataFreeMerges.All, m => Assert.Equal(m.Name, MergeMethods.Get(m.Name).Name));
        Assert.Equal(["ties", "dare_ties", "dare_linear", "della", "breadcrumbs_ties", "task_arithmetic"], DataFreeMerges.AnchorNames);
        Assert.Equal(["ties", "dare_ties", "dare_linear"], DataFreeMerges.EvoNames);
        Assert.Equal(["task_arithmetic", "ties", "della"], TunedBaseline.DefaultGrids(["task_arithmetic", "ties", "linear", "della", "model_stock"]).Select(g => g.Method));
    }
}
