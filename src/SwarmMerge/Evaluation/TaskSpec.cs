using System.Text.RegularExpressions;

namespace SwarmMerge.Evaluation;

/// <summary>
/// What a task asks and how it is scored, without its data files: a search sees tasks only through
/// <see cref="TaskSpec"/> and the rows of the optimization split (<see cref="OptimizationTasks"/>).
/// </summary>
public sealed record TaskSpec
{
    /// <summary>The task's name (unique in its file).</summary>
    public required string Name { get; init; }

    /// <summary>How it is scored.</summary>
    public required TaskKind Kind { get; init; }

    /// <summary>The metric reported (×100).</summary>
    public required Metric Metric { get; init; }

    /// <summary>The positive label of <see cref="Metric.F1"/>.</summary>
    public string PositiveLabel { get; init; } = "1";

    /// <summary>The prompt (language-model scoring).</summary>
    public PromptTemplate? Prompt { get; init; }

    /// <summary>The text columns given to a classification or regression head (one, or two for pairs).</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];

    /// <summary>The column holding the reference: a label, a choice index, a number or a target text.</summary>
    public string? LabelColumn { get; init; }

    /// <summary>Generation: the reference text, as a template over the row (instead of <see cref="LabelColumn"/>).</summary>
    public PromptTemplate? Target { get; init; }

    /// <summary>Classification by label words: each label and the text scored after the prompt.</summary>
    public IReadOnlyList<(string Label, string Word)> LabelWords { get; init; } = [];

    /// <summary>Classification by head: the label of each head output, in order.</summary>
    public IReadOnlyList<string> HeadLabels { get; init; } = [];

    /// <summary>Multiple choice: one template per choice (often just <c>{choice1}</c>, <c>{choice2}</c>...).</summary>
    public IReadOnlyList<PromptTemplate> Choices { get; init; } = [];

    /// <summary>Multiple choice: compare log-likelihood per character of the choice instead of the sum.</summary>
    public bool LengthNormalized { get; init; }

    /// <summary>The checkpoint folder whose head scores this task (heads are never merged).</summary>
    public string? HeadFrom { get; init; }

    /// <summary>Generation: the pattern that extracts the answer from the output and the reference.</summary>
    public Regex? Extract { get; init; }

    /// <summary>Generation: normalize answers before comparing (see <see cref="AnswerNormalizer"/>).</summary>
    public bool Normalize { get; init; } = true;

    /// <summary>Generation: most new tokens.</summary>
    public int MaxNewTokens { get; init; } = 32;

    /// <summary>Generation: stop at the first of these strings (not included in the output).</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>True when a classification or regression head scores the task rather than a language model.</summary>
    public bool UsesHead => HeadFrom is not null;

    /// <summary>Every column a row of this task must have.</summary>
    public IEnumerable<string> RequiredColumns =>
        (Prompt?.Fields ?? []).Concat(Target?.Fields ?? []).Concat(Choices.SelectMany(c => c.Fields)).Concat(Inputs)
            .Concat(LabelColumn is null ? [] : [LabelColumn]).Distinct(StringComparer.Ordinal);
}
