using System.Text.Json;
using SwarmMerge.Inference.Tokenization;

namespace SwarmMerge.Tests.Tokenization;

/// <summary>One tokenizer folder under Fixtures/tokenizers and its expected.json (see tools/make_tokenizer_fixtures.py).</summary>
internal sealed class TokenizerFixture
{
    public static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tokenizers");

    public static readonly string[] Cases =
    [
        "gpt2_bpe", "gpt2_bpe_legacy", "roberta_bpe", "roberta_bpe_legacy", "bert_wordpiece", "bert_wordpiece_legacy",
        "llama_sp", "llama_sp_json", "t5_unigram", "t5_unigram_json",
    ];

    private static readonly Dictionary<string, TokenizerFixture> Loaded = [];

    public required string Name { get; init; }

    public required CheckpointTokenizer Tokenizer { get; init; }

    public required JsonElement Expected { get; init; }

    public static TheoryData<string> CaseNames() => new(Cases);

    public static TokenizerFixture Get(string name)
    {
        lock (Loaded)
        {
            if (!Loaded.TryGetValue(name, out TokenizerFixture? fixture))
            {
                string folder = Path.Combine(Root, name);
                using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "expected.json")));
                fixture = new TokenizerFixture { Name = name, Tokenizer = CheckpointTokenizer.Load(folder), Expected = doc.RootElement.Clone() };
                Loaded[name] = fixture;
            }

            return fixture;
        }
    }

    public IEnumerable<JsonElement> Entries(string section) => Expected.GetProperty(section).EnumerateArray();

    public static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public int? Special(string role)
    {
        JsonElement value = Expected.GetProperty("special").GetProperty(role);
        return value.ValueKind == JsonValueKind.Null ? null : value.GetInt32();
    }
}
