namespace SwarmMerge.Tests.Malformed;

/// <summary>
/// An interrupt (Ctrl-C or SIGTERM cancel the token the runner passes) stops every command at its next check with exit
/// code 130, and a search says how to continue in its real folder. Signals themselves are measured by hand (README).
/// </summary>
[Collection("Console")]
public sealed class InterruptTests : IDisposable
{
    private readonly ValidFamily _family = new();

    public void Dispose() => _family.Dispose();

    private static CancellationToken Interrupted() => new(canceled: true);

    [Fact]
    public void An_interrupted_eval_exits_130_without_scores()
    {
        var (code, output, error) = CliHarness.Run(Interrupted(), "eval", _family.Base, "--tasks", _family.Tasks, "--threads", "1");
        Assert.Equal(130, code);
        Assert.Empty(output);
        Assert.Equal("Interrupted.", error.Trim());
    }

    [Fact]
    public void An_interrupted_search_names_the_command_that_continues_it()
    {
        var (code, _, error) = CliHarness.Run(Interrupted(), "search", _family.SearchConfig, "--out", _family["run"]);
        Assert.Equal(130, code);
        Assert.Contains($"Continue with: swarmmerge search --resume {_family["run"]}", error);
        Assert.DoesNotContain("RUN_DIR", error);

        var (resumed, _, resumeError) = CliHarness.Run("search", "--resume", _family["run"]);
        Assert.True(resumed == 0, resumeError);
    }

    [Fact]
    public void An_interrupted_merge_writes_nothing()
    {
        var (code, _, error) = CliHarness.Run(Interrupted(), "merge", _family.MergeConfig, "--out", _family["merged"]);
        Assert.Equal(130, code);
        Assert.Contains("was not written", error);
        Assert.False(Directory.Exists(_family["merged"]));
        Assert.Empty(Directory.GetFileSystemEntries(_family.Folder, ".merged.partial-*"));
    }
}
