using SwarmMerge.Adapters;
using SwarmMerge.Evaluation;
using SwarmMerge.IO;
using SwarmMerge.Models;
using SwarmMerge.Search;
using SwarmMerge.Search.Runs;
using SwarmMerge.Search.Space;
using SwarmMerge.Tests.Evaluation;

namespace SwarmMerge.Tests.Adapters;

/// <summary>Adapter experts in searches and in the engine: the same weights and scores as their folded checkpoints.</summary>
public sealed class AdapterSearchTests : IDisposable
{
    private static readonly SwarmMerge.Inference.InferenceOptions Options = new() { Threads = 2 };

    private readonly TestModels.TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(Granularity.Model)]
    [InlineData(Granularity.Layer)]
    [InlineData(Granularity.TensorKind)]
    public void The_materializer_gives_adapter_experts_the_weights_of_their_folded_checkpoints(Granularity granularity)
    {
        string[] adapters = ["llama-plain", "llama-patterns", "llama-embedding"];
        var withAdapters = new SwarmMembers(LoraFixtures.Path("llama"), adapters.Select(a => LoraFixtures.Path("adapters", a)).ToList()) { SparsifySeed = 3 };
        var withCheckpoints = withAdapters with { Experts = adapters.Select(a => LoraFixtures.Path("folded", a)).ToList() };
        using var lora = SwarmMaterializer.Open(withAdapters, granularity, threads: 2);
        using var full = SwarmMaterializer.Open(withCheckpoints, granularity, threads: 2);
        Assert.Equal(full.Tensors.Select(t => t.Name), lora.Tensors.Select(t => t.Name));

        var random = new Random(11);
        var point = new double[lora.Space.Dimension];
        for (int g = 0; g < lora.Space.GroupCount; g++)
        {
            var row = Enumerable.Range(0, lora.Space.MemberCount).Select(_ => random.NextDouble() - 0.3).ToArray();
            double sum = row.Sum();
            row.Select(c => c / sum).ToArray().CopyTo(point, g * lora.Space.MemberCount);
        }
        foreach (var candidate in new[] { point }.Concat(Enumerable.Range(0, lora.Space.MemberCount).Select(lora.Space.Corner)))
        {
            foreach (var tensor in lora.Tensors)
            {
                var expected = new float[tensor.ElementCount];
                var actual = new float[tensor.ElementCount];
                full.MaterializeTensor(tensor.Name, candidate, expected);
                lora.MaterializeTensor(tensor.Name, candidate, actual);
                LoraFixtures.AssertClose(expected, actual, tensor.Name, 1e-6, 1e-6);
            }
        }
    }

    [Fact]
    public void A_search_config_puts_adapter_folders_on_the_base_and_keeps_base_plus_adapter()
    {
        string config = _temp["search.yml"];
        File.WriteAllText(config, "base_model: llama\nmodels:\n  - adapters/llama-plain\n  - model: llama+adapters/llama-patterns\n  - folded/llama-embedding\ntasks: tasks.yml\n");
        var parsed = SearchConfigParser.Load(config, LoraFixtures.Root);
        Assert.Equal([
            $"{LoraFixtures.Path("llama")}+{LoraFixtures.Path("adapters", "llama-plain")}",
            $"{LoraFixtures.Path("llama")}+{LoraFixtures.Path("adapters", "llama-patterns")}",
            LoraFixtures.Path("folded", "llama-embedding"),
        ], parsed.Experts);
    }

    // A Llama the engine runs (with a tokenizer), two adapters of it, and their folds.
    private (string Base, string[] Adapters) EngineFamily()
    {
        string basePath = PairedFixtures.Create("llama", "llama_sp", _temp["base"]);
        var adapters = new[]
        {
            TestAdapters.Write(basePath, _temp["lora-a"], ["q_proj", "v_proj", "down_proj"], rank: 4, alpha: 8, seed: 1, magnitude: 0.3f),
            TestAdapters.Write(basePath, _temp["lora-b"], ["o_proj", "up_proj"], rank: 2, alpha: 4, seed: 2, magnitude: 0.3f),
        };
        return (basePath, adapters);
    }

    [Fact]
    public void The_engine_scores_base_plus_adapter_as_its_folded_checkpoint()
    {
        var (basePath, adapters) = EngineFamily();
        string folded = AdapterFolding.WriteCheckpoint($"{basePath}+{adapters[0]}", _temp["folded"], new Merging.MergeOptions { Threads = 2 });
        using var adapted = EvaluationModel.Open($"{basePath}+{adapters[0]}", Options);
        using var checkpoint = EvaluationModel.Open(folded, Options);
        using var plain = EvaluationModel.Open(basePath, Options);
        (string, string)[] requests = [("the cat", " sat"), ("one two", " three"), ("red", " blue")];
        var expected = checkpoint.Text!.LogLikelihoods(requests);
        var actual = adapted.Text!.LogLikelihoods(requests);
        Assert.Equal(expected, actual);
        Assert.NotEqual(plain.Text!.LogLikelihoods(requests), actual); // the adapter does change the model
    }

    private string RunConfig(string basePath, string[] adapters, string methods)
    {
        File.WriteAllText(_temp["opt.jsonl"], "{\"p\": \"the cat\", \"a\": \"sat\", \"k\": 0}\n{\"p\": \"one two\", \"a\": \"three\", \"k\": 0}\n");
        File.WriteAllText(_temp["test.jsonl"], "{\"p\": \"a b\", \"a\": \"c\", \"k\": 0}\n");
        File.WriteAllText(_temp["tasks.yml"], "tasks:\n  - {name: words, kind: multiple_choice, optimization: opt.jsonl, test: test.jsonl, prompt: '{p}', choices: [' {a}', ' {p}'], label: k}\n");
        string config = _temp[$"search-{Guid.NewGuid():N}.yml"];
        File.WriteAllText(config, $"base_model: {basePath}\nmodels: [{string.Join(", ", adapters)}]\ntasks: {_temp["tasks.yml"]}\nmethods:\n{methods}baselines: [task_arithmetic, ties]\nseed: 4\nthreads: 2\n");
        return config;
    }

    [Fact]
    public void A_search_over_adapter_experts_runs_every_method_and_writes_its_best_as_an_exact_adapter()
    {
        var (basePath, adapters) = EngineFamily();
        string config = RunConfig(basePath, adapters, "  - pso: {steps: 1, sparsified: false, anchors: [], granularity: layer}\n  - evo: {}\n  - model_swarms: {max_iterations: 1}\n  - random: {}\n  - cma_es: {}\n");
        var run = SearchRun.Start(config, _temp["run"]);
        Assert.Equal(["base", "lora-a", "lora-b", "task_arithmetic", "ties", "task_arithmetic (tuned)", "ties (tuned)", "pso", "evo", "model_swarms", "random", "cma_es"], run.TestScores.Keys);

        // PSO's best, at layer granularity without sparsified or anchor members, is exactly an adapter: folded, it is merged/.
        var parsed = SearchConfigParser.Load(config, Environment.CurrentDirectory);
        var written = SearchAdapter.Write(run, parsed, new AdapterOutputRequest(_temp["best-adapter"], null));
        Assert.True(written.Exact);
        Assert.Equal(4, written.Rank);
        using var opener = new ModelOpener();
        var folded = opener.Open(new ModelReference(basePath, written.Directory));
        using var merged = Checkpoint.Open(run.MergedDirectory);
        foreach (var info in merged.Tensors)
        {
            LoraFixtures.AssertClose(TestModels.ReadFloats(merged, info.Name), TestModels.ReadFloats(folded, info.Name), info.Name, 1e-5, 1e-6);
        }
    }

    [Fact]
    public void Elementwise_pso_over_adapters_runs_and_its_best_needs_a_rank()
    {
        var (basePath, adapters) = EngineFamily();
        string config = RunConfig(basePath, adapters, "  - pso: {steps: 1, r: elementwise}\n");
        var run = SearchRun.Start(config, _temp["run-elementwise"]);
        Assert.Equal(5 * 2, run.Searches[0].Evaluations);
        var parsed = SearchConfigParser.Load(config, Environment.CurrentDirectory);
        var refused = Assert.Throws<NotSupportedException>(() => SearchAdapter.Write(run, parsed, new AdapterOutputRequest(_temp["elementwise-adapter"], null)));
        Assert.Contains("elementwise PSO moves every parameter on its own", refused.Message);
        var truncated = SearchAdapter.Write(run, parsed, new AdapterOutputRequest(_temp["elementwise-adapter"], 8));
        Assert.False(truncated.Exact);
        Assert.InRange(truncated.RelativeError, 0, 1);
    }
}
