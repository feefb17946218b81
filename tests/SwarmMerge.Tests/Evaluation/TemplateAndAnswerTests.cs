using System.Text.RegularExpressions;
using SwarmMerge.Evaluation;

namespace SwarmMerge.Tests.Evaluation;

public sealed class TemplateAndAnswerTests
{
    [Fact]
    public void Template_fills_columns_and_keeps_escaped_braces()
    {
        var template = new PromptTemplate("Q: {question}\n{{not a field}} A:{ answer }");
        Assert.Equal(["question", "answer"], template.Fields);
        Assert.Equal("Q: 2+2\n{not a field} A:4", template.Render(new Dictionary<string, string> { ["question"] = "2+2", ["answer"] = "4" }));
    }

    [Theory]
    [InlineData("{open", "not closed")]
    [InlineData("x {} y", "empty")]
    [InlineData("a } b", "lone '}'")]
    public void Malformed_templates_are_errors(string text, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => new PromptTemplate(text)).Message);

    [Theory]
    [InlineData("so the answer is #### 1,000", "1000")]
    [InlineData("#### 72.50", "72.5")]
    [InlineData("####  -3", "-3")]
    [InlineData("no marker here", "")]
    public void Extraction_takes_the_first_group_then_normalizes_numbers(string text, string expected)
    {
        var answers = new AnswerNormalizer(new Regex(@"####\s*(-?[\d,\.]+)"), normalize: true);
        Assert.Equal(expected, answers.Answer(text));
    }

    [Theory]
    [InlineData("  Paris.  ", "paris")]
    [InlineData("New   York", "new york")]
    [InlineData("$1,234", "1234")]
    [InlineData("Cafe\u0301.", "caf\u00e9")] // NFD in, NFC out
    public void Normalization_trims_lowercases_and_collapses_space(string text, string expected) =>
        Assert.Equal(expected, new AnswerNormalizer(null, normalize: true).Answer(text));

    [Fact]
    public void Without_normalization_the_text_is_compared_as_is() =>
        Assert.Equal(" Paris.", new AnswerNormalizer(null, normalize: false).Answer(" Paris."));
}
