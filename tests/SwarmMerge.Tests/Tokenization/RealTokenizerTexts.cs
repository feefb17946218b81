using System.Text;
using System.Text.Json;
using SwarmMerge.Tests.Evaluation;

namespace SwarmMerge.Tests.Tokenization;

/// <summary>
/// The texts RealTokenizerTests encodes: synthetic edge cases (whitespace, digits, contractions, accents in
/// NFC and NFD, CJK, emoji, combining marks, special-token text, byte fallback) and lines of the real task
/// data in ../shared/data (SST-2, MRPC, GSM8K; see its SOURCES.md).
/// </summary>
internal static class RealTokenizerTexts
{
    /// <summary>Hand-written edge cases, then seeded random mixtures of them and of code points from many scripts.</summary>
    public static List<string> Synthetic()
    {
        var texts = new List<string>(Fragments);
        var random = new Random(20240607);
        string[] separators = ["", " ", "  ", "\n", "\t", "\r\n", " \n ", "   ", "\n\n"];
        for (int i = 0; i < 400; i++)
        {
            var sb = new StringBuilder();
            int parts = random.Next(2, 6);
            for (int p = 0; p < parts; p++)
            {
                if (p > 0) sb.Append(separators[random.Next(separators.Length)]);
                sb.Append(Fragments[random.Next(Fragments.Length)]);
            }

            texts.Add(sb.ToString());
        }

        for (int i = 0; i < 150; i++) texts.Add(RandomScripts(random));
        return texts;
    }

    /// <summary>
    /// Lines of SST-2, MRPC and GSM8K, taken at a fixed stride so that the set is the same on every machine;
    /// null when ../shared/data is absent.
    /// </summary>
    public static List<string>? SharedData()
    {
        string root = Evaluation.SharedData.Root;
        if (!Directory.Exists(root)) return null;
        var texts = new List<string>();
        // SST-2: sentence<TAB>label after a header line; sentences keep their trailing space.
        texts.AddRange(Every(File.ReadLines(Path.Combine(root, "sst2", "train.tsv")).Skip(1), 600).Select(l => l.Split('\t')[0]));
        // MRPC: Quality, #1 ID, #2 ID, #1 String, #2 String; the file starts with a UTF-8 BOM, quotes are literal.
        foreach (string line in Every(File.ReadLines(Path.Combine(root, "mrpc", "train.tsv")).Skip(1), 350))
        {
            string[] fields = line.Split('\t');
            texts.Add(fields[3]);
            texts.Add(fields[4]);
        }

        foreach (string line in Every(File.ReadLines(Path.Combine(root, "gsm8k", "train.jsonl")), 350))
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            texts.Add(doc.RootElement.GetProperty("question").GetString()!);
            texts.Add(doc.RootElement.GetProperty("answer").GetString()!);
        }

        return texts;
    }

    private static IEnumerable<string> Every(IEnumerable<string> lines, int count)
    {
        List<string> all = lines.ToList();
        int stride = Math.Max(1, all.Count / count);
        return all.Where((_, i) => i % stride == 0).Take(count);
    }

    /// <summary>A short run of code points drawn from Latin, Greek, Cyrillic, Arabic, Devanagari, Thai, CJK, Hangul, emoji and the astral planes.</summary>
    private static string RandomScripts(Random random)
    {
        (int From, int To)[] ranges =
        [
            (0x20, 0x7E), (0xA0, 0x17F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF), (0x600, 0x6FF), (0x900, 0x97F),
            (0xE00, 0xE5B), (0x3040, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0x1F300, 0x1F64F), (0x1F900, 0x1F9FF),
            (0x20000, 0x2A6DF), (0x1D400, 0x1D4FF), (0x2000, 0x206F), (0xFF00, 0xFFEF),
        ];
        var sb = new StringBuilder();
        int length = random.Next(1, 24);
        for (int i = 0; i < length; i++)
        {
            var (from, to) = ranges[random.Next(ranges.Length)];
            sb.Append(char.ConvertFromUtf32(random.Next(from, to + 1)));
            if (random.Next(4) == 0) sb.Append(' ');
        }

        return sb.ToString();
    }

    private static readonly string[] Fragments =
    [
        // Empty input and whitespace runs.
        "", " ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\n\n\n", "\r\n", "\r\n\r\n", "\r", " \n", "\n ", " \t ",
        "a  b", "a   b", "a\tb", "a\t\tb", "a\r\nb", "a\nb", "a \n b", " leading", "  two leading", "trailing ", "trailing  ",
        "  both  ", "x\u00A0y", "\u00A0", "\u3000", "a\u3000b", "\u2028", "\u2009thin", "\v\f",
        // Digits and numbers.
        "0", "7", "42", "123", "1234", "12345", "1234567", "12345678901234567890", "3.14159", "1,000,000", "$2.5", "-17",
        "1e10", "0x1F", "2024-06-07", "10:30", "١٢٣", "٣.١٤", "४२", "①②③", "½", "Ⅻ",
        // Contractions, also in capitals.
        "don't", "DON'T", "I'm", "I'M", "we'll", "WE'LL", "she's", "SHE'S", "they've", "THEY'VE", "you're", "YOU'RE",
        "I'd", "I'D", "won't", "can't", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "rock 'n' roll",
        "o'clock", "it's'", "'quoted'", "\"double\"", "’s curly", "l'homme",
        // Accents: composed (NFC) and decomposed (NFD).
        "café", "cafe\u0301", "naïve", "nai\u0308ve", "Åström", "A\u030Astro\u0308m", "résumé", "re\u0301sume\u0301",
        "Crème brûlée", "Cre\u0300me bru\u0302le\u0301e", "Ñandú", "N\u0303andu\u0301", "ǅ", "ﬁnance", "Ａｂｃ", "İstanbul",
        "straße", "ſ", "'ſ", "it'ſ", "\u212A", "Kelvin \u212A", "ΣΊΣΥΦΟΣ", "ὀδυσσεύς",
        // Combining marks.
        "e\u0301\u0301", "a\u0300\u0301\u0302\u0303", "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇", "\u0301", " \u0301", "q\u0323\u0307", "ᄀ\u1161\u11A8",
        // Other scripts.
        "Привет, мир!", "Ελληνικά", "مرحبا بالعالم", "שָׁלוֹם", "नमस्ते दुनिया", "สวัสดีครับ", "안녕하세요", "こんにちは世界",
        "カタカナ", "ｶﾀｶﾅ", "中文测试", "漢字と仮名", "我爱北京天安门。", "你好，世界！", "𠀋𠀀", "𝐀𝐁𝐂", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "x𝐀𝐁", " 𝐀bc", "𠀋abc", "abc𠀋", "a😀b", "1𝟙2", "中𠀋文", "\U0001F600\u0301",
        // Emoji, with ZWJ sequences, skin tones, flags and variation selectors.
        "😀", "😀abc", "abc😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷🇩🇪", "❤️", "☺︎", "🤖 robots", "💯💯💯", "1️⃣",
        // Special-token text, of each of the tested tokenizers.
        "<s>", "</s>", "<unk>", "<pad>", "<s>hello</s>", " <s> ", "<s><s>", "<|im_start|>", "<|im_end|>",
        "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", "<|endoftext|>", "<|begin_of_text|>", "<|end_of_text|>",
        "<|eot_id|>", "<|start_header_id|>user<|end_header_id|>", "<bos>", "<eos>", "<start_of_turn>user\nhi<end_of_turn>",
        "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>hi<｜Assistant｜>", "<think>", "</think>", "<mask>",
        "[multimodal]", "<image_soft_token>", "<|im_start", "im_start|>", "< s >", "<<s>>", "<|EOT|>", "<｜tool▁sep｜>",
        "<unused42>", "<unused99999>", "<table><tr><th>x</th></tr></table>", "<b>bold</b>", "<h1>Title</h1>\n<p>para</p>",
        new string('\t', 14), new string('\t', 40), " \t \t", "\t\n\t", "s>", "<s", "</s></s>",
        // Very long words.
        new string('a', 300), new string('z', 1000), string.Concat(Enumerable.Repeat("supercalifragilistic", 20)),
        string.Concat(Enumerable.Repeat("ab", 400)), new string('9', 200), new string(' ', 100), new string('\n', 50),
        string.Concat(Enumerable.Repeat("漢", 100)), string.Concat(Enumerable.Repeat("😀", 50)), new string('!', 60),
        // Characters that need byte fallback: controls, private use, rare planes.
        "\u0001", "\u0000", "\u001B[0m", "\u007F", "\u0085", "\uE000", "\uFFFD", "\uFEFF", "\u200B", "\u200D", "\U0010FFFD",
        "\U000E0041", "𓀀", "𐍈", "\u2066x\u2069",
        // Punctuation, code and markup.
        "Hello, world!", "Hello world", "hello   world", "!!!???", "......", "--", "—", "…", "«guillemets»", "(a) [b] {c}",
        "def f(x):\n    return x ** 2\n", "if (a && b) { return; }", "    indented", "\tindented", "x = [1, 2, 3]",
        "https://example.com/path?q=1&r=2#frag", "user@example.com", "<div class=\"a\">text</div>", "C:\\Windows\\",
        "#hashtag @mention", "snake_case camelCase PascalCase", "ALLCAPS", "MiXeD CaSe", "e.g. i.e. etc.",
        "The quick brown fox jumps over the lazy dog.", "It's 5 o'clock; we're late!", "Q: What's 2+2?\nA: 4",
    ];
}
