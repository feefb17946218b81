using SwarmMerge.Evaluation;

namespace SwarmMerge.Tests.Evaluation;

public sealed class ExternalEvaluatorTests
{
    private static readonly TaskSpec[] Tasks =
    [
        new() { Name = "sst2", Kind = TaskKind.Classification, Metric = Metric.Accuracy },
        new() { Name = "mrpc", Kind = TaskKind.Classification, Metric = Metric.F1 },
    ];

    private static Task<EvaluationOutcome> Run(string script, double timeoutSeconds = 10) =>
        ExternalEvaluator.Create(["sh", "-c", script, "sh", "{model}"], TimeSpan.FromSeconds(timeoutSeconds)).EvaluateAsync("/models/candidate 1", Tasks);

    [Fact]
    public async Task Reads_scores_from_the_last_json_line_and_passes_the_model_path()
    {
        var outcome = await Run("echo loading $1; echo '{\"sst2\": 91.5, \"mrpc\": 80}'; [ \"$1\" = '/models/candidate 1' ]");
        Assert.True(outcome.Success, outcome.Error);
        Assert.Equal(91.5, outcome.Scores["sst2"]);
        Assert.Equal(80, outcome.Scores["mrpc"]);
    }

    [Fact]
    public async Task A_failing_command_is_a_failed_evaluation_with_its_error_text()
    {
        var outcome = await Run("echo 'CUDA out of memory' >&2; exit 3");
        Assert.False(outcome.Success);
        Assert.Contains("exited with code 3", outcome.Error);
        Assert.Contains("CUDA out of memory", outcome.Error);
    }

    [Fact]
    public async Task A_command_that_runs_too_long_is_killed_and_marked_failed()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var outcome = await Run("sleep 30", timeoutSeconds: 0.5);
        Assert.False(outcome.Success);
        Assert.Contains("timed out", outcome.Error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("echo not json", "not a JSON object")]
    [InlineData("echo '{\"sst2\": 90}'", "no number for task 'mrpc'")]
    [InlineData("echo '{\"sst2\": \"high\", \"mrpc\": 1}'", "no number for task 'sst2'")]
    public async Task Unreadable_output_is_a_failed_evaluation(string script, string message)
    {
        var outcome = await Run(script);
        Assert.False(outcome.Success);
        Assert.Contains(message, outcome.Error);
    }

    [Fact]
    public async Task A_missing_program_is_a_failed_evaluation()
    {
        var outcome = await ExternalEvaluator.Create(["/no/such/program"], TimeSpan.FromSeconds(5)).EvaluateAsync("/m", Tasks);
        Assert.False(outcome.Success);
        Assert.Contains("could not start", outcome.Error);
    }
}
