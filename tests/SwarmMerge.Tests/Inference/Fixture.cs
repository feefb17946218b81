using System.Text.Json.Nodes;
using SwarmMerge.IO;

namespace SwarmMerge.Tests.Inference;

/// <summary>A reference case under Fixtures/inference/&lt;case&gt; (tools/make_inference_fixtures.py, float64 PyTorch).</summary>
internal sealed class Fixture
{
    public Fixture(string name)
    {
        Name = name;
        Directory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "inference", name);
        Expected = Checkpoint.ReadJsonObject(Path.Combine(Directory, "expected.json"));
    }

    public string Name { get; }

    public string Directory { get; }

    public JsonObject Expected { get; }

    public JsonArray Array(string field) => Expected[field]?.AsArray() ?? throw new InvalidOperationException($"{Name}: expected.json has no '{field}'.");

    public static int[] Ints(JsonNode? node) => node!.AsArray().Select(n => n!.GetValue<int>()).ToArray();

    /// <summary>A [T][V] (or [V]) JSON array flattened row-major.</summary>
    public static float[] Floats(JsonNode? node) =>
        node!.AsArray().SelectMany(row => row is JsonArray inner ? inner.Select(v => (float)v!.GetValue<double>()) : [(float)row!.GetValue<double>()]).ToArray();
}
