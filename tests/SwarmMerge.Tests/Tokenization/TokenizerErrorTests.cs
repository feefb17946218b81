using System.Text.Json.Nodes;
using SwarmMerge.Inference.Tokenization;

namespace SwarmMerge.Tests.Tokenization;

/// <summary>Missing, malformed and unsupported tokenizer files fail with the file and field named.</summary>
public sealed class TokenizerErrorTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "swarmmerge-tok-" + Guid.NewGuid().ToString("N"));

    public TokenizerErrorTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name, string file) => Path.Combine(TokenizerFixture.Root, name, file);

    private TokenizerFormatException LoadFails() => Assert.Throws<TokenizerFormatException>(() => CheckpointTokenizer.Load(_dir));

    private void WriteJson(string fixture, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(Fixture(fixture, "tokenizer.json")))!.AsObject();
        edit(json);
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), json.ToJsonString());
    }

    [Fact]
    public void Missing_folder()
    {
        var e = Assert.Throws<TokenizerFormatException>(() => CheckpointTokenizer.Load(Path.Combine(_dir, "nope")));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Folder_without_tokenizer_files()
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), "{\"model_type\": \"gpt2\"}");
        var e = LoadFails();
        Assert.Contains("no tokenizer files", e.Message);
        Assert.Contains("tokenizer.json", e.Message);
    }

    [Fact]
    public void Invalid_json()
    {
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), "{ not json");
        var e = LoadFails();
        Assert.Equal(Path.Combine(_dir, "tokenizer.json"), e.File); // the full path: the message names the folder
        Assert.Contains("not valid JSON", e.Message);
    }

    [Fact]
    public void Unsupported_model_type()
    {
        WriteJson("gpt2_bpe", j => j["model"]!["type"] = "WordLevel");
        var e = LoadFails();
        Assert.Equal("model.type", e.Field);
        Assert.Contains("tokenizer.json: model.type: unsupported model 'WordLevel'", e.Message);
    }

    [Fact]
    public void Unsupported_normalizer()
    {
        WriteJson("gpt2_bpe", j => j["normalizer"] = new JsonObject { ["type"] = "Sequence", ["normalizers"] = new JsonArray(new JsonObject { ["type"] = "Nmt" }) });
        var e = LoadFails();
        Assert.Equal("normalizer.normalizers[0].type", e.Field);
        Assert.Contains("unsupported normalizer 'Nmt'", e.Message);
    }

    [Fact]
    public void Unsupported_pre_tokenizer()
    {
        WriteJson("gpt2_bpe", j => j["pre_tokenizer"] = new JsonObject { ["type"] = "Digits", ["individual_digits"] = true });
        Assert.Equal("pre_tokenizer.type", LoadFails().Field);
    }

    [Fact]
    public void Unsupported_post_processor_and_decoder()
    {
        WriteJson("gpt2_bpe", j => j["post_processor"] = new JsonObject { ["type"] = "Mystery" });
        Assert.Equal("post_processor.type", LoadFails().Field);
        WriteJson("gpt2_bpe", j => j["decoder"] = new JsonObject { ["type"] = "CTC" });
        Assert.Equal("decoder.type", LoadFails().Field);
    }

    [Fact]
    public void WordPiece_needs_the_bert_pre_tokenizer()
    {
        WriteJson("bert_wordpiece", j => j["pre_tokenizer"] = new JsonObject { ["type"] = "Whitespace" });
        var e = LoadFails();
        Assert.Equal("pre_tokenizer.type", e.Field);
        Assert.Contains("BertPreTokenizer", e.Message);
    }

    [Fact]
    public void Unigram_without_unk_id()
    {
        WriteJson("t5_unigram_json", j => j["model"]!.AsObject().Remove("unk_id"));
        Assert.Equal("model.unk_id", LoadFails().Field);
    }

    [Fact]
    public void Bpe_dropout_is_refused()
    {
        WriteJson("gpt2_bpe", j => j["model"]!["dropout"] = 0.1);
        Assert.Equal("model.dropout", LoadFails().Field);
    }

    [Fact]
    public void Single_word_added_tokens_are_refused()
    {
        WriteJson("gpt2_bpe", j => j["added_tokens"]!.AsArray()[0]!["single_word"] = true);
        var e = LoadFails();
        Assert.Equal("added_tokens[0].single_word", e.Field);
        Assert.Contains("not supported", e.Message);
    }

    [Fact]
    public void Normalized_added_tokens_are_refused_with_a_normalizer()
    {
        WriteJson("llama_sp_json", j => j["added_tokens"]!.AsArray()[0]!["normalized"] = true);
        var e = LoadFails();
        Assert.Equal("added_tokens[0].normalized", e.Field);
        Assert.Contains("after normalization", e.Message);
    }

    [Fact]
    public void Normalized_added_tokens_are_accepted_without_a_normalizer()
    {
        WriteJson("gpt2_bpe", j =>
        {
            j["added_tokens"]!.AsArray()[0]!["normalized"] = true;
            j["normalizer"] = new JsonObject { ["type"] = "Sequence", ["normalizers"] = new JsonArray() };
        });
        CheckpointTokenizer.Load(_dir);
    }

    [Fact]
    public void Regex_pattern_with_astral_characters_is_refused()
    {
        WriteJson("gpt2_bpe", j => j["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = "😀+" }, ["behavior"] = "Isolated", ["invert"] = false,
        });
        var e = LoadFails();
        Assert.Equal("pre_tokenizer.pattern.Regex", e.Field);
        Assert.Contains("Basic Multilingual Plane", e.Message);
    }

    [Fact]
    public void Malformed_merges_txt()
    {
        File.Copy(Fixture("gpt2_bpe_legacy", "vocab.json"), Path.Combine(_dir, "vocab.json"));
        File.WriteAllText(Path.Combine(_dir, "merges.txt"), "#version: 0.2\nĠ t\nbad line here\n");
        var e = LoadFails();
        Assert.Equal(Path.Combine(_dir, "merges.txt"), e.File);
        Assert.Equal("line 3", e.Field);
    }

    [Fact]
    public void Corrupt_sentencepiece_model()
    {
        File.WriteAllBytes(Path.Combine(_dir, "tokenizer.model"), [0x0A, 0xFF, 0xFF, 0x01, 0x02]);
        var e = LoadFails();
        Assert.Equal(Path.Combine(_dir, "tokenizer.model"), e.File);
        Assert.Contains("SentencePiece", e.Message);
    }
}
