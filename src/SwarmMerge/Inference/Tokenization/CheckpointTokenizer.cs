namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// The tokenizer of a Hugging Face checkpoint folder, loaded from the checkpoint's own files and
/// behaving like the Hugging Face tokenizer: tokenizer.json (BPE byte-level or SentencePiece-style,
/// WordPiece, Unigram) or, without it, vocab.json + merges.txt, vocab.txt, tokenizer.model or
/// spiece.model; special tokens from tokenizer_config.json and special_tokens_map.json.
/// Encoding runs through Microsoft.ML.Tokenizers. Instances are immutable and thread-safe.
/// </summary>
public sealed class CheckpointTokenizer
{
    private readonly ISegmentEncoder _encoder;
    private readonly AddedTokenSplitter _splitter;
    private readonly PostProcessor _postProcessor;
    private readonly TokenDecoder _decoder;
    private readonly Dictionary<string, int> _tokenToId;
    private readonly Dictionary<int, string> _idToToken;
    private readonly HashSet<int> _specialIds;
    private readonly bool _cleanUpSpaces;

    private CheckpointTokenizer(TokenizerParts parts, TokenizerConfig config)
    {
        _encoder = parts.Encoder;
        _decoder = parts.Decoder;
        Family = parts.Family;
        SourceFile = parts.Source;
        ModelMaxLength = config.ModelMaxLength;
        _tokenToId = new Dictionary<string, int>(parts.Vocab, StringComparer.Ordinal);
        _idToToken = [];
        foreach (var (token, id) in parts.Vocab) _idToToken.TryAdd(id, token);

        var added = new Dictionary<int, AddedToken>();
        foreach (AddedToken t in parts.AddedTokens.Concat(config.AddedTokens)) added.TryAdd(t.Id, t);

        Dictionary<string, string> specials = config.HasSpecialTokenFiles ? config.Specials : TokenizerFamilies.DefaultSpecials(Family);
        foreach (string content in specials.Values.Concat(config.AdditionalSpecialTokens))
        {
            if (!added.Values.Any(t => t.Content == content) && _tokenToId.TryGetValue(content, out int id) && !added.ContainsKey(id))
            {
                added[id] = new AddedToken(content, id, Special: true);
            }
        }

        foreach (AddedToken t in added.Values)
        {
            _tokenToId[t.Content] = t.Id;
            _idToToken[t.Id] = t.Content;
        }

        _splitter = new AddedTokenSplitter(added.Values);
        _specialIds = added.Values.Where(t => t.Special).Select(t => t.Id).ToHashSet();
        int? Id(string role) => specials.TryGetValue(role, out string? token) ? TokenToId(token) : null;
        BosId = Id("bos_token");
        EosId = Id("eos_token");
        UnkId = Id("unk_token");
        PadId = Id("pad_token");
        ClsId = Id("cls_token");
        SepId = Id("sep_token");
        MaskId = Id("mask_token");
        VocabSize = _idToToken.Count == 0 ? 0 : _idToToken.Keys.Max() + 1;
        _postProcessor = ChoosePostProcessor(parts.PostProcessor, config);
        _cleanUpSpaces = config.CleanUpTokenizationSpaces ?? Family == TokenizerFamily.Bert;
    }

    /// <summary>Loads the tokenizer of the checkpoint folder <paramref name="directory"/>.</summary>
    /// <exception cref="TokenizerFormatException">No supported tokenizer file, or a configuration that cannot be reproduced.</exception>
    public static CheckpointTokenizer Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new TokenizerFormatException(directory, null, "the checkpoint folder does not exist");
        TokenizerConfig config = TokenizerConfig.Read(directory);
        string json = Path.Combine(directory, "tokenizer.json");
        TokenizerParts parts = File.Exists(json)
            ? TokenizerJsonLoader.Load(json, config)
            : LegacyTokenizerLoader.TryLoad(directory, config)
              ?? throw new TokenizerFormatException(directory, null,
                  "no tokenizer files: expected tokenizer.json, vocab.json + merges.txt, vocab.txt, tokenizer.model or spiece.model");
        return new CheckpointTokenizer(parts, config);
    }

    /// <summary>The model family (decides conventions the files leave open).</summary>
    public TokenizerFamily Family { get; }

    /// <summary>The file the vocabulary was read from.</summary>
    public string SourceFile { get; }

    /// <summary>Number of token ids: the highest id of the vocabulary and added tokens, plus one (HF's <c>len(tokenizer)</c>).</summary>
    public int VocabSize { get; }

    /// <summary>tokenizer_config.json <c>model_max_length</c>, or null when absent or unbounded.</summary>
    public int? ModelMaxLength { get; }

    /// <summary>Beginning-of-sequence token id.</summary>
    public int? BosId { get; }

    /// <summary>End-of-sequence token id.</summary>
    public int? EosId { get; }

    /// <summary>Padding token id.</summary>
    public int? PadId { get; }

    /// <summary>Classification token id (BERT <c>[CLS]</c>, RoBERTa <c>&lt;s&gt;</c>).</summary>
    public int? ClsId { get; }

    /// <summary>Separator token id (BERT <c>[SEP]</c>, RoBERTa <c>&lt;/s&gt;</c>).</summary>
    public int? SepId { get; }

    /// <summary>Unknown token id.</summary>
    public int? UnkId { get; }

    /// <summary>Mask token id.</summary>
    public int? MaskId { get; }

    /// <summary>Encodes <paramref name="text"/>; with <paramref name="addSpecialTokens"/> the family's special tokens are added (as HF <c>add_special_tokens</c>).</summary>
    public int[] Encode(string text, bool addSpecialTokens = true)
    {
        List<int> ids = EncodePlain(text);
        return addSpecialTokens ? _postProcessor.Apply(ids, null).Ids : ids.ToArray();
    }

    /// <summary>Encodes a sentence pair (BERT <c>[CLS] a [SEP] b [SEP]</c>, RoBERTa <c>&lt;s&gt; a &lt;/s&gt;&lt;/s&gt; b &lt;/s&gt;</c>, ...) with token type ids.</summary>
    public EncodedPair EncodePair(string first, string second, bool addSpecialTokens = true)
    {
        PostProcessor processor = addSpecialTokens ? _postProcessor : PostProcessor.None;
        var (ids, types) = processor.Apply(EncodePlain(first), EncodePlain(second));
        return new EncodedPair(ids, types);
    }

    /// <summary>Decodes ids to text; ids outside the vocabulary are ignored, as Hugging Face does.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true)
    {
        var tokens = new List<string>();
        foreach (int id in ids)
        {
            if (skipSpecialTokens && _specialIds.Contains(id)) continue;
            if (_idToToken.TryGetValue(id, out string? token)) tokens.Add(token);
        }

        string text = _decoder.Decode(tokens);
        return _cleanUpSpaces ? TokenDecoder.CleanUpTokenization(text) : text;
    }

    /// <summary>The id of <paramref name="token"/> (vocabulary or added token), or null.</summary>
    public int? TokenToId(string token) => _tokenToId.TryGetValue(token, out int id) ? id : null;

    /// <summary>The token string of <paramref name="id"/>, or null.</summary>
    public string? IdToToken(int id) => _idToToken.GetValueOrDefault(id);

    /// <summary>True for ids of special tokens (those <see cref="Decode"/> skips).</summary>
    public bool IsSpecial(int id) => _specialIds.Contains(id);

    private List<int> EncodePlain(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        bool first = true;
        foreach (var (piece, token) in _splitter.Split(text))
        {
            if (token is not null) ids.Add(token.Id);
            else _encoder.Encode(piece, first, ids);
            first = false;
        }

        return ids;
    }

    /// <summary>
    /// tokenizer.json's post_processor when present, except that Llama tokenizers follow
    /// add_bos_token/add_eos_token (as LlamaTokenizerFast rebuilds its template); otherwise the family convention.
    /// </summary>
    private PostProcessor ChoosePostProcessor(PostProcessor? fromJson, TokenizerConfig config)
    {
        bool llamaClass = config.TokenizerClass is string c && (c.StartsWith("Llama", StringComparison.Ordinal) || c.StartsWith("CodeLlama", StringComparison.Ordinal) || c.StartsWith("Gemma", StringComparison.Ordinal));
        bool configured = config.AddBosToken is not null || config.AddEosToken is not null;
        if (fromJson is not null && !(llamaClass && configured)) return fromJson;
        return Family switch
        {
            TokenizerFamily.Bert when ClsId is int cls && SepId is int sep => PostProcessor.Bert(cls, sep),
            TokenizerFamily.Roberta when ClsId is int cls && SepId is int sep => PostProcessor.Roberta(cls, sep),
            TokenizerFamily.T5 when EosId is int eos => PostProcessor.T5(eos),
            TokenizerFamily.Llama => PostProcessor.Llama(config.AddBosToken ?? true ? BosId : null, config.AddEosToken ?? false ? EosId : null),
            _ => PostProcessor.Llama(config.AddBosToken ?? false ? BosId : null, config.AddEosToken ?? false ? EosId : null),
        };
    }
}
