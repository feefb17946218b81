using System.Globalization;
using SwarmMerge.Inference.Tokenization;

namespace SwarmMerge.Tests.Tokenization;

/// <summary>SwarmMerge's own Unicode normalization forms and code-point regex matching (no ICU under InvariantGlobalization).</summary>
public sealed class UnicodeNormalizationTests
{
    [Theory]
    [InlineData("cafe\u0301", "caf\u00E9")]
    [InlineData("A\u030Astro\u0308m", "\u00C5str\u00F6m")]
    [InlineData("\u1100\u1161\u11A8", "\uAC01")] // Hangul jamo compose arithmetically
    [InlineData("q\u0307\u0323", "q\u0323\u0307")] // marks reordered (220 before 230), q has no composite
    [InlineData("a\u0323\u0302", "\u1EAD")] // ạ + ̂ composes through the reordered dot below
    [InlineData("\u212B", "\u00C5")] // a singleton (Angstrom sign) does not survive NFC
    [InlineData("\u0344", "\u0308\u0301")] // a composition exclusion stays decomposed
    [InlineData("e\u0301\u0301", "\u00E9\u0301")] // the second acute is blocked
    [InlineData("\U0001D400", "\U0001D400")]
    public void Nfc(string input, string expected) => Assert.Equal(expected, UnicodeNormalization.Compose(input));

    [Theory]
    [InlineData("\u00E9", "e\u0301")]
    [InlineData("\uAC01", "\u1100\u1161\u11A8")]
    [InlineData("\u1E69", "s\u0323\u0307")] // full (recursive) decomposition
    public void Nfd(string input, string expected) => Assert.Equal(expected, UnicodeNormalization.Decompose(input));

    [Theory]
    [InlineData("\uFB01nance", "finance")]
    [InlineData("\uFF21\uFF42", "Ab")]
    [InlineData("x\u00B2", "x2")]
    [InlineData("\u00BD", "1\u20442")]
    [InlineData("\u1E9B\u0323", "\u1E69")] // long s with dot above and dot below
    public void Nfkc(string input, string expected) => Assert.Equal(expected, UnicodeNormalization.ComposeCompatibility(input));

    [Fact]
    public void Nfkd_decomposes_compatibility_characters_fully()
        => Assert.Equal("s\u0323\u0307", UnicodeNormalization.DecomposeCompatibility("\u1E9B\u0323"));

    [Fact]
    public void Every_stand_in_has_its_category()
    {
        for (int i = 0; i < CodePointRegex.StandIns.Length; i++)
        {
            Assert.Equal((UnicodeCategory)i, CharUnicodeInfo.GetUnicodeCategory(CodePointRegex.StandIns[i]));
        }
    }

    [Fact]
    public void Regex_classes_see_code_points_outside_the_bmp()
    {
        CodePointRegex letters = CodePointRegex.TryCreate(@"[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+", out _)!;
        // The emoji is one symbol, not a surrogate that starts the word after it; 𝐀 is a letter.
        Assert.Equal([(0, 2), (2, 3), (5, 4)], letters.Matches("😀abc x𝐀"));
    }
}
