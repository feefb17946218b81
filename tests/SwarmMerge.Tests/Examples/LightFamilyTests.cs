using System.Text.Json;
using SwarmMerge.Evaluation;
using SwarmMerge.Inference;
using SwarmMerge.Merging;
using SwarmMerge.Tests.Evaluation;

namespace SwarmMerge.Tests.Examples;

/// <summary>
/// The bundled light family (<c>examples/light-family</c>, the demo's) is what its README says. On the optimization
/// split the engine gives the scores of its <c>scores.json</c> (which the generator's own PyTorch forward pass
/// reproduced in every cell) to within one example, and task arithmetic at λ 0.7 beats every single expert by more than 15 points:
/// the property the family exists for, so an engine or merge change that breaks it fails here.
/// </summary>
public sealed class LightFamilyTests : IDisposable
{
    private static readonly string Family = Path.Combine(SharedData.RepositoryRoot, "examples", "light-family");
    private static readonly string[] Skills = ["sentiment", "category", "plural", "antonym"];
    private readonly TestModels.TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Task_arithmetic_beats_every_expert_by_15_points_with_the_recorded_scores()
    {
        var tasks = TaskFile.Load(Path.Combine(Family, "tasks.yml")).LoadOptimization();
        using var recorded = JsonDocument.Parse(File.ReadAllText(Path.Combine(Family, "scores.json")));

        var experts = new Dictionary<string, double>();
        foreach (string skill in Skills)
        {
            var scores = Score(Path.Combine(Family, $"expert-{skill}"), tasks);
            AssertRecorded(recorded, $"expert-{skill}", scores);
            experts[skill] = scores.Values.Average();
        }

        string models = string.Concat(Skills.Select(s => $"  - model: {Family}/expert-{s}\n    parameters: {{weight: 1.0}}\n"));
        File.WriteAllText(_temp["ta.yml"], $$"""
            merge_method: task_arithmetic
            base_model: {{Family}}/base
            models:
            {{models}}parameters: {lambda: 0.7}
            dtype: float32
            out_dtype: float32
            """);
        using (var plan = MergePlanner.Create(MergeConfigParser.Load(_temp["ta.yml"]), _temp.Path))
        {
            MergeExecutor.Run(plan, _temp["ta"], new MergeOptions { Threads = 2 });
        }
        var merged = Score(_temp["ta"], tasks);
        AssertRecorded(recorded, "task_arithmetic λ=0.7", merged);
        Assert.True(merged.Values.Average() >= experts.Values.Max() + 15,
            $"task arithmetic {merged.Values.Average():F1} against the best expert {experts.Values.Max():F1}");
    }

    private static Dictionary<string, double> Score(string model, TaskSet tasks)
    {
        using var opened = EvaluationModel.Open(model, new InferenceOptions { Threads = 2 });
        return opened.Evaluate(tasks);
    }

    // Within one example of the 50 per task: another CPU's kernels (AVX2 against AVX-512) may sum logits in another
    // order and flip a near-tie; on the machine that recorded them the scores are equal.
    private static void AssertRecorded(JsonDocument recorded, string row, Dictionary<string, double> scores)
    {
        const double oneExample = 100.0 / 50;
        var expected = recorded.RootElement.GetProperty(row).GetProperty("optimization");
        foreach (string skill in Skills)
        {
            double want = expected.GetProperty(skill).GetDouble();
            Assert.True(Math.Abs(want - scores[skill]) <= oneExample, $"{row}, {skill}: recorded {want}, scored {scores[skill]}");
        }
    }
}
