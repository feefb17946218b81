using System.Text.Json;

namespace SwarmMerge.Tests.Tokenization;

/// <summary>Every fixture tokenizer against the ids and texts of its expected.json (independent Python / SentencePiece references).</summary>
public sealed class CheckpointTokenizerFixtureTests
{
    public static TheoryData<string> Cases => TokenizerFixture.CaseNames();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encode_without_special_tokens_matches_reference(string name)
    {
        var fixture = TokenizerFixture.Get(name);
        var failures = new List<string>();
        foreach (JsonElement entry in fixture.Entries("encode"))
        {
            string text = entry.GetProperty("text").GetString()!;
            int[] expected = TokenizerFixture.Ints(entry.GetProperty("ids_no_special"));
            int[] actual = fixture.Tokenizer.Encode(text, addSpecialTokens: false);
            if (!expected.SequenceEqual(actual)) failures.Add($"{JsonSerializer.Serialize(text)}: expected [{string.Join(",", expected)}] got [{string.Join(",", actual)}]");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encode_with_special_tokens_matches_reference(string name)
    {
        var fixture = TokenizerFixture.Get(name);
        foreach (JsonElement entry in fixture.Entries("encode"))
        {
            string text = entry.GetProperty("text").GetString()!;
            Assert.Equal(TokenizerFixture.Ints(entry.GetProperty("ids")), fixture.Tokenizer.Encode(text));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EncodePair_matches_reference(string name)
    {
        var fixture = TokenizerFixture.Get(name);
        foreach (JsonElement entry in fixture.Entries("pairs"))
        {
            var pair = fixture.Tokenizer.EncodePair(entry.GetProperty("a").GetString()!, entry.GetProperty("b").GetString()!);
            Assert.Equal(TokenizerFixture.Ints(entry.GetProperty("ids")), pair.Ids);
            Assert.Equal(TokenizerFixture.Ints(entry.GetProperty("type_ids")), pair.TypeIds);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_matches_reference(string name)
    {
        var fixture = TokenizerFixture.Get(name);
        foreach (JsonElement entry in fixture.Entries("encode"))
        {
            int[] ids = TokenizerFixture.Ints(entry.GetProperty("ids"));
            if (entry.GetProperty("decoded").GetString() is string decoded)
            {
                Assert.Equal(decoded, fixture.Tokenizer.Decode(ids, skipSpecialTokens: true));
            }

            if (entry.GetProperty("decoded_with_special").GetString() is string withSpecial)
            {
                Assert.Equal(withSpecial, fixture.Tokenizer.Decode(ids, skipSpecialTokens: false));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Special_token_ids_and_vocab_size_match_reference(string name)
    {
        var fixture = TokenizerFixture.Get(name);
        var t = fixture.Tokenizer;
        Assert.Equal(fixture.Special("bos"), t.BosId);
        Assert.Equal(fixture.Special("eos"), t.EosId);
        Assert.Equal(fixture.Special("unk"), t.UnkId);
        Assert.Equal(fixture.Special("pad"), t.PadId);
        Assert.Equal(fixture.Special("cls"), t.ClsId);
        Assert.Equal(fixture.Special("sep"), t.SepId);
        Assert.Equal(fixture.Expected.GetProperty("vocab_size").GetInt32(), t.VocabSize);
        Assert.True(t.VocabSize <= 512);
    }
}
