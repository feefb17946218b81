using System.Text.Json;
using System.Text.Json.Nodes;
using SwarmMerge.Inference.Tokenization;

namespace SwarmMerge.Tests.Tokenization;

/// <summary>Equivalent tokenizer.json spellings give the same ids as the fixture they rewrite.</summary>
public sealed class TokenizerJsonVariantTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "swarmmerge-tokvar-" + Guid.NewGuid().ToString("N"));

    public TokenizerJsonVariantTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Llama3_style_split_then_byte_level_without_regex_matches_byte_level_with_regex()
    {
        var fixture = TokenizerFixture.Get("gpt2_bpe");
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(TokenizerFixture.Root, "gpt2_bpe", "tokenizer.json")))!.AsObject();
        json["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(
                new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = TextPreTokenizer.Gpt2Pattern }, ["behavior"] = "Isolated", ["invert"] = false },
                new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false }),
        };
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), json.ToJsonString());
        var variant = CheckpointTokenizer.Load(_dir);
        foreach (JsonElement entry in fixture.Entries("encode"))
        {
            string text = entry.GetProperty("text").GetString()!;
            Assert.Equal(TokenizerFixture.Ints(entry.GetProperty("ids_no_special")), variant.Encode(text, addSpecialTokens: false));
        }
    }

    [Fact]
    public void Llama_tokenizer_config_add_eos_token_overrides_the_json_template()
    {
        string source = Path.Combine(TokenizerFixture.Root, "llama_sp_json");
        File.Copy(Path.Combine(source, "tokenizer.json"), Path.Combine(_dir, "tokenizer.json"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "tokenizer_config.json")))!.AsObject();
        config["add_eos_token"] = true;
        File.WriteAllText(Path.Combine(_dir, "tokenizer_config.json"), config.ToJsonString());
        var tokenizer = CheckpointTokenizer.Load(_dir);
        int[] plain = tokenizer.Encode("Hello world", addSpecialTokens: false);
        Assert.Equal([tokenizer.BosId!.Value, .. plain, tokenizer.EosId!.Value], tokenizer.Encode("Hello world"));
    }
}
