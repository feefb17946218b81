using SwarmMerge.Evaluation;

namespace SwarmMerge.Tests.Evaluation;

public sealed class DataTableTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("swarmmerge-data-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Tsv_keeps_quotes_literal_and_ignores_a_byte_order_mark()
    {
        var table = DataTable.Load(Write("a.tsv", "\uFEFFQuality\t#1 String\n1\t\"Quoted\" text\r\n0\tplain\n"));
        Assert.Equal(["Quality", "#1 String"], table.Columns);
        Assert.Equal("\"Quoted\" text", table.Rows[0]["#1 String"]);
        Assert.Equal("0", table.Rows[1]["Quality"]);
    }

    [Fact]
    public void Csv_follows_rfc_4180_quoting()
    {
        var table = DataTable.Load(Write("a.csv", "text,label\n\"a, b\",1\n\"say \"\"hi\"\"\nthere\",0\n"));
        Assert.Equal("a, b", table.Rows[0]["text"]);
        Assert.Equal("say \"hi\"\nthere", table.Rows[1]["text"]);
        Assert.Equal("0", table.Rows[1]["label"]);
    }

    [Fact]
    public void Jsonl_values_become_strings()
    {
        var table = DataTable.Load(Write("a.jsonl", "{\"q\": \"2+2?\", \"a\": 4, \"ok\": true}\n\n{\"q\": \"x\", \"a\": null}\n"));
        Assert.Equal("4", table.Rows[0]["a"]);
        Assert.Equal("true", table.Rows[0]["ok"]);
        Assert.Equal("", table.Rows[1]["a"]);
    }

    [Theory]
    [InlineData("a.tsv", "x\ty\n1\n", "record 2 has 1 fields, the header has 2")]
    [InlineData("a.jsonl", "{\"a\": 1}\n[1]\n", "a.jsonl:2: a line must hold one JSON object")]
    [InlineData("a.jsonl", "{\"a\": \n", "a.jsonl:1: not valid JSON")]
    [InlineData("a.csv", "a\n\"open\n", "a quoted field is never closed")]
    [InlineData("a.tsv", "only_header\n", "no rows")]
    [InlineData("a.txt", "x\n", "unknown data format '.txt'")]
    [InlineData("a.tsv", "x\tx\n1\t2\n", "column 'x' appears twice")]
    public void Malformed_files_are_errors_naming_the_file(string name, string text, string message)
    {
        string path = Write(name, text);
        var error = Assert.Throws<TaskDataException>(() => DataTable.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Missing_file_is_an_error() =>
        Assert.Contains("not found", Assert.Throws<TaskDataException>(() => DataTable.Load(Path.Combine(_folder, "none.tsv"))).Message);

    [SharedDataFact]
    public void Reads_the_real_GLUE_and_GSM8K_files()
    {
        var mrpc = DataTable.Load(Path.Combine(SharedData.Root, "mrpc", "dev.tsv"));
        Assert.Equal(408, mrpc.Rows.Count);
        Assert.Equal("Quality", mrpc.Columns[0]);
        var sst2 = DataTable.Load(Path.Combine(SharedData.Root, "sst2", "test.tsv"));
        Assert.Equal(872, sst2.Rows.Count);
        var gsm8k = DataTable.Load(Path.Combine(SharedData.Root, "gsm8k", "test.jsonl"));
        Assert.Equal(1319, gsm8k.Rows.Count);
        Assert.Contains("####", gsm8k.Rows[0]["answer"]);
    }
}
