namespace SwarmMerge.Tests.Tokenization;

/// <summary>decode(encode(s)) == s where Hugging Face guarantees it, and special tokens inside text.</summary>
public sealed class TokenizerRoundTripTests
{
    private static readonly string[] Texts =
    [
        "Hello world", "  two leading spaces", "trailing  ", "tabs\tand\nnewlines\r\n", "punctuation!?;:,.'\"()[]{}",
        "numbers 0 12 345 6789 3.14", "accents àéîõü ÅØß", "CJK 日本語 中文", "emoji 🙂👍🏽🇫🇷", "mixed😀text", "",
        "don't won't I'll we've", "\u00A0non-breaking\u2003spaces", "a\u0301 combining",
    ];

    public static TheoryData<string> Lossless => new("gpt2_bpe", "gpt2_bpe_legacy", "roberta_bpe", "roberta_bpe_legacy", "llama_sp", "llama_sp_json");

    [Theory]
    [MemberData(nameof(Lossless))]
    public void Byte_level_and_byte_fallback_tokenizers_round_trip_any_text(string name)
    {
        var tokenizer = TokenizerFixture.Get(name).Tokenizer;
        foreach (string text in Texts)
        {
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text, addSpecialTokens: false)));
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        }
    }

    [Theory]
    [InlineData("bert_wordpiece", "the model was great and the plot was boring")]
    [InlineData("bert_wordpiece_legacy", "hello world, how are you?")]
    [InlineData("t5_unigram", "The model was great and the plot was boring.")]
    [InlineData("t5_unigram_json", "Hello world, how are you?")]
    public void Lossy_tokenizers_round_trip_normalized_text(string name, string text)
    {
        var tokenizer = TokenizerFixture.Get(name).Tokenizer;
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Theory]
    [InlineData("gpt2_bpe", "<|endoftext|>")]
    [InlineData("roberta_bpe", "</s>")]
    [InlineData("bert_wordpiece", "[SEP]")]
    [InlineData("llama_sp", "</s>")]
    [InlineData("llama_sp_json", "</s>")]
    [InlineData("t5_unigram", "</s>")]
    [InlineData("t5_unigram_json", "</s>")]
    public void Special_token_in_text_maps_to_its_id(string name, string special)
    {
        var tokenizer = TokenizerFixture.Get(name).Tokenizer;
        int id = tokenizer.TokenToId(special) ?? throw new InvalidOperationException("no id");
        int[] ids = tokenizer.Encode($"before{special}after", addSpecialTokens: false);
        Assert.Single(ids, i => i == id);
        Assert.True(tokenizer.IsSpecial(id));
        Assert.DoesNotContain(special, tokenizer.Decode(ids, skipSpecialTokens: true));
        Assert.Contains(special, tokenizer.Decode(ids, skipSpecialTokens: false));
    }

    [Fact]
    public void Bert_pair_has_cls_sep_layout_and_type_ids()
    {
        var tokenizer = TokenizerFixture.Get("bert_wordpiece").Tokenizer;
        int[] a = tokenizer.Encode("hello", false), b = tokenizer.Encode("world", false);
        var pair = tokenizer.EncodePair("hello", "world");
        Assert.Equal([tokenizer.ClsId!.Value, .. a, tokenizer.SepId!.Value, .. b, tokenizer.SepId!.Value], pair.Ids);
        Assert.Equal([.. Enumerable.Repeat(0, a.Length + 2), .. Enumerable.Repeat(1, b.Length + 1)], pair.TypeIds);
    }

    [Fact]
    public void Roberta_pair_doubles_the_separator()
    {
        var tokenizer = TokenizerFixture.Get("roberta_bpe").Tokenizer;
        int[] a = tokenizer.Encode("Hello", false), b = tokenizer.Encode("world", false);
        int cls = tokenizer.ClsId!.Value, sep = tokenizer.SepId!.Value;
        Assert.Equal([cls, .. a, sep, sep, .. b, sep], tokenizer.EncodePair("Hello", "world").Ids);
    }

    [Fact]
    public void Decode_ignores_ids_outside_the_vocabulary()
    {
        var tokenizer = TokenizerFixture.Get("bert_wordpiece").Tokenizer;
        Assert.True(tokenizer.VocabSize < 511);
        Assert.Equal("hello", tokenizer.Decode([.. tokenizer.Encode("hello"), 511]));
    }
}
