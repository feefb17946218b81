using System.Text.Json.Nodes;
using SwarmMerge.IO;

namespace SwarmMerge.Tests;

/// <summary>Compares a merge's output folder with the outputs of the independent reference (tools/merge_reference.py).</summary>
internal static class ReferenceOutput
{
    /// <summary>
    /// Same tensor names in the same order, dtypes, shapes and values (within the rounding of fp64 sums in another
    /// order), non-float tensors byte for byte, and the same config.json as <c>NAME.safetensors</c> and
    /// <c>NAME.config.json</c> in <paramref name="expectedDirectory"/>.
    /// </summary>
    public static void AssertMatches(string expectedDirectory, string name, string output)
    {
        using var actual = Checkpoint.Open(output);
        using var expected = SafetensorsFile.Open(Path.Combine(expectedDirectory, name + ".safetensors"));
        Assert.Equal(expected.Tensors.Select(t => t.Name), actual.Tensors.Select(t => t.Name)); // names and output order
        var expectedConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(expectedDirectory, name + ".config.json")));
        var actualConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "config.json")));
        Assert.True(JsonNode.DeepEquals(expectedConfig, actualConfig), $"{name}: config.json is {actualConfig}, reference {expectedConfig}");
        foreach (var want in expected.Tensors)
        {
            var got = actual.Info(want.Name);
            Assert.Equal(want.DType, got.DType);
            Assert.Equal(want.Shape, got.Shape);
            if (!want.DType.IsMergeable())
            {
                using var wantView = expected.OpenTensor(want.Name);
                Assert.Equal(wantView.Bytes(0, (int)want.ByteLength).ToArray(), TestModels.ReadBytes(actual, want.Name));
                continue;
            }
            var wantValues = new float[want.ElementCount];
            using (var view = expected.OpenTensor(want.Name))
            {
                view.ReadFloats(0, wantValues);
            }
            var gotValues = TestModels.ReadFloats(actual, want.Name);
            // fp32 results may differ from the reference in the last bits (fp64 sums in another order);
            // narrower outputs by at most one unit of their own precision.
            double relative = want.DType switch { TensorDType.F32 => 2e-5, TensorDType.F16 => 1e-3, _ => 8e-3 };
            for (int i = 0; i < wantValues.Length; i++)
            {
                double tolerance = 1e-6 + relative * Math.Abs(wantValues[i]);
                Assert.True(Math.Abs(wantValues[i] - gotValues[i]) <= tolerance,
                    $"{name}: {want.Name}[{i}] = {gotValues[i]:R}, reference {wantValues[i]:R}");
            }
        }
    }
}
