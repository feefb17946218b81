using System.Text;

namespace SwarmMerge.Evaluation;

/// <summary>
/// A text with <c>{column}</c> placeholders filled from a data row; <c>{{</c> and <c>}}</c> stand for
/// literal braces. The placeholders are known up front so a template naming a missing column is
/// reported before any scoring starts.
/// </summary>
public sealed class PromptTemplate
{
    private readonly List<(string Text, string? Field)> _parts = [];

    /// <summary>Parses <paramref name="template"/>.</summary>
    /// <exception cref="FormatException">An unclosed or empty placeholder, or a lone closing brace.</exception>
    public PromptTemplate(string template)
    {
        Text = template;
        var literal = new StringBuilder();
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c)
            {
                literal.Append(c);
                i++;
            }
            else if (c == '{')
            {
                int end = template.IndexOf('}', i + 1);
                if (end < 0 || end == i + 1)
                {
                    throw new FormatException($"Template \"{template}\": placeholder at position {i} is {(end < 0 ? "not closed" : "empty")}.");
                }
                _parts.Add((literal.ToString(), template[(i + 1)..end].Trim()));
                literal.Clear();
                i = end;
            }
            else if (c == '}')
            {
                throw new FormatException($"Template \"{template}\": lone '}}' at position {i} (write '}}}}' for a literal brace).");
            }
            else
            {
                literal.Append(c);
            }
        }
        _parts.Add((literal.ToString(), null));
    }

    /// <summary>The template as written.</summary>
    public string Text { get; }

    /// <summary>The columns the template reads.</summary>
    public IEnumerable<string> Fields => _parts.Where(p => p.Field is not null).Select(p => p.Field!).Distinct();

    /// <summary>The template filled from <paramref name="row"/>.</summary>
    public string Render(IReadOnlyDictionary<string, string> row)
    {
        var text = new StringBuilder();
        foreach (var (literal, field) in _parts)
        {
            text.Append(literal);
            if (field is not null)
            {
                text.Append(row.TryGetValue(field, out var value) ? value : throw new KeyNotFoundException($"No column '{field}'."));
            }
        }
        return text.ToString();
    }
}
