namespace SwarmMerge.Tests.Malformed;

/// <summary>Bad command lines exit 2 with a readable one-line error and a pointer to the command's --help, before any file is read.</summary>
[Collection("Console")]
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("merge x.yml", "Give the output folder: swarmmerge merge CONFIG.yml OUT (or --out OUT)", "merge --help")]
    [InlineData("merge x.yml o --bogus", "Unrecognized command or argument '--bogus'", "merge --help")]
    [InlineData("merge x.yml o -j abc", "--threads must be a whole number from 1 to 1024, not 'abc'", "merge --help")]
    [InlineData("eval m --tasks t.yml --threads 20000", "--threads must be a whole number from 1 to 1024, not '20000'", "eval --help")]
    [InlineData("merge x.yml --out o --threads abc", "--threads must be a whole number from 1 to 1024, not 'abc'", "merge --help")]
    [InlineData("merge x.yml --out o --threads 0", "--threads must be a whole number from 1 to 1024, not '0'", "merge --help")]
    [InlineData("merge x.yml --out o --seed -1", "--seed must be a whole number ≥ 0, not '-1'", "merge --help")]
    [InlineData("merge x.yml --out o --out-shard-size 5Q", "--out-shard-size: '5Q' is not a size", "merge --help")]
    [InlineData("frobnicate", "Unrecognized command or argument 'frobnicate'", "swarmmerge --help")]
    [InlineData("", "Required command was not provided", "swarmmerge --help")]
    [InlineData("eval m --tasks t.yml --split train", "Argument 'train' not recognized. Must be one of: 'test' 'optimization'", "eval --help")]
    [InlineData("eval m --tasks t.yml --threads 0", "--threads must be a whole number from 1 to 1024, not '0'", "eval --help")]
    [InlineData("eval m --tasks t.yml --limit 0", "--limit must be a whole number ≥ 1, not '0'", "eval --help")]
    [InlineData("eval m", "Option '--tasks' is required", "eval --help")]
    [InlineData("run m --prompt p --threads 0", "--threads must be a whole number from 1 to 1024", "run --help")]
    [InlineData("run m --prompt p --max-new-tokens -5", "--max-new-tokens must be a whole number ≥ 0, not '-5'", "run --help")]
    [InlineData("classify m --text t --threads 0", "--threads must be a whole number from 1 to 1024", "classify --help")]
    [InlineData("search c.yml", "Give either CONFIG.yml --out RUN_DIR, or --resume RUN_DIR", "search --help")]
    [InlineData("search c.yml --out r --resume r", "Give either CONFIG.yml --out RUN_DIR, or --resume RUN_DIR", "search --help")]
    public void A_bad_command_line_exits_2_with_one_readable_line(string line, string fragment, string help)
    {
        var (code, output, error) = CliHarness.Run(line.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(2, code);
        Assert.Empty(output);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines[..^1], l => Assert.StartsWith("error: ", l));
        Assert.Contains(lines, l => l.Contains(fragment, StringComparison.Ordinal));
        Assert.Contains(help, lines[^1]);
        Assert.DoesNotContain("System.", error);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_internal_error_is_one_line_with_a_pointer_to_verbose_and_exit_70(bool verbose)
    {
        Exception bug;
        try
        {
            throw new InvalidOperationException("state went wrong\nActual value was 3.");
        }
        catch (InvalidOperationException e)
        {
            bug = e;
        }
        var error = new StringWriter();
        var old = Console.Error;
        Console.SetError(error);
        int code;
        try
        {
            code = SwarmMerge.Cli.CliErrors.Report(new AggregateException(bug), verbose);
        }
        finally
        {
            Console.SetError(old);
        }
        Assert.Equal(70, code);
        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("internal error: InvalidOperationException: state went wrong Actual value was 3.", lines[0]);
        if (verbose)
        {
            Assert.Contains(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal(["This is a bug in SwarmMerge; run again with --verbose for the stack trace."], lines[1..]);
        }
    }

    [Fact]
    public void Verbose_is_accepted_by_every_command()
    {
        var (code, _, error) = CliHarness.Run("eval", "/nonexistent-model", "--tasks", "/nonexistent.yml", "--verbose");
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", error);
    }
}
