using SwarmMerge.Evaluation;
using SwarmMerge.IO;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Tests.Search;

/// <summary>Fitness functions with known optima, a frozen clock, and tiny swarms of checkpoints.</summary>
internal static class SearchTestKit
{
    /// <summary>A clock that never moves: logged seconds are 0, so logs of equal runs are byte-identical.</summary>
    public sealed class FrozenClock : TimeProvider
    {
        public override long GetTimestamp() => 0;
    }

    public static SearchOptions Options(string? runDirectory = null, int? maxEvaluations = null) =>
        new() { RunDirectory = runDirectory, MaxEvaluations = maxEvaluations, Clock = new FrozenClock() };

    /// <summary>Scores two "tasks" whose mean is 100 − 100·‖values − optimum‖²: maximal exactly at <paramref name="optimum"/>.</summary>
    public static Func<Candidate, EvaluationOutcome> Quadratic(double[] optimum, Action? onCall = null) => candidate =>
    {
        onCall?.Invoke();
        double distance = Distance2(candidate.Values, optimum);
        return EvaluationOutcome.Succeeded(new Dictionary<string, double> { ["a"] = 100 - 100 * distance + 1, ["b"] = 100 - 100 * distance - 1 });
    };

    public static double Distance2(IReadOnlyList<double> a, IReadOnlyList<double> b) => a.Zip(b, (x, y) => (x - y) * (x - y)).Sum();

    /// <summary>Row sums' largest distance from 1 over every logged candidate.</summary>
    public static double WorstAffineError(CoefficientSpace space, IEnumerable<EvaluationRecord> records) =>
        records.Max(r => space.AffineError(r.Values));

    /// <summary>Tensor names and shapes of a tiny two-layer Llama-like model, with one tensor larger than a chunk.</summary>
    public static readonly (string Name, long[] Shape)[] Layout =
    [
        ("model.embed_tokens.weight", [700, 400]),
        ("model.layers.0.self_attn.q_proj.weight", [8, 8]),
        ("model.layers.0.mlp.up_proj.weight", [16, 8]),
        ("model.layers.0.input_layernorm.weight", [8]),
        ("model.layers.1.self_attn.q_proj.weight", [8, 8]),
        ("model.layers.1.mlp.up_proj.weight", [16, 8]),
        ("model.layers.1.input_layernorm.weight", [8]),
        ("model.norm.weight", [8]),
    ];

    /// <summary>Writes a base and <paramref name="experts"/> experts (plus a task head of a different shape per expert); returns the members.</summary>
    public static SwarmMembers WriteSwarm(TestModels.TempFolder folder, int experts = 2, TensorDType dtype = TensorDType.F32, bool smallEmbedding = false, bool heads = true)
    {
        var layout = smallEmbedding ? Layout.Select(t => t.Name.Contains("embed") ? (Name: t.Name, Shape: new long[] { 12, 8 }) : t).ToArray() : Layout;
        var baseValues = layout.ToDictionary(t => t.Name, t => TestModels.Random((int)t.Shape.Aggregate(1L, (a, b) => a * b), t.Name.Length, 1));
        IEnumerable<TestTensor> Tensors(int model, Func<string, float[]> values) =>
            layout.Select(t => new TestTensor(t.Name, dtype, t.Shape, values(t.Name)))
                .Concat(heads ? [new TestTensor("score.weight", TensorDType.F32, [model + 2, 8], TestModels.Random((model + 2) * 8, 99 + model))] : []);
        TestModels.Write(folder["base"], Tensors(0, name => baseValues[name]));
        var paths = new List<string>();
        for (int e = 1; e <= experts; e++)
        {
            int seed = 1000 * e;
            paths.Add(TestModels.Write(folder[$"expert{e}"], Tensors(e, name =>
            {
                var delta = TestModels.Random(baseValues[name].Length, seed + name.Length, 0.1f);
                return baseValues[name].Zip(delta, (b, d) => b + d).ToArray();
            })));
        }
        return new SwarmMembers(folder["base"], paths) { SparsifySeed = 7 };
    }
}
