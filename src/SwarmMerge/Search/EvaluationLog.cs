using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SwarmMerge.IO;

namespace SwarmMerge.Search;

/// <summary>
/// <c>evaluations.jsonl</c>: one <see cref="EvaluationRecord"/> per line, appended and flushed to disk after
/// every evaluation. A line is written with its newline in one write, so a run killed mid-write leaves at most
/// a torn last line without a newline; reading ignores it, and <see cref="OpenForAppend"/> cuts it off.
/// </summary>
public sealed class EvaluationLog : IDisposable
{
    /// <summary>The file name inside a run folder.</summary>
    public const string FileName = "evaluations.jsonl";

    /// <summary>How records are written and read.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly FileStream _stream;

    private EvaluationLog(FileStream stream, IReadOnlyList<EvaluationRecord> records)
    {
        _stream = stream;
        Records = records;
    }

    /// <summary>The complete records that were in the file when it was opened.</summary>
    public IReadOnlyList<EvaluationRecord> Records { get; }

    /// <summary>Reads the complete records of <paramref name="path"/> (none when it does not exist), ignoring a torn last line.</summary>
    /// <exception cref="InvalidDataException">A complete line is not a record.</exception>
    public static IReadOnlyList<EvaluationRecord> Read(string path) => File.Exists(path) ? Parse(InputFiles.ReadAllBytes(path), path, out _) : [];

    /// <summary>Opens (or creates) <paramref name="path"/> for appending, after cutting off a torn last line.</summary>
    public static EvaluationLog OpenForAppend(string path)
    {
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            var records = Parse(bytes, path, out long complete);
            stream.SetLength(complete);
            stream.Seek(complete, SeekOrigin.Begin);
            return new EvaluationLog(stream, records);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Appends <paramref name="record"/> as one line and flushes it to disk.</summary>
    public void Append(EvaluationRecord record)
    {
        byte[] line = [.. JsonSerializer.SerializeToUtf8Bytes(record, JsonOptions), (byte)'\n'];
        _stream.Write(line);
        _stream.Flush(flushToDisk: true);
    }

    private static List<EvaluationRecord> Parse(byte[] bytes, string path, out long complete)
    {
        var records = new List<EvaluationRecord>();
        int lineStart = 0;
        int number = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != (byte)'\n')
            {
                continue;
            }
            number++;
            var line = bytes.AsSpan(lineStart, i - lineStart);
            lineStart = i + 1;
            if (line.Trim((byte)' ').IsEmpty)
            {
                continue;
            }
            try
            {
                records.Add(JsonSerializer.Deserialize<EvaluationRecord>(line, JsonOptions) ?? throw new JsonException("null record"));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}, line {number}: not an evaluation record ({JsonErrors.Describe(e, withLine: false)}): {Encoding.UTF8.GetString(line)}");
            }
        }
        complete = lineStart;
        return records;
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}
