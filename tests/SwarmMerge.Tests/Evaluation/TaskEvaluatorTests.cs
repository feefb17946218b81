using SwarmMerge.Evaluation;

namespace SwarmMerge.Tests.Evaluation;

/// <summary>
/// The evaluator's task logic, with a transparent scorer whose every output can be worked out by hand:
/// a continuation's log-likelihood is minus the number of its words absent from the context, and
/// generation answers "#### " followed by the last word of the prompt. The engine-backed scorers are
/// tested against reference models in the inference tests.
/// </summary>
public sealed class TaskEvaluatorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("swarmmerge-eval-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private sealed class WordOverlapScorer : ITextScorer
    {
        public List<(string, string)> Requests { get; } = [];

        public IReadOnlyList<double> LogLikelihoods(IReadOnlyList<(string Context, string Continuation)> requests)
        {
            Requests.AddRange(requests);
            return requests.Select(r => -(double)r.Continuation.Split(' ', StringSplitOptions.RemoveEmptyEntries).Count(w => !r.Context.Contains(w))).ToList();
        }

        public IReadOnlyList<string> Generate(IReadOnlyList<string> prompts, int maxNewTokens, IReadOnlyList<string> stop) =>
            prompts.Select(p => " #### " + p.Split(' ')[^1]).ToList();
    }

    private sealed class FirstWordLengthHead : IHeadScorer
    {
        // Output 1 wins when the text's first word is longer than 3 characters.
        public IReadOnlyList<float[]> Outputs(IReadOnlyList<(string Text, string? Pair)> inputs) =>
            inputs.Select(i => new[] { 3f, i.Text.Split(' ')[0].Length }).ToArray();
    }

    private OptimizationTasks Load(string yaml, params (string Name, string Text)[] files)
    {
        foreach (var (name, text) in files)
        {
            File.WriteAllText(Path.Combine(_folder, name), text);
        }
        string path = Path.Combine(_folder, "tasks.yml");
        File.WriteAllText(path, yaml);
        return TaskFile.Load(path).LoadOptimization();
    }

    [Fact]
    public void Classification_by_label_words_picks_the_most_likely_word()
    {
        var tasks = Load("tasks:\n  - {name: s, kind: classification, optimization: d.tsv, test: d.tsv, prompt: '{text} is', label: label, label_words: {'0': ' bad', '1': ' good'}}\n",
            ("d.tsv", "text\tlabel\ngood film\t1\nbad film\t0\ngood bad\t1\nplain\t0\n"));
        var scorer = new WordOverlapScorer();
        // predictions: "good"→1 ✓, "bad"→0 ✓, both words present → tie → first label 0 ✗, neither → tie → 0 ✓ ⇒ 3/4
        var scores = TaskEvaluator.Evaluate(tasks, scorer, null);
        Assert.Equal(75, scores["s"], 12);
        Assert.Equal(("good film is", " bad"), scorer.Requests[0]);
        Assert.Equal(8, scorer.Requests.Count);
    }

    [Fact]
    public void Multiple_choice_with_and_without_length_normalization()
    {
        // Choice 0 has one unseen word in a short text, choice 1 one unseen word in a long text.
        const string data = "{\"q\": \"pick\", \"a\": \"x\", \"b\": \"pick yyyyyyyyyy\", \"label\": 1}\n";
        var raw = Load("tasks:\n  - {name: m, kind: multiple_choice, optimization: d.jsonl, test: d.jsonl, prompt: '{q}', choices: ['{a}', '{b}'], label: label}\n", ("d.jsonl", data));
        // sums: −1 and −1 → tie → choice 0 ✗
        Assert.Equal(0, TaskEvaluator.Evaluate(raw, new WordOverlapScorer(), null)["m"], 12);
        var normalized = Load("tasks:\n  - {name: m, kind: multiple_choice, optimization: d.jsonl, test: d.jsonl, prompt: '{q}', choices: ['{a}', '{b}'], label: label, length_normalized: true}\n", ("d.jsonl", data));
        // per character: −1/1 and −1/15 → choice 1 ✓
        Assert.Equal(100, TaskEvaluator.Evaluate(normalized, new WordOverlapScorer(), null)["m"], 12);
    }

    [Fact]
    public void Generation_extracts_and_normalizes_both_sides()
    {
        var tasks = Load("tasks:\n  - {name: g, kind: generation, optimization: d.jsonl, test: d.jsonl, prompt: 'Q: {q}', label: answer, extract: '####\\s*(\\S+)', metric: exact_match}\n",
            ("d.jsonl", "{\"q\": \"1,000\", \"answer\": \"so #### 1000\"}\n{\"q\": \"7\", \"answer\": \"#### 8\"}\n"));
        // "#### 1,000" → 1000 = 1000 ✓; 7 ≠ 8 ✗
        Assert.Equal(50, TaskEvaluator.Evaluate(tasks, new WordOverlapScorer(), null)["g"], 12);
    }

    [Theory]
    [InlineData(false, 50)]
    [InlineData(true, 100)]
    public void Without_normalize_both_sides_are_compared_exactly_as_written(bool normalize, double expected)
    {
        // The scorer answers " #### <last word>", leading space included (a byte-level model's answer to a label " GN").
        var tasks = Load($"tasks:\n  - {{name: g, kind: generation, optimization: d.jsonl, test: d.jsonl, prompt: '{{q}}', label: answer, normalize: {normalize.ToString().ToLowerInvariant()}}}\n",
            ("d.jsonl", "{\"q\": \"x GN\", \"answer\": \" #### GN\"}\n{\"q\": \"y GN\", \"answer\": \"#### GN\"}\n"));
        // As written: " #### GN" = " #### GN" ✓, " #### GN" ≠ "#### GN" ✗; normalized (trimmed) both match.
        Assert.Equal(expected, TaskEvaluator.Evaluate(tasks, new WordOverlapScorer(), null)["g"], 12);
    }

    [Fact]
    public void Classification_by_head_maps_outputs_to_head_labels()
    {
        var tasks = Load("tasks:\n  - {name: h, kind: classification, optimization: d.tsv, test: d.tsv, inputs: [s1, s2], label: y, head_from: expert, head_labels: [no, yes], metric: f1, positive_label: 'yes'}\n",
            ("d.tsv", "s1\ts2\ty\nlonger text\tb\tyes\nab c\td\tno\nabc\te\tyes\n"));
        // predictions yes, no, no; references yes, no, yes → TP 1, FN 1 → F1 = 2/3
        Assert.Equal(200.0 / 3, TaskEvaluator.Evaluate(tasks, null, _ => new FirstWordLengthHead())["h"], 10);
    }

    [Fact]
    public void A_head_task_without_a_head_is_an_error()
    {
        var tasks = Load("tasks:\n  - {name: h, kind: classification, optimization: d.tsv, test: d.tsv, inputs: [s], label: y, head_from: expert}\n", ("d.tsv", "s\ty\na\t0\n"));
        Assert.Contains("needs a classification head", Assert.Throws<InvalidOperationException>(() => TaskEvaluator.Evaluate(tasks, new WordOverlapScorer(), null)).Message);
    }
}
