using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using SwarmMerge.Tests.Evaluation;

namespace SwarmMerge.Tests.Malformed;

/// <summary>
/// A valid tiny family on disk, for tests that break one thing and check the refusal: a Llama base (the reference
/// fixture, with a tokenizer.json) and two perturbed experts, a generation task with both splits, a merge config and
/// a search config, all with absolute paths. Deleted on dispose.
/// </summary>
internal sealed class ValidFamily : IDisposable
{
    // The pristine family is made once per test run; each test copies it (copying is much cheaper than perturbing experts).
    private static readonly Lazy<string> Template = new(() =>
    {
        string folder = Directory.CreateTempSubdirectory("swarmmerge-valid-family-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(folder, recursive: true);
        PairedFixtures.Create("llama", "llama_sp_json", Path.Combine(folder, "base"));
        foreach (int e in new[] { 1, 2 })
        {
            string expert = Path.Combine(folder, $"expert{e}");
            PairedFixtures.Create("llama", "llama_sp_json", expert);
            var random = new Random(e);
            PairedFixtures.Rewrite(expert, (_, values) => values.Select(v => v + (float)(random.NextDouble() - 0.5) * 0.1f).ToArray());
        }
        return folder;
    });

    public ValidFamily()
    {
        Folder = Directory.CreateTempSubdirectory("swarmmerge-malformed-").FullName;
        foreach (string model in new[] { "base", "expert1", "expert2" })
        {
            Directory.CreateDirectory(this[model]);
            foreach (string file in Directory.GetFiles(Path.Combine(Template.Value, model)))
            {
                File.Copy(file, Path.Combine(this[model], Path.GetFileName(file)));
            }
        }
        File.WriteAllText(this["opt.jsonl"], "{\"p\": \"the cat\", \"a\": \"sat\"}\n{\"p\": \"one two\", \"a\": \"three\"}\n");
        File.WriteAllText(this["test.jsonl"], "{\"p\": \"a b\", \"a\": \"c\"}\n");
        File.WriteAllText(Tasks, "tasks:\n  - {name: words, kind: generation, optimization: opt.jsonl, test: test.jsonl, prompt: '{p}', label: a, max_new_tokens: 2}\n");
        File.WriteAllText(MergeConfig, $"merge_method: ties\nbase_model: {Base}\nmodels:\n  - model: {Expert(1)}\n    parameters: {{weight: 1, density: 0.5}}\n  - model: {Expert(2)}\n    parameters: {{weight: 1, density: 0.5}}\n");
        WriteSearchConfig("- pso: {steps: 0}", "[ties]");
    }

    /// <summary>The family's folder.</summary>
    public string Folder { get; }

    public string Base => this["base"];

    public string Tasks => this["tasks.yml"];

    public string MergeConfig => this["merge.yml"];

    public string SearchConfig => this["search.yml"];

    public string this[string name] => Path.Combine(Folder, name);

    public string Expert(int number) => this[$"expert{number}"];

    /// <summary>Writes the search config with these <c>methods</c> entries and <c>baselines</c>.</summary>
    public void WriteSearchConfig(string methods, string baselines = "[]", string extra = "") =>
        File.WriteAllText(SearchConfig, $"base_model: {Base}\nmodels: [{Expert(1)}, {Expert(2)}]\ntasks: {Tasks}\nmethods:\n  {methods}\nbudget: 2\nbaselines: {baselines}\nthreads: 1\n{extra}");

    /// <summary>Changes the JSON file <paramref name="file"/> (e.g. <c>config.json</c>) of the base.</summary>
    public void EditJson(string file, Action<JsonObject> edit)
    {
        string path = Path.Combine(Base, file);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    /// <summary>Rewrites the safetensors header of <paramref name="model"/> (the base by default) through <paramref name="edit"/>, keeping the data.</summary>
    public void EditHeader(Func<string, string> edit, string? model = null)
    {
        string path = Path.Combine(model ?? Base, "model.safetensors");
        byte[] bytes = File.ReadAllBytes(path);
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        byte[] header = Encoding.UTF8.GetBytes(edit(Encoding.UTF8.GetString(bytes, 8, length)));
        var rewritten = new byte[8 + header.Length + bytes.Length - 8 - length];
        BinaryPrimitives.WriteUInt64LittleEndian(rewritten, (ulong)header.Length);
        header.CopyTo(rewritten, 8);
        bytes.AsSpan(8 + length).CopyTo(rewritten.AsSpan(8 + header.Length));
        File.WriteAllBytes(path, rewritten);
    }

    /// <summary>The safetensors header of the base, as text.</summary>
    public string Header()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Base, "model.safetensors"));
        return Encoding.UTF8.GetString(bytes, 8, (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
    }

    /// <summary><c>swarmmerge eval</c> of the base (or <paramref name="model"/>) on the task file, one example per task.</summary>
    public (int Code, string Out, string Error) Eval(string? model = null) => CliHarness.Run("eval", model ?? Base, "--tasks", Tasks, "--limit", "1", "--threads", "1");

    /// <summary><c>swarmmerge merge --dry-run</c> of the merge config: every input checked, nothing written.</summary>
    public (int Code, string Out, string Error) MergeDryRun() => CliHarness.Run("merge", MergeConfig, "--out", this["merged"], "--dry-run");

    /// <summary><c>swarmmerge search</c> of the search config into <c>run/</c>.</summary>
    public (int Code, string Out, string Error) Search() => CliHarness.Run("search", SearchConfig, "--out", this["run"]);

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
