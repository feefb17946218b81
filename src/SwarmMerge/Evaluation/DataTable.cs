using System.Text;
using System.Text.Json;
using SwarmMerge.IO;

namespace SwarmMerge.Evaluation;

/// <summary>
/// The rows of one data file, as named string columns: JSON Lines (<c>.jsonl</c>), tab-separated
/// (<c>.tsv</c>: quotes are literal, as in GLUE's files) or comma-separated (<c>.csv</c>: RFC 4180 quoting).
/// A leading UTF-8 byte-order mark is ignored.
/// </summary>
public sealed class DataTable
{
    private DataTable(string path, IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyDictionary<string, string>> rows)
    {
        Path = path;
        Columns = columns;
        Rows = rows;
    }

    /// <summary>The file the rows came from.</summary>
    public string Path { get; }

    /// <summary>Column names, in file order (for JSON Lines, the keys of the first row).</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The rows.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Rows { get; }

    /// <summary>Reads <paramref name="path"/>; the format follows the extension.</summary>
    /// <exception cref="TaskDataException">Missing file, unknown extension, malformed line, or no rows.</exception>
    public static DataTable Load(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path) && !Directory.Exists(path)) // a folder is refused by the read, as such
        {
            throw new TaskDataException($"{path}: data file not found.");
        }
        string text = InputFiles.ReadAllText(path);
        var table = System.IO.Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".jsonl" or ".ndjson" => JsonLines(path, text),
            ".tsv" => Delimited(path, SplitLines(text).Select(line => line.Split('\t')).ToList()),
            ".csv" => Delimited(path, CsvRecords(path, text)),
            string other => throw new TaskDataException($"{path}: unknown data format '{other}' (use .jsonl, .tsv or .csv)."),
        };
        if (table.Rows.Count == 0)
        {
            throw new TaskDataException($"{path}: no rows.");
        }
        return table;
    }

    private static IEnumerable<string> SplitLines(string text) =>
        text.Split('\n').Select(line => line.TrimEnd('\r')).Where(line => line.Length > 0);

    private static DataTable JsonLines(string path, string text)
    {
        var rows = new List<IReadOnlyDictionary<string, string>>();
        List<string>? columns = null;
        int number = 0;
        foreach (string line in text.Split('\n'))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            JsonElement element;
            try
            {
                element = JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException e)
            {
                throw new TaskDataException($"{path}:{number}: not valid JSON ({JsonErrors.Describe(e, withLine: false)}).");
            }
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new TaskDataException($"{path}:{number}: a line must hold one JSON object.");
            }
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in element.EnumerateObject())
            {
                row[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString()!,
                    JsonValueKind.Null => "",
                    _ => property.Value.GetRawText(),
                };
            }
            columns ??= [.. row.Keys];
            rows.Add(row);
        }
        return new DataTable(path, columns ?? [], rows);
    }

    private static DataTable Delimited(string path, List<string[]> records)
    {
        if (records.Count == 0)
        {
            throw new TaskDataException($"{path}: empty file (a header line naming the columns is required).");
        }
        var header = records[0].Select(c => c.Trim()).ToArray();
        var duplicate = header.GroupBy(c => c, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new TaskDataException($"{path}: column '{duplicate.Key}' appears twice in the header.");
        }
        var rows = new List<IReadOnlyDictionary<string, string>>(records.Count - 1);
        for (int r = 1; r < records.Count; r++)
        {
            if (records[r].Length != header.Length)
            {
                throw new TaskDataException($"{path}: record {r + 1} has {records[r].Length} fields, the header has {header.Length}.");
            }
            var row = new Dictionary<string, string>(header.Length, StringComparer.Ordinal);
            for (int c = 0; c < header.Length; c++)
            {
                row[header[c]] = records[r][c];
            }
            rows.Add(row);
        }
        return new DataTable(path, header, rows);
    }

    /// <summary>RFC 4180 records: fields may be quoted, quotes doubled inside, newlines allowed inside quotes.</summary>
    private static List<string[]> CsvRecords(string path, string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, any = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    any = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    any = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    if (any || field.Length > 0)
                    {
                        fields.Add(field.ToString());
                        records.Add([.. fields]);
                    }
                    fields.Clear();
                    field.Clear();
                    any = false;
                    break;
                default:
                    field.Append(c);
                    any = true;
                    break;
            }
        }
        if (quoted)
        {
            throw new TaskDataException($"{path}: a quoted field is never closed.");
        }
        if (any || field.Length > 0)
        {
            fields.Add(field.ToString());
            records.Add([.. fields]);
        }
        return records;
    }
}
