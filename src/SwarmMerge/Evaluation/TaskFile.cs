using System.Text.RegularExpressions;
using SwarmMerge.IO;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace SwarmMerge.Evaluation;

/// <summary>
/// A task file: the tasks a model is scored on, each with an optimization split and a held-out test split
/// in separate files (paths relative to the task file), or an external evaluator command. Loading a split
/// gives <see cref="OptimizationTasks"/> or <see cref="HeldOutTasks"/>, two types that searches cannot
/// confuse: a search accepts only the former, which never holds a test file's path or rows.
/// </summary>
public sealed class TaskFile
{
    private readonly IReadOnlyList<(TaskSpec Spec, string Optimization, string Test)> _tasks;

    private TaskFile(string path, IReadOnlyList<(TaskSpec, string, string)> tasks, ExternalEvaluator? evaluator)
    {
        Path = path;
        _tasks = tasks;
        Evaluator = evaluator;
    }

    /// <summary>The task file.</summary>
    public string Path { get; }

    /// <summary>The tasks, in file order.</summary>
    public IReadOnlyList<TaskSpec> Tasks => _tasks.Select(t => t.Spec).ToList();

    /// <summary>The external evaluator, when the file names a command instead of built-in scoring.</summary>
    public ExternalEvaluator? Evaluator { get; }

    /// <summary>The optimization split's data files (absolute), one per task; none with an external evaluator.</summary>
    public IReadOnlyList<string> OptimizationFiles => Evaluator is null ? _tasks.Select(t => t.Optimization).ToList() : [];

    /// <summary>Reads and validates the task file (not yet the data).</summary>
    /// <exception cref="TaskDataException">The file is missing or invalid; the message names the line, task and field.</exception>
    public static TaskFile Load(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path) && !Directory.Exists(path)) // a folder is refused by the read, as such
        {
            throw new TaskDataException($"Task file '{path}' does not exist.");
        }
        TaskFileYaml yaml;
        string text = InputFiles.ReadAllText(path);
        try
        {
            yaml = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).WithDuplicateKeyChecking().Build()
                .Deserialize<TaskFileYaml>(text) ?? throw new TaskDataException($"{path}: empty task file.");
        }
        catch (YamlException e)
        {
            throw new TaskDataException($"{path}: line {e.Start.Line}: {YamlFieldError.Describe(e, text, typeof(TaskYaml), typeof(TaskFileYaml), typeof(ExternalEvaluatorYaml))}");
        }
        string folder = System.IO.Path.GetDirectoryName(path)!;
        if (yaml.Tasks is not { Count: > 0 })
        {
            throw new TaskDataException($"{path}: 'tasks' must list at least one task.");
        }
        var evaluator = yaml.Evaluator is null ? null : ExternalEvaluator.FromYaml(yaml.Evaluator, path);
        var tasks = new List<(TaskSpec, string, string)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var task in yaml.Tasks)
        {
            string name = task.Name ?? throw new TaskDataException($"{path}: a task has no 'name'.");
            if (!names.Add(name))
            {
                throw new TaskDataException($"{path}: task '{name}' is defined twice.");
            }
            var spec = ToSpec(task, name, folder, evaluator is not null, $"{path}: task '{name}'");
            string Resolve(string? file, string field) => evaluator is not null ? "" :
                System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, file ?? throw new TaskDataException($"{path}: task '{name}' has no '{field}' data file.")));
            tasks.Add((spec, Resolve(task.Optimization, "optimization"), Resolve(task.Test, "test")));
        }
        return new TaskFile(path, tasks, evaluator);
    }

    /// <summary>Loads the optimization split of every task (the first <paramref name="limit"/> rows of each when given).</summary>
    public OptimizationTasks LoadOptimization(int? limit = null) => new(Load(t => t.Optimization, limit));

    /// <summary>Checks the held-out test split (its files exist, parse, and every row fits its task) without keeping its rows.</summary>
    /// <exception cref="TaskDataException">A test file is missing or invalid.</exception>
    public void CheckTest(int? limit = null) => Load(t => t.Test, limit);

    /// <summary>Loads the held-out test split of every task (the first <paramref name="limit"/> rows of each when given).</summary>
    public HeldOutTasks LoadTest(int? limit = null) => new(Load(t => t.Test, limit));

    private List<LoadedTask> Load(Func<(TaskSpec Spec, string Optimization, string Test), string> file, int? limit)
    {
        if (Evaluator is not null)
        {
            return _tasks.Select(t => new LoadedTask(t.Spec, [])).ToList();
        }
        return _tasks.Select(t => LoadedTask.Load(t.Spec, file(t), limit)).ToList();
    }

    private static TaskSpec ToSpec(TaskYaml task, string name, string folder, bool external, string where)
    {
        // Default metric by kind: exact match for generations, Pearson for regressions, accuracy otherwise.
        string defaultMetric = task.Kind switch { "generation" => "exact_match", "regression" => "pearson", _ => "accuracy" };
        if (!MetricNames.TryParse(task.Metric ?? defaultMetric, out var metric))
        {
            throw new TaskDataException($"{where}: unknown metric '{task.Metric}' (use one of: {string.Join(", ", MetricNames.All)}).");
        }
        if (external)
        {
            return new TaskSpec { Name = name, Kind = TaskKind.Classification, Metric = metric };
        }
        var kind = task.Kind switch
        {
            "classification" => TaskKind.Classification,
            "multiple_choice" => TaskKind.MultipleChoice,
            "generation" => TaskKind.Generation,
            "regression" => TaskKind.Regression,
            null => throw new TaskDataException($"{where}: no 'kind' (classification, multiple_choice, generation or regression)."),
            _ => throw new TaskDataException($"{where}: unknown kind '{task.Kind}' (classification, multiple_choice, generation or regression)."),
        };
        PromptTemplate? Template(string? text, string field)
        {
            try
            {
                return text is null ? null : new PromptTemplate(text);
            }
            catch (FormatException e)
            {
                throw new TaskDataException($"{where}: '{field}': {e.Message}");
            }
        }
        Regex? extract;
        try
        {
            extract = task.Extract is null ? null : new Regex(task.Extract, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new TaskDataException($"{where}: 'extract' is not a valid regular expression ({e.Message}).");
        }
        var spec = new TaskSpec
        {
            Name = name,
            Kind = kind,
            Metric = metric,
            PositiveLabel = task.PositiveLabel ?? "1",
            Prompt = Template(task.Prompt, "prompt"),
            Target = Template(task.Target, "target"),
            Inputs = task.Inputs ?? [],
            LabelColumn = task.Label,
            LabelWords = task.LabelWords?.Select(p => (p.Key, p.Value)).ToList() ?? [],
            HeadLabels = task.HeadLabels ?? [],
            Choices = task.Choices?.Select((c, i) => Template(c, $"choices[{i}]")!).ToList() ?? [],
            LengthNormalized = task.LengthNormalized ?? false,
            HeadFrom = task.HeadFrom is null ? null : System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, task.HeadFrom)),
            Extract = extract,
            Normalize = task.Normalize ?? true,
            MaxNewTokens = task.MaxNewTokens ?? 32,
            Stop = task.Stop ?? [],
        };
        Validate(spec, where);
        return spec;
    }

    private static void Validate(TaskSpec spec, string where)
    {
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new TaskDataException($"{where}: {message}");
            }
        }
        bool numeric = MetricNames.IsNumeric(spec.Metric);
        Require(numeric == (spec.Kind == TaskKind.Regression), spec.Kind == TaskKind.Regression
            ? $"a regression task needs metric pearson or spearman, not {MetricNames.Name(spec.Metric)}."
            : $"metric {MetricNames.Name(spec.Metric)} is for regression tasks.");
        if (spec.UsesHead)
        {
            Require(spec.Kind is TaskKind.Classification or TaskKind.Regression, "'head_from' applies to classification and regression tasks only.");
            Require(spec.Inputs.Count is 1 or 2, "'inputs' must name one text column, or two for sentence pairs, for the head.");
            Require(spec.LabelColumn is not null, "'label' must name the column with the reference.");
            return;
        }
        Require(spec.Prompt is not null, "'prompt' is required (or 'head_from' with 'inputs' to score with a classification head).");
        switch (spec.Kind)
        {
            case TaskKind.Classification:
                Require(spec.LabelWords.Count >= 2, "'label_words' must map at least two labels to the words scored after the prompt.");
                Require(spec.LabelColumn is not null, "'label' must name the column with the reference label.");
                break;
            case TaskKind.MultipleChoice:
                Require(spec.Choices.Count >= 2, "'choices' must list at least two choice templates.");
                Require(spec.LabelColumn is not null, "'label' must name the column with the index (0-based) of the right choice.");
                break;
            case TaskKind.Generation:
            case TaskKind.Regression:
                Require((spec.LabelColumn is null) != (spec.Target is null), "give exactly one of 'label' (a column) or 'target' (a template) for the reference.");
                Require(spec.MaxNewTokens > 0, "'max_new_tokens' must be positive.");
                break;
        }
    }

    // The YAML shapes, bound by YamlDotNet (unknown keys are errors with their line).
    private sealed class TaskFileYaml
    {
        public List<TaskYaml>? Tasks { get; set; }

        public ExternalEvaluatorYaml? Evaluator { get; set; }
    }

    private sealed class TaskYaml
    {
        public string? Name { get; set; }
        public string? Kind { get; set; }
        public string? Optimization { get; set; }
        public string? Test { get; set; }
        public string? Metric { get; set; }
        public string? PositiveLabel { get; set; }
        public string? Prompt { get; set; }
        public string? Target { get; set; }
        public List<string>? Inputs { get; set; }
        public string? Label { get; set; }
        public Dictionary<string, string>? LabelWords { get; set; }
        public List<string>? HeadLabels { get; set; }
        public List<string>? Choices { get; set; }
        public bool? LengthNormalized { get; set; }
        public string? HeadFrom { get; set; }
        public string? Extract { get; set; }
        public bool? Normalize { get; set; }
        public int? MaxNewTokens { get; set; }
        public List<string>? Stop { get; set; }
    }
}

/// <summary>The YAML shape of an external evaluator.</summary>
internal sealed class ExternalEvaluatorYaml
{
    public List<string>? Command { get; set; }

    public double? TimeoutSeconds { get; set; }
}
