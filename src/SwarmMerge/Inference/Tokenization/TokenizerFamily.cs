namespace SwarmMerge.Inference.Tokenization;

/// <summary>The Hugging Face tokenizer family, which decides special-token conventions when the files do not spell them out.</summary>
public enum TokenizerFamily
{
    /// <summary>Unknown family: no special tokens are added unless tokenizer.json says so.</summary>
    Other,

    /// <summary>GPT-2 style byte-level BPE: no special tokens added.</summary>
    Gpt2,

    /// <summary>RoBERTa: <c>&lt;s&gt; a &lt;/s&gt;&lt;/s&gt; b &lt;/s&gt;</c>.</summary>
    Roberta,

    /// <summary>BERT: <c>[CLS] a [SEP] b [SEP]</c>.</summary>
    Bert,

    /// <summary>Llama / Mistral SentencePiece: BOS (and EOS when configured).</summary>
    Llama,

    /// <summary>T5: <c>&lt;/s&gt;</c> appended.</summary>
    T5,
}

/// <summary>Resolves the family from the tokenizer class, the model type, or the files present.</summary>
internal static class TokenizerFamilies
{
    public static TokenizerFamily Resolve(TokenizerConfig config, TokenizerFamily fallback)
    {
        foreach (string? name in new[] { config.TokenizerClass, config.ModelType })
        {
            TokenizerFamily? family = FromName(name);
            if (family is not null) return family.Value;
        }

        return fallback;
    }

    private static TokenizerFamily? FromName(string? name)
    {
        if (string.IsNullOrEmpty(name)) return null;
        string n = name.ToLowerInvariant();
        if (n.Contains("roberta") || n.Contains("longformer") || n.Contains("bart")) return TokenizerFamily.Roberta;
        if (n.Contains("bert") || n.Contains("electra")) return TokenizerFamily.Bert;
        if (n.Contains("gpt2") || n.Contains("gpt_neox") || n.Contains("codegen")) return TokenizerFamily.Gpt2;
        if (n.Contains("llama") || n.Contains("mistral") || n.Contains("gemma")) return TokenizerFamily.Llama;
        if (n.Contains("t5")) return TokenizerFamily.T5;
        return null;
    }

    /// <summary>Special tokens of a family, used only when neither tokenizer_config.json nor special_tokens_map.json exists.</summary>
    public static Dictionary<string, string> DefaultSpecials(TokenizerFamily family) => family switch
    {
        TokenizerFamily.Gpt2 => new() { ["bos_token"] = "<|endoftext|>", ["eos_token"] = "<|endoftext|>", ["unk_token"] = "<|endoftext|>" },
        TokenizerFamily.Roberta => new()
        {
            ["bos_token"] = "<s>", ["eos_token"] = "</s>", ["unk_token"] = "<unk>", ["pad_token"] = "<pad>",
            ["cls_token"] = "<s>", ["sep_token"] = "</s>", ["mask_token"] = "<mask>",
        },
        TokenizerFamily.Bert => new()
        {
            ["unk_token"] = "[UNK]", ["pad_token"] = "[PAD]", ["cls_token"] = "[CLS]", ["sep_token"] = "[SEP]", ["mask_token"] = "[MASK]",
        },
        TokenizerFamily.Llama => new() { ["bos_token"] = "<s>", ["eos_token"] = "</s>", ["unk_token"] = "<unk>" },
        TokenizerFamily.T5 => new() { ["eos_token"] = "</s>", ["unk_token"] = "<unk>", ["pad_token"] = "<pad>" },
        _ => [],
    };
}
