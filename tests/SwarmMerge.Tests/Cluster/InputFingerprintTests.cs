using SwarmMerge.Cluster;
using SwarmMerge.Models;
using SwarmMerge.Search;
using SwarmMerge.Search.Runs;
using SwarmMerge.Search.Space;
using SwarmMerge.Tests.Search;

namespace SwarmMerge.Tests.Cluster;

public sealed class InputFingerprintTests : IDisposable
{
    // SHA-256("abc"), FIPS 180-2 appendix B.1.
    private const string AbcSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    private readonly TestModels.TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // A base and one expert with a few files each, and a task file; everything under root.
    private SearchConfig Inputs(string root)
    {
        void Write(string relative, string text)
        {
            string path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }
        Write("base/model.safetensors", "abc");
        Write("base/config.json", "{}");
        Write("base/.cache/huggingface/download/model.safetensors.metadata", $"downloaded at {Guid.NewGuid()}");
        Write("expert/adapter/adapter_model.safetensors", "adapter");
        Write("expert/config.json", "{\"x\": 1}");
        Write("tasks/tasks.yml", "tasks:\n  - {name: a, kind: generation, optimization: a/opt.jsonl, test: a/test.jsonl, prompt: '{p}', label: y}\n");
        Write("tasks/a/opt.jsonl", "{\"p\": \"1\", \"y\": \"2\"}\n");
        Write("tasks/a/test.jsonl", "{\"p\": \"3\", \"y\": \"4\"}\n");
        return new SearchConfig
        {
            BaseModel = Path.Combine(root, "base"),
            Experts = [Path.Combine(root, "expert")],
            Tasks = Path.Combine(root, "tasks/tasks.yml"),
            Methods = [new SearchMethodConfig(SearchKind.Pso, new Dictionary<string, object?>())],
        };
    }

    [Fact]
    public void Every_file_of_the_model_folders_and_the_optimization_split_is_named_by_role_and_hashed()
    {
        var fingerprint = InputFingerprint.Of(Inputs(_folder["a"]), threads: 2);
        Assert.Equal(["base_model/config.json", "base_model/model.safetensors", "models[0]/adapter/adapter_model.safetensors", "models[0]/config.json", "tasks/a/opt.jsonl", "tasks/tasks.yml"],
            fingerprint.Files.Select(f => f.Name));
        var weights = fingerprint.Files.Single(f => f.Name == "base_model/model.safetensors");
        Assert.Equal((3L, AbcSha256), (weights.Length, weights.Sha256));
    }

    [Fact]
    public void The_same_files_elsewhere_match_and_a_changed_missing_or_extra_file_is_named()
    {
        var coordinator = InputFingerprint.Of(Inputs(_folder["a"]), 1).Files;
        var config = Inputs(_folder["b"]);
        // Dot folders (download caches) and the test split differ freely.
        File.WriteAllText(_folder["b/tasks/a/test.jsonl"], "{\"p\": \"other\", \"y\": \"rows\"}\n");
        Assert.Null(InputFingerprint.Of(config, 1).Difference(coordinator));

        File.WriteAllText(_folder["b/expert/config.json"], "{\"x\": 2}");
        string changed = InputFingerprint.Of(config, 1).Difference(coordinator)!;
        Assert.Contains("'models[0]/config.json'", changed);
        Assert.Contains(_folder["b/expert/config.json"], changed);
        Assert.Contains("differs from the coordinator's", changed);

        File.WriteAllText(_folder["b/expert/config.json"], "{\"x\": 1}");
        File.WriteAllText(_folder["b/base/tokenizer.json"], "{}");
        Assert.Contains("'base_model/tokenizer.json'", InputFingerprint.Of(config, 1).Difference(coordinator));
        Assert.Contains("is not among the coordinator's input files", InputFingerprint.Of(config, 1).Difference(coordinator));

        File.Delete(_folder["b/base/tokenizer.json"]);
        File.Delete(_folder["b/tasks/a/opt.jsonl"]);
        Assert.Throws<FileNotFoundException>(() => InputFingerprint.Of(config, 1));
        File.WriteAllText(_folder["b/tasks/a/opt.jsonl"], "{\"p\": \"1\", \"y\": \"2\"}\n");
        File.Delete(_folder["b/base/config.json"]);
        Assert.Equal("'base_model/config.json' of the coordinator's input files is missing here", InputFingerprint.Of(config, 1).Difference(coordinator));
    }

    [Fact]
    public void A_worker_refuses_a_job_whose_files_differ_and_names_the_file()
    {
        var coordinator = SearchConfigParser.Load(RunFamily.Write(_folder["coordinator"]), _folder.Path);
        var worker = SearchConfigParser.Load(RunFamily.Write(_folder["worker"]), _folder.Path);
        using var space = SwarmMaterializer.Open(SearchMethods.Members(coordinator), Granularity.Model, threads: 1);
        var job = ClusterScoring.JobOf(coordinator, coordinator.Methods[0], space);
        using (var models = WorkerModels.Open(worker))
        {
            Assert.Null(models.Join(job).Refusal);
        }
        // One byte of the second expert's weights.
        string weights = Path.Combine(worker.Experts[1], "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        bytes[^1] ^= 1;
        File.WriteAllBytes(weights, bytes);
        using var changed = WorkerModels.Open(worker);
        string refusal = changed.Join(job).Refusal!;
        Assert.Contains($"'models[1]/model.safetensors' ({weights}) differs from the coordinator's", refusal);
        var request = new EvaluationRequest(job.Id, SearchKind.Pso, "pso", 0, 0, [1, 0, 0, 0, 0], null);
        Assert.Contains("has not accepted job", changed.Evaluate(request).Refusal);
    }

    [Fact]
    public void A_base_plus_adapter_entry_names_both_folders_by_role()
    {
        var config = Inputs(_folder["a"]);
        Directory.CreateDirectory(_folder["a/lora"]);
        File.WriteAllText(_folder["a/lora/adapter_config.json"], "{\"r\": 2}");
        File.WriteAllText(_folder["a/lora/adapter_model.safetensors"], "lora");
        config = config with { Experts = [.. config.Experts, $"{config.BaseModel}+{_folder["a/lora"]}"] };
        var fingerprint = InputFingerprint.Of(config, threads: 2);
        Assert.Equal(["base_model/config.json", "base_model/model.safetensors", "models[0]/adapter/adapter_model.safetensors", "models[0]/config.json",
            "models[1]+adapter/adapter_config.json", "models[1]+adapter/adapter_model.safetensors", "models[1]/config.json", "models[1]/model.safetensors",
            "tasks/a/opt.jsonl", "tasks/tasks.yml"], fingerprint.Files.Select(f => f.Name));
        // The base under the adapter is the base: the same digest, hashed once.
        Assert.Equal(fingerprint.Files.Single(f => f.Name == "base_model/model.safetensors") with { Name = "models[1]/model.safetensors" },
            fingerprint.Files.Single(f => f.Name == "models[1]/model.safetensors"));
    }

    // A RunFamily whose second expert is a PEFT adapter of the base (written the same in both folders).
    private SearchConfig WithAdapterExpert(string folder)
    {
        var config = SearchConfigParser.Load(RunFamily.Write(folder), _folder.Path);
        string adapter = SwarmMerge.Tests.Adapters.TestAdapters.Write(config.BaseModel, Path.Combine(folder, "lora"), ["q_proj", "v_proj"], rank: 2, alpha: 4, seed: 7);
        string adapterConfig = Path.Combine(adapter, LoraConfig.FileName);
        File.WriteAllText(adapterConfig, File.ReadAllText(adapterConfig).Replace(config.BaseModel, "tiny-llama", StringComparison.Ordinal)); // not a local path
        return config with { Experts = [config.Experts[0], $"{config.BaseModel}+{adapter}"] };
    }

    [Fact]
    public void A_worker_refuses_a_job_whose_adapter_file_differs_and_names_it()
    {
        var coordinator = WithAdapterExpert(_folder["coordinator"]);
        var worker = WithAdapterExpert(_folder["worker"]);
        using var space = SwarmMaterializer.Open(SearchMethods.Members(coordinator), Granularity.Model, threads: 1);
        var job = ClusterScoring.JobOf(coordinator, coordinator.Methods[0], space);
        Assert.Contains(job.Files, f => f.Name == "models[1]+adapter/adapter_model.safetensors");
        using (var models = WorkerModels.Open(worker))
        {
            Assert.Null(models.Join(job).Refusal);
        }
        string weights = Path.Combine(_folder["worker"], "lora", LoraAdapter.WeightsFileName);
        var bytes = File.ReadAllBytes(weights);
        bytes[^1] ^= 1;
        File.WriteAllBytes(weights, bytes);
        using var changed = WorkerModels.Open(worker);
        Assert.Contains($"'models[1]+adapter/adapter_model.safetensors' ({weights}) differs from the coordinator's", changed.Join(job).Refusal);
    }

    [Fact]
    public void A_worker_makes_a_searchs_anchor_merges_itself_and_refuses_them_when_they_differ_from_the_coordinators()
    {
        var (coordinator, worker) = AnchorConfigs("tuned_anchors: false");
        var pso = coordinator.Methods[0];
        using var spaces = new MethodSpaces(coordinator, _folder["run"]);
        var space = spaces.Of(pso);
        Assert.Equal(["ties", "dare_ties", "della"], space.Members.Anchors.Select(a => a.Name));
        var job = ClusterScoring.JobOf(coordinator, pso, space);
        Assert.Equal(3, job.AnchorFiles.Length);
        var corner = space.Space.Corner(space.Members.FirstAnchor);
        AssertWorkerScoresTheAnchorCornerAsHere(coordinator, worker, space, job, corner);

        // Another seed's DARE and DELLA masks make other anchors: refused on the first candidate, naming the file.
        var other = job with { AnchorFiles = [.. job.AnchorFiles.Select(f => f.Name.Contains("della") ? f with { Sha256 = new string('0', 64) } : f)] };
        using var changed = WorkerModels.Open(worker);
        Assert.Null(changed.Join(other).Refusal);
        string refusal = changed.Evaluate(new EvaluationRequest(other.Id, SearchKind.Pso, "pso", 0, 0, corner, null)).Refusal!;
        Assert.Contains("anchor merge", refusal);
        Assert.Contains("anchors/della/model.safetensors", refusal);
    }

    [Fact]
    public void A_tuned_anchor_goes_to_workers_with_its_parameters_and_they_make_the_same_merge()
    {
        var (coordinator, worker) = AnchorConfigs("tuned_anchors: true");
        var pso = coordinator.Methods[0];
        using var spaces = new MethodSpaces(coordinator, _folder["run"]);
        var picked = new Dictionary<string, object?> { ["weight"] = 1.0, ["density"] = 0.3 };
        spaces.UseTuned([new TunedBaseline("ties (tuned)", "ties", picked, [], 0)]);
        var space = spaces.Of(pso);
        // The run tunes ties (its baselines), not DARE-TIES or DELLA: only ties takes the tuned parameters.
        Assert.Equal(["ties (tuned)", "dare_ties", "della"], space.Members.Anchors.Select(a => a.Name));
        string again = _folder["again"];
        using (var plan = BaselinePlans.Of(coordinator, "ties", picked))
        {
            SwarmMerge.Merging.MergeExecutor.Run(plan, again, new SwarmMerge.Merging.MergeOptions { Seed = coordinator.Seed, Threads = 1 });
        }
        Assert.Equal(File.ReadAllBytes(Path.Combine(again, "model.safetensors")), File.ReadAllBytes(Path.Combine(space.Members.Anchors[0].Directory, "model.safetensors")));

        var job = ClusterScoring.JobOf(coordinator, pso, space);
        Assert.Equal(["ties", "dare_ties", "della"], job.AnchorMethods);
        Assert.Equal("{\"density\":0.3,\"weight\":1}", job.AnchorParameters[0]);
        var corner = space.Space.Corner(space.Members.FirstAnchor);
        AssertWorkerScoresTheAnchorCornerAsHere(coordinator, worker, space, job, corner);

        // The same job with the default parameters is another job, whose ties anchor the worker refuses.
        var untuned = job with { AnchorParameters = ["{}", .. job.AnchorParameters[1..]] };
        Assert.NotEqual(job.Id, untuned.Id);
        using var other = WorkerModels.Open(worker);
        Assert.Null(other.Join(untuned).Refusal);
        Assert.Contains("anchors/ties (tuned)/model.safetensors", other.Evaluate(new EvaluationRequest(untuned.Id, SearchKind.Pso, "pso", 0, 0, corner, null)).Refusal);
    }
    // The run family's config with the PSO entry's extra settings, for the coordinator and (as given) a worker.
    private (SearchConfig Coordinator, SearchConfig Worker) AnchorConfigs(string psoSettings)
    {
        string configPath = RunFamily.Write(_folder["coordinator"]);
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("{steps: 1}", $"{{steps: 1, {psoSettings}}}"));
        return (SearchConfigParser.Load(configPath, _folder.Path), SearchConfigParser.Load(RunFamily.Write(_folder["worker"]), _folder.Path));
    }

    // The worker joins the job (making its anchors) and scores the anchor's corner as the coordinator scores it here.
    private void AssertWorkerScoresTheAnchorCornerAsHere(SearchConfig coordinator, SearchConfig worker, SwarmMaterializer space, WorkerJob job, double[] corner)
    {
        var tasks = SwarmMerge.Evaluation.TaskFile.Load(coordinator.Tasks).LoadOptimization();
        using var scorer = SwarmMerge.Search.Scoring.RunScoring.OpenScorer(SwarmMerge.Evaluation.TaskFile.Load(coordinator.Tasks), coordinator.BaseModel, tasks, _folder["scratch"], 1);
        var here = scorer.Score(space, new SwarmMerge.Search.Candidate("pso", 0, 0, corner), tasks);
        using var models = WorkerModels.Open(worker);
        Assert.Null(models.Join(job).Refusal);
        var reply = models.Evaluate(new EvaluationRequest(job.Id, SearchKind.Pso, "pso", 0, 0, corner, null));
        Assert.Null(reply.Refusal);
        Assert.Equal(here.Scores.Values, reply.Scores);
    }
}
