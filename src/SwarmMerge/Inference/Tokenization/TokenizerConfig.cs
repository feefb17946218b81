using System.Text.Json;

namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// What tokenizer_config.json, special_tokens_map.json and config.json say about the tokenizer: the
/// special token strings, added tokens, BOS/EOS switches and the model family.
/// </summary>
internal sealed class TokenizerConfig
{
    /// <summary>The special-token roles read from the files, by their HF key.</summary>
    public static readonly string[] SpecialRoles = ["bos_token", "eos_token", "unk_token", "pad_token", "cls_token", "sep_token", "mask_token"];

    /// <summary>Role (for example <c>bos_token</c>) to token string.</summary>
    public Dictionary<string, string> Specials { get; } = [];

    public List<string> AdditionalSpecialTokens { get; } = [];

    /// <summary>The <c>added_tokens_decoder</c> entries of tokenizer_config.json.</summary>
    public List<AddedToken> AddedTokens { get; } = [];

    /// <summary><c>tokenizer_class</c> without a trailing <c>Fast</c>, or null.</summary>
    public string? TokenizerClass { get; private set; }

    /// <summary>config.json <c>model_type</c>, or null.</summary>
    public string? ModelType { get; private set; }

    public bool? AddBosToken { get; private set; }

    public bool? AddEosToken { get; private set; }

    public bool? AddPrefixSpace { get; private set; }

    public bool? CleanUpTokenizationSpaces { get; private set; }

    public bool? DoLowerCase { get; private set; }

    public bool? StripAccents { get; private set; }

    public bool? TokenizeChineseChars { get; private set; }

    public int? ModelMaxLength { get; private set; }

    /// <summary>True when tokenizer_config.json or special_tokens_map.json exists (their special tokens are then authoritative).</summary>
    public bool HasSpecialTokenFiles { get; private set; }

    public static TokenizerConfig Read(string directory)
    {
        var config = new TokenizerConfig();
        string tokenizerConfig = Path.Combine(directory, "tokenizer_config.json");
        if (File.Exists(tokenizerConfig))
        {
            config.HasSpecialTokenFiles = true;
            using JsonDocument doc = JsonReader.Parse(tokenizerConfig);
            Checked(tokenizerConfig, json => config.ReadTokenizerConfig(json, doc.RootElement));
        }

        string map = Path.Combine(directory, "special_tokens_map.json");
        if (File.Exists(map))
        {
            config.HasSpecialTokenFiles = true;
            using JsonDocument doc = JsonReader.Parse(map);
            Checked(map, json => config.ReadSpecials(json, doc.RootElement, overwrite: false));
        }

        string modelConfig = Path.Combine(directory, "config.json");
        if (File.Exists(modelConfig))
        {
            using JsonDocument doc = JsonReader.Parse(modelConfig);
            config.ModelType = new JsonReader(modelConfig).String(doc.RootElement, "model_type", "");
        }

        return config;
    }

    // A field of the wrong JSON type where no reader checks it is an error in that file, not in SwarmMerge.
    private static void Checked(string path, Action<JsonReader> read)
    {
        var json = new JsonReader(path);
        try
        {
            read(json);
        }
        catch (InvalidOperationException e)
        {
            throw json.Error(null, $"cannot be used: {e.Message}");
        }
    }

    private void ReadTokenizerConfig(JsonReader json, JsonElement root)
    {
        ReadSpecials(json, root, overwrite: true);
        string? tokenizerClass = json.String(root, "tokenizer_class", "");
        TokenizerClass = tokenizerClass is not null && tokenizerClass.EndsWith("Fast", StringComparison.Ordinal) ? tokenizerClass[..^4] : tokenizerClass;
        AddBosToken = NullableBool(json, root, "add_bos_token");
        AddEosToken = NullableBool(json, root, "add_eos_token");
        AddPrefixSpace = NullableBool(json, root, "add_prefix_space");
        CleanUpTokenizationSpaces = NullableBool(json, root, "clean_up_tokenization_spaces");
        DoLowerCase = NullableBool(json, root, "do_lower_case");
        StripAccents = NullableBool(json, root, "strip_accents");
        TokenizeChineseChars = NullableBool(json, root, "tokenize_chinese_chars");
        if (JsonReader.Child(root, "model_max_length") is JsonElement max && max.ValueKind == JsonValueKind.Number)
        {
            // HF writes a huge number (1e30) when the length is unknown.
            ModelMaxLength = max.TryGetInt32(out int length) ? length : null;
        }

        if (JsonReader.Child(root, "added_tokens_decoder") is JsonElement decoder)
        {
            foreach (JsonProperty entry in decoder.EnumerateObject())
            {
                string path = $"added_tokens_decoder.{entry.Name}";
                if (!int.TryParse(entry.Name, out int id)) throw json.Error(path, "expected an integer token id as the key");
                AddedTokens.Add(new AddedToken(json.RequiredString(entry.Value, "content", path), id,
                    json.Bool(entry.Value, "special", path, false), json.Bool(entry.Value, "lstrip", path, false), json.Bool(entry.Value, "rstrip", path, false)));
            }
        }
    }

    private void ReadSpecials(JsonReader json, JsonElement root, bool overwrite)
    {
        foreach (string role in SpecialRoles)
        {
            if (JsonReader.Child(root, role) is JsonElement value && (overwrite || !Specials.ContainsKey(role)))
            {
                Specials[role] = TokenContent(json, value, role);
            }
        }

        if (JsonReader.Child(root, "additional_special_tokens") is JsonElement extra && AdditionalSpecialTokens.Count == 0)
        {
            int i = 0;
            foreach (JsonElement token in extra.EnumerateArray()) AdditionalSpecialTokens.Add(TokenContent(json, token, $"additional_special_tokens[{i++}]"));
        }
    }

    /// <summary>A special token is written either as a string or as an AddedToken object with <c>content</c>.</summary>
    private static string TokenContent(JsonReader json, JsonElement value, string path) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Object => json.RequiredString(value, "content", path),
        _ => throw json.Error(path, "expected a string or an object with \"content\""),
    };

    private static bool? NullableBool(JsonReader json, JsonElement root, string name)
        => JsonReader.Child(root, name) is null ? null : json.Bool(root, name, "", false);
}
