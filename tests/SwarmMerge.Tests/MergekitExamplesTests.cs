using System.Text.Json;
using SwarmMerge.Merging;

namespace SwarmMerge.Tests;

/// <summary>
/// mergekit's own example configs (its examples/ folder), unchanged, on small models of the families they name
/// (Fixtures/mergekit, made by tools/make_mergekit_fixtures.py): each runnable one against the independent
/// reference, each refused one with its reason.
/// </summary>
public sealed class MergekitExamplesTests
{
    private static readonly string FixtureRoot = Path.Combine(AppContext.BaseDirectory, "Fixtures", "mergekit");

    private static IEnumerable<JsonElement> Manifest()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(FixtureRoot, "cases.json")));
        return manifest.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    public static TheoryData<string> Runnable() => new(Manifest().Where(e => e.GetProperty("runs").GetBoolean()).Select(e => e.GetProperty("name").GetString()!));

    public static TheoryData<string, string> Refused()
    {
        var data = new TheoryData<string, string>();
        foreach (var e in Manifest().Where(e => !e.GetProperty("runs").GetBoolean()))
        {
            data.Add(e.GetProperty("name").GetString()!, e.GetProperty("refusal").GetString()!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Runnable))]
    public void Example_runs_unchanged_and_matches_the_reference(string name)
    {
        using var temp = new TestModels.TempFolder();
        var config = MergeConfigParser.Load(Path.Combine(FixtureRoot, "cases", name + ".yml"));
        using (var plan = MergePlanner.Create(config, FixtureRoot))
        {
            MergeExecutor.Run(plan, temp["out"], new MergeOptions { Threads = 2 });
        }
        ReferenceOutput.AssertMatches(Path.Combine(FixtureRoot, "expected"), name, temp["out"]);
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void Example_is_refused_with_its_reason(string name, string reason)
    {
        var config = MergeConfigParser.Load(Path.Combine(FixtureRoot, "cases", name + ".yml"));
        var ex = Assert.Throws<MergeConfigException>(() => MergePlanner.Create(config, FixtureRoot));
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public void Every_example_of_mergekit_is_covered()
    {
        // mergekit's examples/ folder at the time of writing; a new one there should be added here.
        string[] examples = ["arcee_fusion", "bio-merge", "gradient-slerp", "linear", "orcamini-platy-44layer", "ties"];
        Assert.Equal(examples, Manifest().Select(e => e.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
    }
}
