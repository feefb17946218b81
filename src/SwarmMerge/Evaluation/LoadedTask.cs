using System.Globalization;

namespace SwarmMerge.Evaluation;

/// <summary>A task with the rows of one of its splits, checked against the task's columns and labels.</summary>
public sealed class LoadedTask
{
    internal LoadedTask(TaskSpec spec, IReadOnlyList<IReadOnlyDictionary<string, string>> rows)
    {
        Spec = spec;
        Rows = rows;
    }

    /// <summary>The task.</summary>
    public TaskSpec Spec { get; }

    /// <summary>The examples.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Rows { get; }

    /// <summary>Reads <paramref name="file"/> for <paramref name="spec"/> and validates every row before any scoring.</summary>
    internal static LoadedTask Load(TaskSpec spec, string file, int? limit)
    {
        var table = DataTable.Load(file);
        string where = $"{table.Path}: task '{spec.Name}'";
        var required = spec.RequiredColumns.ToList();
        var missing = required.Where(c => !table.Columns.Contains(c, StringComparer.Ordinal)).ToList();
        if (missing.Count > 0)
        {
            throw new TaskDataException($"{where}: no column {string.Join(", ", missing.Select(m => $"'{m}'"))} (the file has {string.Join(", ", table.Columns.Select(c => $"'{c}'"))}).");
        }
        var rows = limit is int n ? table.Rows.Take(Math.Max(0, n)).ToList() : table.Rows;
        if (rows.Count == 0)
        {
            throw new TaskDataException($"{where}: no examples{(limit is not null ? $" with --limit {limit}" : "")}.");
        }
        for (int i = 0; i < rows.Count; i++)
        {
            string? absent = required.FirstOrDefault(c => !rows[i].ContainsKey(c));
            if (absent is not null)
            {
                throw new TaskDataException($"{where}: row {i + 1} has no '{absent}'.");
            }
            CheckReference(spec, rows[i], $"{where}: row {i + 1}");
        }
        return new LoadedTask(spec, rows);
    }

    private static void CheckReference(TaskSpec spec, IReadOnlyDictionary<string, string> row, string where)
    {
        if (spec.LabelColumn is null)
        {
            return;
        }
        string value = row[spec.LabelColumn].Trim();
        switch (spec.Kind)
        {
            case TaskKind.Classification:
                var labels = spec.UsesHead ? spec.HeadLabels : spec.LabelWords.Select(w => w.Label).ToList();
                if (labels.Count > 0 && !labels.Contains(value, StringComparer.Ordinal))
                {
                    throw new TaskDataException($"{where}: label '{value}' is not one of {string.Join(", ", labels)}.");
                }
                break;
            case TaskKind.MultipleChoice:
                if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int index) || index < 0 || index >= spec.Choices.Count)
                {
                    throw new TaskDataException($"{where}: answer '{value}' is not a choice index from 0 to {spec.Choices.Count - 1}.");
                }
                break;
            case TaskKind.Regression:
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double target) || !double.IsFinite(target))
                {
                    throw new TaskDataException($"{where}: target '{value}' is not a finite number.");
                }
                break;
        }
    }
}
