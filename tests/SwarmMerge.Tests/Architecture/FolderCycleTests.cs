using SwarmMerge.IO;

namespace SwarmMerge.Tests.Architecture;

public sealed class FolderCycleTests
{
    static readonly System.Reflection.Assembly Library = typeof(Checkpoint).Assembly;

    /// <summary>
    /// The top-level folders (IO, Numerics, Models, Inference, Merging, Adapters, Evaluation, Search) form layers,
    /// docs/architecture.md. Inside a folder, sub-folders may use each other (Merging's registry lists the methods of
    /// Merging/Methods, which implement Merging's interface).
    /// </summary>
    [Fact]
    public void No_top_level_folder_of_the_library_uses_one_that_uses_it()
    {
        var cycles = FolderGraph.Of(Library, "SwarmMerge", depth: 1).Cycles();

        Assert.True(cycles.Count == 0, $"folder cycles:\n{string.Join("\n", cycles)}");
    }

    /// <summary>The table of docs/architecture.md: each top-level folder and the folders it may use.</summary>
    private static readonly Dictionary<string, string[]> MayUse = new()
    {
        ["(root)"] = [],
        ["IO"] = [],
        ["Numerics"] = [],
        ["Models"] = ["IO"],
        ["Inference"] = ["IO", "Models"],
        ["Merging"] = ["IO", "Numerics", "Models"],
        ["Adapters"] = ["IO", "Numerics", "Models", "Merging"],
        ["Evaluation"] = ["IO", "Models", "Inference"],
        ["Search"] = ["(root)", "IO", "Numerics", "Models", "Inference", "Merging", "Adapters", "Evaluation"],
    };

    [Fact]
    public void Every_top_level_folder_uses_only_the_folders_docs_architecture_allows()
    {
        var graph = FolderGraph.Of(Library, "SwarmMerge", depth: 1);
        var folders = MayUse.Keys.Concat(graph.Folders).Distinct().ToList();

        var unlisted = graph.Folders.Where(f => !MayUse.ContainsKey(f)).ToList();
        var forbidden = (from user in folders
                         from used in folders
                         where graph.Uses(user, used) && !(MayUse.TryGetValue(user, out var allowed) && allowed.Contains(used))
                         select $"{user} → {used} ({graph.Example(user, used)})").ToList();

        Assert.True(unlisted.Count == 0, $"folders docs/architecture.md does not list: {string.Join(", ", unlisted)}");
        Assert.True(forbidden.Count == 0, $"uses docs/architecture.md does not allow:\n{string.Join("\n", forbidden)}");
    }

    /// <summary>A run's orchestration reads top down: the run, its plan, the spaces, the searches, the merges they use.</summary>
    [Fact]
    public void No_type_of_a_search_run_uses_one_that_uses_it()
    {
        var runs = Library.GetTypes().Where(t => t.DeclaringType is null && t.Namespace == "SwarmMerge.Search.Runs").ToHashSet();
        var graph = new FolderGraph(
            from type in runs
            from used in TypeReferences.Of(type).Distinct()
            where runs.Contains(used)
            select (type.Name, used.Name, ""));

        var cycles = graph.Cycles();

        Assert.True(cycles.Count == 0, $"type cycles:\n{string.Join("\n", cycles)}");
    }

    [Fact]
    public void The_graph_sees_uses_in_signatures_and_in_method_bodies()
    {
        var graph = FolderGraph.Of(Library, "SwarmMerge", 1);

        Assert.True(graph.Uses("Merging", "IO"));
        Assert.True(graph.Uses("Search", "Merging"));
        Assert.False(graph.Uses("IO", "Search"));
    }

    [Fact]
    public void A_cycle_is_found_and_named_with_its_edges()
    {
        var graph = new FolderGraph([("A", "B", "A.X uses B.Y"), ("B", "C", "B.Y uses C.Z"), ("C", "A", "C.Z uses A.X"), ("C", "D", "")]);

        var cycle = Assert.Single(graph.Cycles());
        Assert.StartsWith("A ↔ B ↔ C:", cycle);
        Assert.Contains("C → A (C.Z uses A.X)", cycle);
        Assert.DoesNotContain("D", cycle);
    }
}
