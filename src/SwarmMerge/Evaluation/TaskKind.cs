namespace SwarmMerge.Evaluation;

/// <summary>How a task is scored.</summary>
public enum TaskKind
{
    /// <summary>A label: from a classification head (<c>head_from</c>), or the label word with the highest log-likelihood after the prompt.</summary>
    Classification,

    /// <summary>The choice text with the highest (optionally length-normalized) log-likelihood after the prompt.</summary>
    MultipleChoice,

    /// <summary>Greedy generation compared with a reference after answer extraction and normalization.</summary>
    Generation,

    /// <summary>A number: from a one-output head (<c>head_from</c>), or parsed from a greedy generation.</summary>
    Regression,
}
