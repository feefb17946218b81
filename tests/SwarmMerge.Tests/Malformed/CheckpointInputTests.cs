using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using SwarmMerge.IO;

namespace SwarmMerge.Tests.Malformed;

/// <summary>
/// Broken checkpoints, generated from a valid one: truncations, header mutations, files that are not regular files,
/// config.json and tokenizer.json mutations. Each is refused by the command that reads it, with exit code 1, one
/// line naming the file and field, and no stack trace.
/// </summary>
[Collection("Console")]
public sealed class CheckpointInputTests : IDisposable
{
    private readonly ValidFamily _family = new();

    public void Dispose() => _family.Dispose();

    private string Weights => Path.Combine(_family.Base, "model.safetensors");

    private static readonly Dictionary<string, (Action<ValidFamily, string> Break, string Fragment)> HeaderCases = new()
    {
        ["shorter than the length prefix"] = ((_, w) => File.WriteAllBytes(w, [1, 2, 3]), "too short"),
        ["header length beyond the file"] = ((_, w) => Truncate(w, 40), "runs beyond the end of the file"),
        ["data cut short"] = ((_, w) => Truncate(w, new FileInfo(w).Length - 4), "lie outside the data section"),
        ["a field given twice in an entry"] = ((f, _) => f.EditHeader(h => ReplaceFirst(h, "\"dtype\":\"F32\"", "\"dtype\":\"F32\",\"dtype\":\"F16\"")), "field 'dtype' appears twice"),
        ["an unknown dtype"] = ((f, _) => f.EditHeader(h => ReplaceFirst(h, "\"F32\"", "\"F33\"")), "unknown dtype 'F33'"),
        ["a negative dimension"] = ((f, _) => f.EditHeader(h => ReplaceFirst(h, "\"shape\":[512,", "\"shape\":[-512,")), "non-negative integers"),
        ["overlapping offsets"] = ((f, _) => f.EditHeader(h => ReplaceFirst(h, "[131072,262144]", "[131068,262140]")), "overlap"),
        ["a header that is not JSON"] = ((f, _) => f.EditHeader(h => "x" + h[1..]), "header is not UTF-8 JSON"),
        ["a header that is not UTF-8"] = ((_, w) => OverwriteByte(w, 10, 0xFF), "header is not UTF-8 JSON"),
        ["a shard name with a NUL character"] = ((f, w) => WriteIndex(f, w, "model\u0000.safetensors"), "without control characters"),
        ["a shard path outside the folder"] = ((f, w) => WriteIndex(f, w, "../model.safetensors"), "escapes the checkpoint folder"),
        ["weights that are a folder"] = ((_, w) => { File.Delete(w); Directory.CreateDirectory(w); }, "is a folder, not a file"),
        ["only pickled weights"] = ((_, w) => File.Move(w, Path.ChangeExtension(w, ".bin")), "only pickled weights"),
        ["an expert with one transposed tensor"] = ((f, _) => f.EditHeader(h => ReplaceFirst(h, "\"shape\":[64,176]", "\"shape\":[176,64]"), f.Expert(1)),
            "shape [176, 64] does not match the base model's [64, 176]"),
    };

    public static TheoryData<string> HeaderCaseNames => [.. HeaderCases.Keys];

    [Theory]
    [MemberData(nameof(HeaderCaseNames))]
    public void A_broken_weights_file_is_refused_before_anything_is_written(string name)
    {
        var (breakIt, fragment) = HeaderCases[name];
        breakIt(_family, Weights);
        CliHarness.AssertRefused(_family.MergeDryRun(), 1, fragment);
        Assert.False(Directory.Exists(_family["merged"]));
    }

    [Fact]
    public void Weights_that_are_a_fifo_are_refused_without_opening_them()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the file type is read with Linux's statx
        }
        File.Delete(Weights);
        MakeFifo(Weights);
        var clock = Stopwatch.StartNew();
        CliHarness.AssertRefused(_family.MergeDryRun(), 1, "is a FIFO (named pipe), not a regular file");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "opening a FIFO would have blocked");
        File.Delete(Path.Combine(_family.Base, "config.json"));
        MakeFifo(Path.Combine(_family.Base, "config.json"));
        CliHarness.AssertRefused(_family.Eval(), 1, "config.json: is a FIFO");
    }

    // config.json and tokenizer.json mutations, each run through `eval` (which reads both before scoring).
    private static readonly Dictionary<string, (string File, Action<JsonObject> Edit, string Fragment)> JsonCases = new()
    {
        ["no attention heads"] = ("config.json", c => c["num_attention_heads"] = 0, "field 'num_attention_heads' is 0, not an integer ≥ 1"),
        ["no key/value heads"] = ("config.json", c => c["num_key_value_heads"] = 0, "field 'num_key_value_heads' is 0"),
        ["negative layers"] = ("config.json", c => c["num_hidden_layers"] = -1, "field 'num_hidden_layers' is -1"),
        ["negative vocabulary"] = ("config.json", c => c["vocab_size"] = -5, "field 'vocab_size' is -5"),
        ["negative head_dim"] = ("config.json", c => c["head_dim"] = -2, "field 'head_dim' is -2"),
        ["an eos token that is text"] = ("config.json", c => c["eos_token_id"] = "x", "field 'eos_token_id' holds \"x\", not a token id"),
        ["a fractional eos token"] = ("config.json", c => c["eos_token_id"] = 1.5, "field 'eos_token_id' holds 1.5"),
        ["a null eos token in a list"] = ("config.json", c => c["eos_token_id"] = new JsonArray((JsonNode?)null), "field 'eos_token_id' holds null"),
        ["rope_theta 0"] = ("config.json", c => c["rope_theta"] = 0, "field 'rope_theta' is 0, not a finite number > 0"),
        ["negative rope_theta"] = ("config.json", c => c["rope_theta"] = -1, "field 'rope_theta' is -1"),
        ["rope_scaling as a string"] = ("config.json", c => c["rope_scaling"] = "linear", "field 'rope_scaling' is not an object"),
        ["rope_scaling without its factor"] = ("config.json", c => c["rope_scaling"] = new JsonObject { ["type"] = "linear" }, "field 'rope_scaling.factor' is missing"),
        ["an epsilon that is text"] = ("config.json", c => c["rms_norm_eps"] = "small", "field 'rms_norm_eps' is \"small\""),
        ["an unknown activation"] = ("config.json", c => c["hidden_act"] = "swoosh", "field 'hidden_act' is 'swoosh'"),
        ["no model_type"] = ("config.json", c => c.Remove("model_type"), "field 'model_type' is missing"),
        ["a hundred million layers"] = ("config.json", c => c["num_hidden_layers"] = 100_000_000, "does not fit in memory"),
        ["a hidden size that overflows"] = ("config.json", c => c["hidden_size"] = int.MaxValue, "does not fit in memory"),

        ["an empty vocabulary"] = ("tokenizer.json", t => { t["model"]!["vocab"] = new JsonObject(); t["model"]!["merges"] = new JsonArray(); }, "model.vocab: the vocabulary is empty"),
        ["a merge of unknown symbols"] = ("tokenizer.json", t => t["model"]!["merges"]!.AsArray().Insert(0, "zzq qqz"), "model.merges[0]: merges into or from 'zzq'"),
        ["an unknown model type"] = ("tokenizer.json", t => t["model"]!["type"] = "WordLevel", "model.type: unsupported model 'WordLevel'"),
        ["a vocabulary id that is text"] = ("tokenizer.json", t => t["model"]!["vocab"]!["<unk>"] = "zero", "expected an integer id"),
    };

    public static TheoryData<string> JsonCaseNames => [.. JsonCases.Keys];

    [Theory]
    [MemberData(nameof(JsonCaseNames))]
    public void A_json_field_out_of_range_is_refused_naming_the_file_and_field(string name)
    {
        var (file, edit, fragment) = JsonCases[name];
        _family.EditJson(file, edit);
        var result = _family.Eval();
        CliHarness.AssertRefused(result, 1, fragment);
        Assert.Contains(Path.Combine(_family.Base, file), result.Error);
    }

    [Fact]
    public void A_config_with_invalid_utf8_or_a_duplicate_key_is_refused()
    {
        string path = Path.Combine(_family.Base, "config.json");
        string text = File.ReadAllText(path);
        File.WriteAllBytes(path, [.. Encoding.UTF8.GetBytes(text[..^1]), .. ",\"name\":\""u8, 0xC3, 0x28, .. "\"}"u8]);
        CliHarness.AssertRefused(_family.Eval(), 1, "not valid UTF-8");
        File.WriteAllText(path, text[..^1] + ",\"vocab_size\":7}");
        CliHarness.AssertRefused(_family.Eval(), 1, "is not valid JSON");
    }

    [Fact]
    public void A_tokenizer_that_is_not_json_names_its_path()
    {
        File.WriteAllText(Path.Combine(_family.Base, "tokenizer.json"), "{\"model\": ");
        var result = _family.Eval();
        CliHarness.AssertRefused(result, 1, "not valid JSON");
        Assert.Contains(Path.Combine(_family.Base, "tokenizer.json"), result.Error);
        Assert.DoesNotContain("LineNumber", result.Error);
    }

    [Theory]
    [InlineData("ties", "weight: 1, density: 0.5", 2)]
    [InlineData("dare_ties", "weight: 1, density: 0.5", 2)]
    [InlineData("della", "weight: 1, density: 0.5", 2)]
    [InlineData("breadcrumbs_ties", "weight: 1, density: 0.9", 2)]
    [InlineData("task_arithmetic", "weight: 1", 2)]
    [InlineData("linear", "weight: 1", 2)]
    [InlineData("model_stock", "", 2)]
    [InlineData("slerp", "t: 0.5", 1)]
    public void A_tensor_with_a_zero_dimension_merges_to_the_same_empty_tensor(string method, string parameters, int experts)
    {
        foreach (string model in new[] { _family.Base, _family.Expert(1), _family.Expert(2) })
        {
            long data = new FileInfo(Path.Combine(model, "model.safetensors")).Length - 8 - Encoding.UTF8.GetByteCount(HeaderOf(model));
            _family.EditHeader(h => h.TrimEnd()[..^1] + $",\"model.extra.weight\":{{\"dtype\":\"F32\",\"shape\":[4,0],\"data_offsets\":[{data},{data}]}}}}", model);
        }
        string models = string.Join("", Enumerable.Range(1, experts).Select(e => $"  - model: {_family.Expert(e)}\n"));
        File.WriteAllText(_family.MergeConfig, $"merge_method: {method}\nbase_model: {_family.Base}\nmodels:\n{models}parameters: {{{parameters}}}\n");

        var (code, _, error) = CliHarness.Run("merge", _family.MergeConfig, "--out", _family["merged"]);

        Assert.True(code == 0, error);
        using var merged = Checkpoint.Open(_family["merged"]);
        Assert.Equal([4L, 0L], merged.Info("model.extra.weight").Shape);
    }

    private static string HeaderOf(string model)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(model, "model.safetensors"));
        return Encoding.UTF8.GetString(bytes, 8, (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
    }

    private static string ReplaceFirst(string text, string old, string replacement)
    {
        int at = text.IndexOf(old, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{old}' is not in the header");
        return text[..at] + replacement + text[(at + old.Length)..];
    }

    private static void Truncate(string path, long length)
    {
        using var stream = new FileStream(path, FileMode.Open);
        stream.SetLength(length);
    }

    private static void OverwriteByte(string path, long offset, byte value)
    {
        using var stream = new FileStream(path, FileMode.Open);
        stream.Position = offset;
        stream.WriteByte(value);
    }

    // A sharded checkpoint whose index maps the first tensor to `shard` and every other tensor to the real file.
    private static void WriteIndex(ValidFamily family, string weights, string shard)
    {
        using var checkpoint = Checkpoint.Open(family.Base);
        var map = new JsonObject();
        foreach (var (tensor, i) in checkpoint.Tensors.Select((t, i) => (t, i)))
        {
            map[tensor.Name] = i == 0 ? shard : "model-00001-of-00001.safetensors";
        }
        checkpoint.Dispose();
        File.Move(weights, Path.Combine(family.Base, "model-00001-of-00001.safetensors"));
        File.WriteAllText(Path.Combine(family.Base, Checkpoint.IndexFileName), new JsonObject { ["weight_map"] = map }.ToJsonString());
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }
}
