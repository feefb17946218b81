using SwarmMerge.Tests.Evaluation;

namespace SwarmMerge.Tests.Malformed;

/// <summary>Task files and data files that cannot be right: refused before any scoring, with the file, line and key.</summary>
[Collection("Console")]
public sealed class TaskInputTests : IDisposable
{
    private readonly ValidFamily _family = new();

    public void Dispose() => _family.Dispose();

    private const string Task = "  - name: words\n    kind: generation\n    optimization: opt.jsonl\n    test: test.jsonl\n    prompt: '{p}'\n    label: a\n";

    [Theory]
    [InlineData(Task + "    max_new_tokens: many\n", "tasks.yml: line 8: 'max_new_tokens' must be a whole number, not 'many'.")]
    [InlineData(Task + "    normalize: perhaps\n", "line 8: 'normalize' must be true or false, not 'perhaps'.")]
    [InlineData(Task + "    max_new_token: 3\n", "line 8: unknown key 'max_new_token' (known: name, kind, optimization, test,")]
    [InlineData(Task + "    label: b\n", "line 8: Encountered duplicate key label")]
    [InlineData(Task + "    max_new_tokens: 0\n", "'max_new_tokens' must be positive")]
    [InlineData("  - {name: words, kind: generation, optimization: opt.jsonl, test: missing.jsonl, prompt: '{p}', label: a}\n", "missing.jsonl: data file not found")]
    [InlineData("  - {name: words, kind: generation, optimization: opt.jsonl, test: test.jsonl, prompt: '{q}', label: a}\n", "no column 'q'")]
    public void A_task_file_mistake_is_refused_before_scoring(string tasks, string fragment)
    {
        File.WriteAllText(_family.Tasks, "tasks:\n" + tasks);
        CliHarness.AssertRefused(_family.Eval(), 1, fragment);
    }

    [Fact]
    public void A_broken_json_lines_row_names_its_line_once()
    {
        File.WriteAllText(_family["test.jsonl"], "{\"p\": \"a\", \"a\": \"b\"}\n{\"p\": \"a\" \"a\": \"b\"}\n");
        var result = _family.Eval();
        CliHarness.AssertRefused(result, 1, "test.jsonl:2: not valid JSON");
        Assert.DoesNotContain("LineNumber", result.Error);
        Assert.Contains("at byte", result.Error);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("many")]
    public void A_regression_target_must_be_a_finite_number(string target)
    {
        File.WriteAllText(_family["test.jsonl"], $"{{\"p\": \"a b\", \"a\": \"{target}\"}}\n");
        File.WriteAllText(_family.Tasks, "tasks:\n  - {name: r, kind: regression, optimization: opt.jsonl, test: test.jsonl, prompt: '{p}', label: a}\n");
        CliHarness.AssertRefused(_family.Eval(), 1, $"row 1: target '{target}' is not a finite number");
    }

    [Fact]
    public void A_prompt_longer_than_the_model_takes_is_bad_input_naming_the_task()
    {
        string gpt2 = PairedFixtures.Create("gpt2", "gpt2_bpe", _family["gpt2"]); // 128 positions
        File.WriteAllText(_family["test.jsonl"], $"{{\"p\": \"{string.Join(' ', Enumerable.Repeat("word", 300))}\", \"a\": \"c\"}}\n");
        CliHarness.AssertRefused(_family.Eval(gpt2), 1, "task 'words' (test split) cannot be scored by this model: A sequence of");
    }

    [Fact]
    public void A_json_output_that_cannot_be_written_is_refused_before_scoring()
    {
        var missing = CliHarness.Run("eval", _family.Base, "--tasks", _family.Tasks, "--json", Path.Combine(_family["nowhere"], "scores.json"));
        CliHarness.AssertRefused(missing, 1, "does not exist");
        Assert.Empty(missing.Out); // no table: nothing was scored
        CliHarness.AssertRefused(CliHarness.Run("eval", _family.Base, "--tasks", _family.Tasks, "--json", _family.Folder), 1, "is a folder");
    }
}
