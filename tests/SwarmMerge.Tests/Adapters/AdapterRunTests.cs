using System.Text.Json.Nodes;
using SwarmMerge.Adapters;
using SwarmMerge.IO;
using SwarmMerge.Merging;
using SwarmMerge.Models;
using SwarmMerge.Search;
using SwarmMerge.Search.Runs;
using SwarmMerge.Tests.Evaluation;

namespace SwarmMerge.Tests.Adapters;

/// <summary>
/// Search runs over adapter experts: checked with the adapter rules before the run folder exists, the default PSO
/// with its anchor merges made from the adapters, and the rule for writing its best as an adapter.
/// </summary>
[Collection("Console")]
public sealed class AdapterRunTests : IDisposable
{
    private readonly TestModels.TempFolder _temp = new();
    private readonly string _base;
    private readonly string[] _adapters;

    public AdapterRunTests()
    {
        _base = PairedFixtures.Create("llama", "llama_sp", _temp["base"]);
        _adapters =
        [
            TestAdapters.Write(_base, _temp["lora-a"], ["q_proj", "v_proj", "down_proj"], rank: 4, alpha: 8, seed: 1, magnitude: 0.3f),
            TestAdapters.Write(_base, _temp["lora-b"], ["o_proj", "up_proj"], rank: 2, alpha: 4, seed: 2, magnitude: 0.3f),
        ];
        File.WriteAllText(_temp["opt.jsonl"], "{\"p\": \"the cat\", \"a\": \"sat\", \"k\": 0}\n{\"p\": \"one two\", \"a\": \"three\", \"k\": 0}\n");
        File.WriteAllText(_temp["test.jsonl"], "{\"p\": \"a b\", \"a\": \"c\", \"k\": 0}\n");
        File.WriteAllText(_temp["tasks.yml"], "tasks:\n  - {name: words, kind: multiple_choice, optimization: opt.jsonl, test: test.jsonl, prompt: '{p}', choices: [' {a}', ' {p}'], label: k}\n");
    }

    public void Dispose() => _temp.Dispose();

    private string Run => _temp["run"];

    // The first adapter listed alone (put on base_model), the second in mergekit's base+adapter form.
    private string Config(string methods)
    {
        string config = _temp["search.yml"];
        File.WriteAllText(config, $"base_model: {_base}\nmodels: [{_adapters[0]}, {_base}+{_adapters[1]}]\ntasks: {_temp["tasks.yml"]}\nmethods:\n{methods}seed: 4\nthreads: 2\n");
        return config;
    }

    private static void EditConfig(string adapter, Action<JsonObject> edit)
    {
        string path = Path.Combine(adapter, LoraConfig.FileName);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    [Theory]
    [InlineData(0, "use_dora")]
    [InlineData(1, "use_dora")]
    [InlineData(0, "r")]
    [InlineData(1, "target_modules")]
    [InlineData(0, "another base")]
    public void A_bad_adapter_is_refused_with_its_file_and_field_before_the_run_folder_exists(int entry, string mistake)
    {
        string adapter = _adapters[entry];
        string fragment;
        switch (mistake)
        {
            case "use_dora":
                EditConfig(adapter, c => c["use_dora"] = true);
                fragment = $"{Path.Combine(adapter, LoraConfig.FileName)}: 'use_dora': is set: DoRA";
                break;
            case "r":
                EditConfig(adapter, c => c["r"] = 3);
                fragment = $"lora_A.weight': has rank 4, but {LoraConfig.FileName} gives module";
                break;
            case "target_modules":
                EditConfig(adapter, c => c["target_modules"]!.AsArray().Add("k_proj"));
                fragment = $"{Path.Combine(adapter, LoraAdapter.WeightsFileName)}: {LoraConfig.FileName}'s target_modules selects module 'model.layers.0.self_attn.k_proj', but the file has no LoRA weights";
                break;
            default:
                Directory.Delete(adapter, recursive: true);
                string gpt2 = PairedFixtures.Create("gpt2", "gpt2_bpe", _temp["gpt2"]);
                TestAdapters.Write(gpt2, adapter, ["c_fc"], rank: 2, alpha: 2, seed: 5);
                fragment = "but the base model";
                break;
        }
        var result = CliHarness.Run("search", Config("  - pso: {steps: 0}\n"), "--out", Run);
        CliHarness.AssertRefused(result, 1, fragment);
        Assert.Contains($"error: {adapter}{Path.DirectorySeparatorChar}", result.Error); // the file is named
        Assert.False(Directory.Exists(Run), "the run folder was made before validation passed");
    }

    [Fact]
    public void Neither_the_run_folder_nor_the_adapter_output_may_lie_in_an_adapter_folder()
    {
        string config = Config("  - pso: {steps: 0}\n");
        string inside = Path.Combine(_adapters[0], "run");
        CliHarness.AssertRefused(CliHarness.Run("search", config, "--out", inside), 1, $"is inside the models folder {_adapters[0]}");
        Assert.False(Directory.Exists(inside));
        CliHarness.AssertRefused(CliHarness.Run("search", config, "--out", Run, "--out-adapter", Path.Combine(_adapters[1], "best")), 1, $"is inside the models folder {_adapters[1]}");
        Assert.False(Directory.Exists(Run), "the search ran although its adapter output was refused");
    }

    [Fact]
    public void The_default_pso_over_adapters_merges_its_anchors_from_them_and_its_best_is_an_adapter_only_without_anchors_or_sparsified_members()
    {
        string config = Config("  - pso: {steps: 1}\n");
        var run = SearchRun.Start(config, Run);
        var parsed = SearchConfigParser.Load(config, Environment.CurrentDirectory);
        using var spaces = new MethodSpaces(parsed, Run);
        var space = spaces.Of(parsed.Methods[0]);
        Assert.Equal(["ties", "dare_ties", "della"], space.Members.Anchors.Select(a => a.Name));

        // Each anchor is the merge of the folded adapters: the adapters' dense task vectors, as mergekit's base+adapter.
        var folded = _adapters.Select((a, i) => AdapterFolding.WriteCheckpoint($"{_base}+{a}", _temp[$"folded{i}"], new MergeOptions { Threads = 2 })).ToList();
        var denseConfig = parsed with { Experts = folded };
        foreach (var anchor in space.Members.Anchors)
        {
            using (var plan = BaselinePlans.Of(denseConfig, anchor.Name, new Dictionary<string, object?>()))
            {
                MergeExecutor.Run(plan, _temp[$"dense-{anchor.Name}"], new MergeOptions { Threads = 2, Seed = parsed.Seed });
            }
            using var expected = Checkpoint.Open(_temp[$"dense-{anchor.Name}"]);
            using var actual = Checkpoint.Open(anchor.Directory);
            foreach (var info in expected.Tensors)
            {
                LoraFixtures.AssertClose(TestModels.ReadFloats(expected, info.Name), TestModels.ReadFloats(actual, info.Name), $"{anchor.Name}: {info.Name}", 1e-5, 1e-6);
            }
        }

        // An anchor is a dense nonlinear merge: a point that uses one has no exact adapter; an expert's corner has.
        Assert.Null(SearchAdapter.TermsOf(space, new Candidate("pso", 0, 0, space.Space.Corner(space.Members.FirstAnchor)), out string? reason));
        Assert.Contains("anchor member 'ties' (a dense ties merge of the experts, not linear in their updates)", reason);
        Assert.NotNull(SearchAdapter.TermsOf(space, new Candidate("pso", 0, 0, space.Space.Corner(1)), out _));

        // The best's own coefficients decide: exact when it gives sparsified and anchor members no weight (then the
        // adapter on the base is merged/), else refused without a rank (the run itself is complete).
        var best = run.Searches[0].Best!.Candidate.Values;
        int n = space.Members.ExpertCount;
        bool linear = best.Skip(1 + n).All(c => c == 0) && Math.Abs(best.Sum() - 1) < 1e-9;
        var request = new AdapterOutputRequest(_temp["best"], null);
        if (linear)
        {
            Assert.True(SearchAdapter.Write(run, parsed, request).Exact);
            using var opener = new ModelOpener();
            var adapted = opener.Open(new ModelReference(_base, _temp["best"]));
            using var merged = Checkpoint.Open(run.MergedDirectory);
            foreach (var info in merged.Tensors)
            {
                LoraFixtures.AssertClose(TestModels.ReadFloats(merged, info.Name), TestModels.ReadFloats(adapted, info.Name), info.Name, 1e-5, 1e-6);
            }
        }
        else
        {
            Assert.Throws<NotSupportedException>(() => SearchAdapter.Write(run, parsed, request));
        }

        // A best that is the TIES anchor: refused with the reason, and approximated by a truncated SVD with a rank.
        var anchorBest = new Candidate("pso", 0, 0, space.Space.Corner(space.Members.FirstAnchor));
        space.WriteCheckpoint(anchorBest, _temp["anchor-best"]);
        var anchorRun = run with
        {
            Searches = [run.Searches[0] with { Best = run.Searches[0].Best! with { Candidate = anchorBest } }, .. run.Searches.Skip(1)],
            MergedDirectory = _temp["anchor-best"],
        };
        var anchorRequest = new AdapterOutputRequest(_temp["anchor-adapter"], null);
        var refused = Assert.Throws<NotSupportedException>(() => SearchAdapter.Write(anchorRun, parsed, anchorRequest));
        Assert.StartsWith("No exact adapter for this result: the best model gives anchor member 'ties'", refused.Message);
        Assert.False(Directory.Exists(_temp["anchor-adapter"]));
        var truncated = SearchAdapter.Write(anchorRun, parsed, anchorRequest with { Rank = 8 });
        Assert.False(truncated.Exact);
        Assert.Equal(8, truncated.Rank);
        Assert.InRange(truncated.RelativeError, 0, 1);
        Assert.True(File.Exists(Path.Combine(Run, "report.md")));
    }

    [Fact]
    public void A_finished_run_resumed_with_out_adapter_and_a_rank_writes_its_best_as_an_adapter()
    {
        string config = Config("  - pso: {steps: 0}\n");
        var (code, _, error) = CliHarness.Run("search", config, "--out", Run);
        Assert.True(code == 0, error);
        string adapter = _temp["best"];
        (code, var output, error) = CliHarness.Run("search", "--resume", Run, "--out-adapter", adapter, "--adapter-rank", "8");
        Assert.True(code == 0, error);
        Assert.Contains($"Wrote adapter {adapter}: rank ", output);
        Assert.True(File.Exists(Path.Combine(adapter, LoraConfig.FileName)));
        Assert.True(File.Exists(Path.Combine(adapter, LoraAdapter.WeightsFileName)));
    }
}
