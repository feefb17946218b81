using SwarmMerge.Evaluation;

namespace SwarmMerge.Tests.Evaluation;

public sealed class TaskFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("swarmmerge-tasks-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private const string Sentiment = """
        tasks:
          - name: sentiment
            kind: classification
            optimization: data/opt.tsv
            test: data/test.tsv
            metric: accuracy
            prompt: "Review: {sentence}\nSentiment:"
            label: label
            label_words: {"0": " negative", "1": " positive"}
        """;

    private void WriteSentimentData(string optLabel = "1")
    {
        Write("data/opt.tsv", $"sentence\tlabel\ngreat film\t{optLabel}\nawful\t0\n");
        Write("data/test.tsv", "sentence\tlabel\nfine\t1\nbad\t0\nmeh\t0\n");
    }

    [Fact]
    public void Loads_each_split_from_its_own_file()
    {
        WriteSentimentData();
        var file = TaskFile.Load(Write("tasks.yml", Sentiment));
        var spec = Assert.Single(file.Tasks);
        Assert.Equal(TaskKind.Classification, spec.Kind);
        Assert.Equal([("0", " negative"), ("1", " positive")], spec.LabelWords);
        Assert.Equal("Review: great film\nSentiment:", spec.Prompt!.Render(file.LoadOptimization().Tasks[0].Rows[0]));

        Assert.Equal(2, file.LoadOptimization().Tasks[0].Rows.Count);
        Assert.Equal(3, file.LoadTest().Tasks[0].Rows.Count);
        Assert.Equal(2, file.LoadTest(limit: 2).Tasks[0].Rows.Count);
        Assert.Equal("optimization", file.LoadOptimization().SplitName);
    }

    [Fact]
    public void The_optimization_split_exposes_no_test_file_or_rows()
    {
        // Structural guarantee: nothing reachable from OptimizationTasks mentions the test file.
        WriteSentimentData();
        var optimization = TaskFile.Load(Write("tasks.yml", Sentiment)).LoadOptimization();
        var reachable = typeof(OptimizationTasks).GetProperties().Select(p => p.PropertyType)
            .Concat(typeof(LoadedTask).GetProperties().Select(p => p.PropertyType))
            .Concat(typeof(TaskSpec).GetProperties().Select(p => p.PropertyType)).ToList();
        Assert.DoesNotContain(typeof(TaskFile), reachable);
        Assert.DoesNotContain(typeof(HeldOutTasks), reachable);
        Assert.All(optimization.Tasks[0].Rows, row => Assert.DoesNotContain(row["sentence"], new[] { "fine", "bad", "meh" }));
    }

    [Fact]
    public void A_label_outside_the_label_set_is_an_error_before_scoring()
    {
        WriteSentimentData(optLabel: "2");
        var file = TaskFile.Load(Write("tasks.yml", Sentiment));
        var error = Assert.Throws<TaskDataException>(() => file.LoadOptimization());
        Assert.Contains("opt.tsv", error.Message);
        Assert.Contains("row 1: label '2' is not one of 0, 1", error.Message);
    }

    [Fact]
    public void A_template_naming_an_unknown_column_is_an_error()
    {
        WriteSentimentData();
        var file = TaskFile.Load(Write("tasks.yml", Sentiment.Replace("{sentence}", "{text}")));
        var error = Assert.Throws<TaskDataException>(() => file.LoadTest());
        Assert.Contains("test.tsv: task 'sentiment': no column 'text'", error.Message);
    }

    [Fact]
    public void Missing_data_file_is_an_error()
    {
        Write("data/opt.tsv", "sentence\tlabel\nx\t1\n");
        var file = TaskFile.Load(Write("tasks.yml", Sentiment));
        Assert.Contains("test.tsv: data file not found", Assert.Throws<TaskDataException>(() => file.LoadTest()).Message);
    }

    [Fact]
    public void An_empty_split_is_an_error()
    {
        Write("data/opt.tsv", "sentence\tlabel\n");
        Write("data/test.tsv", "sentence\tlabel\nx\t1\n");
        var file = TaskFile.Load(Write("tasks.yml", Sentiment));
        Assert.Contains("no rows", Assert.Throws<TaskDataException>(() => file.LoadOptimization()).Message);
    }

    [Theory]
    [InlineData("kind: classification\n    metric: accurcy", "unknown metric 'accurcy'")]
    [InlineData("kind: summarization", "unknown kind 'summarization'")]
    [InlineData("kind: regression\n    metric: accuracy", "regression task needs metric pearson or spearman")]
    [InlineData("kind: classification\n    metric: pearson", "metric pearson is for regression tasks")]
    [InlineData("kind: classification\n    promt: x", "promt")]
    [InlineData("kind: multiple_choice\n    prompt: '{q}'\n    label: a\n    choices: ['{c1}']", "at least two choice templates")]
    [InlineData("kind: generation\n    prompt: '{q}'", "exactly one of 'label'")]
    [InlineData("kind: classification\n    head_from: ../expert\n    label: label", "'inputs' must name one text column")]
    [InlineData("kind: generation\n    prompt: '{q'\n    label: a", "'prompt': Template")]
    [InlineData("kind: generation\n    prompt: '{q}'\n    label: a\n    extract: '(['", "'extract' is not a valid regular expression")]
    public void Invalid_tasks_are_errors_naming_the_task_and_field(string body, string message)
    {
        string path = Write("tasks.yml", $"tasks:\n  - name: t\n    optimization: o.tsv\n    test: t.tsv\n    {body}\n");
        var error = Assert.Throws<TaskDataException>(() => TaskFile.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Duplicate_task_names_are_an_error()
    {
        string task = "  - {name: t, kind: generation, optimization: o.tsv, test: t.tsv, prompt: '{q}', label: a}\n";
        Assert.Contains("defined twice", Assert.Throws<TaskDataException>(() => TaskFile.Load(Write("tasks.yml", "tasks:\n" + task + task))).Message);
    }

    [Fact]
    public void Multiple_choice_answers_must_be_choice_indices()
    {
        Write("o.jsonl", "{\"q\": \"sky?\", \"c1\": \"blue\", \"c2\": \"green\", \"a\": 2}\n");
        var file = TaskFile.Load(Write("tasks.yml", "tasks:\n  - {name: mc, kind: multiple_choice, optimization: o.jsonl, test: o.jsonl, prompt: '{q}', choices: [' {c1}', ' {c2}'], label: a}\n"));
        Assert.Contains("answer '2' is not a choice index from 0 to 1", Assert.Throws<TaskDataException>(() => file.LoadOptimization()).Message);
    }

    [Fact]
    public void An_external_evaluator_needs_no_data_files()
    {
        var file = TaskFile.Load(Write("tasks.yml", "evaluator:\n  command: [sh, -c, 'echo {}', '{model}']\n  timeout_seconds: 5\ntasks:\n  - {name: a, metric: f1}\n"));
        Assert.NotNull(file.Evaluator);
        Assert.Equal(TimeSpan.FromSeconds(5), file.Evaluator!.Timeout);
        Assert.Equal(Metric.F1, file.Tasks[0].Metric);
    }
}
