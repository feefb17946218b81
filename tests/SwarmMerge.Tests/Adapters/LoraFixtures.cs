using System.Text.Json;
using SwarmMerge.IO;

namespace SwarmMerge.Tests.Adapters;

/// <summary>The LoRA fixtures of tools/make_lora_fixtures.py: tiny Llama and GPT-2 bases, PEFT adapters, their folded models and reference merges.</summary>
internal static class LoraFixtures
{
    public static readonly string Root = System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "lora");

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>The base folder an adapter of the fixtures belongs to.</summary>
    public static string BaseOf(string adapter) => Path(adapter.StartsWith("gpt2", StringComparison.Ordinal) ? "gpt2" : "llama");

    public static IEnumerable<string> Adapters => Directory.EnumerateDirectories(Path("adapters")).Select(System.IO.Path.GetFileName).Order()!;

    /// <summary>The scale of each LoRA layer, by base tensor, as the Python rules computed it.</summary>
    public static Dictionary<string, double> Scales(string adapter)
    {
        using var cases = JsonDocument.Parse(File.ReadAllBytes(Path("cases.json")));
        return cases.RootElement.GetProperty("scales").GetProperty(adapter).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
    }

    public static IEnumerable<string> MergeCases()
    {
        using var cases = JsonDocument.Parse(File.ReadAllBytes(Path("cases.json")));
        return cases.RootElement.GetProperty("merges").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
    }

    /// <summary>Copies an adapter into <paramref name="folder"/> so a test can edit it.</summary>
    public static string Copy(string adapter, string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (string file in Directory.EnumerateFiles(Path("adapters", adapter)))
        {
            File.Copy(file, System.IO.Path.Combine(folder, System.IO.Path.GetFileName(file)));
        }
        return folder;
    }

    public static float[] Values(SafetensorsFile file, string tensor)
    {
        using var view = file.OpenTensor(tensor);
        var result = new float[view.Info.ElementCount];
        view.ReadFloats(0, result);
        return result;
    }

    /// <summary>Asserts equal values within <paramref name="absolute"/> + <paramref name="relative"/>·|expected|.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, double relative = 1e-6, double absolute = 1e-7)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = absolute + relative * Math.Abs(expected[i]);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}[{i}] = {actual[i]:R}, expected {expected[i]:R}");
        }
    }
}
