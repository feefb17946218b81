using System.Text.Json.Nodes;
using SwarmMerge.Tests.Evaluation;

namespace SwarmMerge.Tests;

/// <summary>The commands as a user runs them: exit codes, what is written, what is printed.</summary>
[Collection("Console")] // the commands write to Console.Out/Error, which these tests redirect
public sealed class CliTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures");
    private readonly string _folder = Directory.CreateTempSubdirectory("swarmmerge-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int Code, string Out, string Error) Run(params string[] args) => CliHarness.Run(args);

    private string MergeConfig(string method = "ties")
    {
        string models = Path.Combine(Fixtures, "merge", "models");
        string path = Path.Combine(_folder, "merge.yml");
        File.WriteAllText(path, $"merge_method: {method}\nbase_model: {models}/base\nmodels:\n  - model: {models}/expert1\n    parameters: {{weight: 1, density: 0.5}}\n  - model: {models}/expert2\n    parameters: {{weight: 1, density: 0.5}}\n");
        return path;
    }

    [Fact]
    public void Merge_dry_run_validates_and_writes_nothing()
    {
        string output = Path.Combine(_folder, "out");
        var (code, stdout, _) = Run("merge", MergeConfig(), "--out", output, "--dry-run");
        Assert.Equal(0, code);
        Assert.Contains("Dry run", stdout);
        Assert.False(Directory.Exists(output));
        Assert.Empty(Directory.GetDirectories(_folder));
    }

    [Fact]
    public void Merge_writes_the_checkpoint()
    {
        string output = Path.Combine(_folder, "out");
        var (code, _, error) = Run("merge", MergeConfig(), "--out", output);
        Assert.True(code == 0, error);
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(output, "config.json")));
    }

    [Fact]
    public void Merge_takes_mergekit_yaml_habits_positional_output_size_suffix_and_flags()
    {
        string output = Path.Combine(_folder, "out");
        var (code, _, error) = Run("merge", MergeConfig(), output, "--out-shard-size", "5B", "--random-seed", "3", "-j", "1", "--cuda", "--lazy-unpickle", "--allow-crimes", "--low-cpu-memory", "--copy-tokenizer");
        Assert.True(code == 0, error);
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors"))); // one shard: 5B is 5 billion bytes, not 5
        foreach (string flag in new[] { "--cuda", "--lazy-unpickle", "--allow-crimes", "--low-cpu-memory" })
        {
            Assert.Single(error.Split('\n'), line => line.StartsWith($"note: {flag} is ignored: ", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(false, "Give the output folder")]
    [InlineData(true, "Two output folders")]
    public void Merge_needs_exactly_one_output_folder(bool two, string message)
    {
        string[] args = two ? ["merge", MergeConfig(), Path.Combine(_folder, "a"), "--out", Path.Combine(_folder, "b")] : ["merge", MergeConfig()];
        var (code, _, error) = Run(args);
        Assert.NotEqual(0, code);
        Assert.Contains(message, error);
        Assert.Empty(Directory.GetDirectories(_folder));
    }

    [Fact]
    public void Merge_with_an_unknown_method_exits_1_with_a_one_line_error()
    {
        var (code, _, error) = Run("merge", MergeConfig("tiez"), "--out", Path.Combine(_folder, "out"));
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", error);
        Assert.Contains("tiez", error);
    }

    [Fact]
    public void Eval_prints_a_table_and_writes_json()
    {
        string model = PairedFixtures.Create("gpt2", "gpt2_bpe", Path.Combine(_folder, "model"));
        File.WriteAllText(Path.Combine(_folder, "d.jsonl"), "{\"q\": \"one\", \"a\": \"two\"}\n{\"q\": \"red\", \"a\": \"blue\"}\n");
        File.WriteAllText(Path.Combine(_folder, "tasks.yml"), "tasks:\n  - {name: words, kind: generation, optimization: d.jsonl, test: d.jsonl, prompt: '{q} ->', label: a, max_new_tokens: 3}\n  - {name: pick, kind: multiple_choice, optimization: d.jsonl, test: d.jsonl, prompt: '{q}', choices: [' {a}', ' {q}'], label: q}\n".Replace("label: q}", "label: a}"));
        // "a" is not a choice index: the error must come before any scoring.
        var (badCode, _, badError) = Run("eval", model, "--tasks", Path.Combine(_folder, "tasks.yml"));
        Assert.Equal(1, badCode);
        Assert.Contains("is not a choice index", badError);

        File.WriteAllText(Path.Combine(_folder, "tasks.yml"), "tasks:\n  - {name: words, kind: generation, optimization: d.jsonl, test: d.jsonl, prompt: '{q} ->', label: a, max_new_tokens: 3}\n");
        string json = Path.Combine(_folder, "scores.json");
        var (code, stdout, error) = Run("eval", model, "--tasks", Path.Combine(_folder, "tasks.yml"), "--limit", "1", "--json", json);
        Assert.True(code == 0, error);
        Assert.Contains("words", stdout);
        Assert.Contains("exact_match", stdout);
        Assert.Contains("mean", stdout);
        var report = JsonNode.Parse(File.ReadAllText(json))!;
        Assert.Equal("test", report["split"]!.GetValue<string>());
        double score = report["scores"]!["words"]!.GetValue<double>();
        Assert.InRange(score, 0, 100);
        Assert.Equal(score, report["mean"]!.GetValue<double>());
    }

    [Fact]
    public void Classify_prints_probabilities_that_sum_to_one()
    {
        string model = PairedFixtures.Create("bert", "bert_wordpiece", Path.Combine(_folder, "bert"));
        var (code, stdout, error) = Run("classify", model, "--text", "a fine film", "--pair", "a good movie");
        Assert.True(code == 0, error);
        var probabilities = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(3, probabilities.Count);
        Assert.Equal(1.0, probabilities.Sum(), 3);
    }

    [Fact]
    public void Run_on_an_encoder_explains_to_use_classify()
    {
        var (code, _, error) = Run("run", Path.Combine(Fixtures, "inference", "bert"), "--prompt", "x");
        Assert.Equal(1, code);
        Assert.Contains("error:", error);
    }

    private string AdapterMergeConfig(string method)
    {
        string lora = Path.Combine(Fixtures, "lora");
        string path = Path.Combine(_folder, $"{method}.yml");
        string density = method == "ties" ? ", density: 0.5" : ""; // an unknown parameter is an error
        File.WriteAllText(path, $"merge_method: {method}\nbase_model: {lora}/llama\nmodels:\n  - model: {lora}/adapters/llama-plain\n    parameters: {{weight: 0.7{density}}}\n  - model: {lora}/llama+{lora}/adapters/llama-patterns\n    parameters: {{weight: 0.5{density}}}\n");
        return path;
    }

    [Fact]
    public void Merge_writes_an_exact_adapter_alone_and_refuses_one_for_ties_unless_given_a_rank()
    {
        string adapter = Path.Combine(_folder, "adapter");
        var (code, stdout, error) = Run("merge", AdapterMergeConfig("task_arithmetic"), "--out-adapter", adapter);
        Assert.True(code == 0, error);
        Assert.Contains("exact", stdout);
        Assert.True(File.Exists(Path.Combine(adapter, "adapter_config.json")));
        Assert.True(File.Exists(Path.Combine(adapter, "adapter_model.safetensors")));
        Assert.True(File.Exists(Path.Combine(adapter, "swarmmerge_config.yml")));

        string refused = Path.Combine(_folder, "ties-adapter");
        (code, _, error) = Run("merge", AdapterMergeConfig("ties"), "--out-adapter", refused);
        Assert.Equal(1, code);
        Assert.Contains("error: No exact adapter for this result: ties trims", error);
        Assert.False(Directory.Exists(refused));

        string merged = Path.Combine(_folder, "ties-merged");
        (code, stdout, error) = Run("merge", AdapterMergeConfig("ties"), "--out", merged, "--out-adapter", refused, "--adapter-rank", "2");
        Assert.True(code == 0, error);
        Assert.Contains("truncated SVD", stdout);
        Assert.Contains("relative error", stdout);
        Assert.True(File.Exists(Path.Combine(merged, "model.safetensors")));
        Assert.Equal(2, JsonNode.Parse(File.ReadAllText(Path.Combine(refused, "adapter_config.json")))!["r"]!.GetValue<int>());
    }

    [Fact]
    public void Eval_scores_base_plus_adapter()
    {
        string model = PairedFixtures.Create("llama", "llama_sp", Path.Combine(_folder, "llama"));
        string adapter = Adapters.TestAdapters.Write(model, Path.Combine(_folder, "lora"), ["q_proj", "v_proj"], rank: 2, alpha: 4, seed: 3);
        File.WriteAllText(Path.Combine(_folder, "d.jsonl"), "{\"q\": \"one\", \"a\": \"two\", \"k\": 0}\n");
        File.WriteAllText(Path.Combine(_folder, "tasks.yml"), "tasks:\n  - {name: pick, kind: multiple_choice, optimization: d.jsonl, test: d.jsonl, prompt: '{q}', choices: [' {a}', ' {q}'], label: k}\n");
        string json = Path.Combine(_folder, "scores.json");
        var (code, stdout, error) = Run("eval", $"{model}+{adapter}", "--tasks", Path.Combine(_folder, "tasks.yml"), "--json", json);
        Assert.True(code == 0, error);
        Assert.Contains("pick", stdout);
        Assert.Equal($"{model}+{adapter}", JsonNode.Parse(File.ReadAllText(json))!["model"]!.GetValue<string>());

        (code, _, error) = Run("eval", adapter, "--tasks", Path.Combine(_folder, "tasks.yml"));
        Assert.Equal(1, code);
        Assert.Contains("is a PEFT adapter (adapter_config.json), not a checkpoint; name it as BASE+ADAPTER", error);
    }
}
