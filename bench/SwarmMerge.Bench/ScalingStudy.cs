using System.Globalization;
using System.Text.Json.Nodes;
using System.Text;
using ScottPlot;
using SwarmMerge.Search.Runs;
using SwarmMerge.Search;
using YamlDotNet.RepresentationModel;

namespace SwarmMerge.Bench;

/// <summary>
/// PSO-Merging with n = 2, 4, 8, 16 experts of one family (the first n skills of its task file, each scored on
/// its own task), SwarmMerge's default and the paper's preset under the same budget (2n+1)·(S+1), beside task
/// arithmetic and the best single expert: test mean, evaluations, time per step, and peak memory, each n in a
/// child process so that its peak RSS is its own.
/// </summary>
internal static class ScalingStudy
{
    public static int Run(string[] args)
    {
        var o = BenchOptions.Parse(args);
        string family = Path.GetFullPath(o.Text("family", "bench/out/family16"));
        string dir = Path.GetFullPath(o.Text("dir", "bench/out/search"));
        var sizes = o.Text("sizes", "2,4,8,16").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        int steps = o.Int("steps", 5), threads = o.Int("threads", Environment.ProcessorCount);
        var skills = SkillNames(Path.Combine(family, "tasks.yml"));

        var text = new StringBuilder();
        text.AppendLine($"# Scaling with the number of experts: PSO-Merging ({steps} steps' budget) on `{family}`");
        text.AppendLine();
        text.AppendLine($"Machine: {MachineInfo.Describe()}; {threads} threads; load average at start {MachineInfo.LoadAverage()}. Experts: the first n skills of the task file, scored on those n tasks (50 optimization examples each); budget (2n+1)·(S+1) for both PSO presets. Task arithmetic: the data-free baseline's default parameters (λ = 0.5).");
        text.AppendLine();
        text.AppendLine("| n | evaluations | PSO default: best optimization fitness | PSO default: test mean | PSO paper: test mean | task arithmetic: test mean | best single expert: test mean | scoring s per evaluation | wall time (s) | peak RSS (MB) |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var points = new List<(int N, double Test, double Paper, double Arithmetic, double Expert)>();
        foreach (int n in sizes.Where(n => n <= skills.Count))
        {
            string run = Path.Combine(dir, "scaling", $"n{n}");
            if (Directory.Exists(run))
            {
                Directory.Delete(run, recursive: true);
            }
            Directory.CreateDirectory(run);
            string tasks = SubsetTasks(family, skills.Take(n).ToList(), Path.Combine(run, "tasks.yml"));
            string config = Path.Combine(run, "scaling.yml");
            File.WriteAllText(config, $"base_model: {Path.Combine(family, "base")}\nmodels:\n{string.Concat(skills.Take(n).Select(s => $"  - {Path.Combine(family, $"expert-{s}")}\n"))}tasks: {tasks}\n"
                + $"methods:\n  - pso: {{steps: {steps}}}\n  - pso: {{preset: paper, name: pso-paper, steps: {steps}}}\nbaselines: [task_arithmetic]\nseed: 0\nthreads: {threads}\n");
            Console.Error.WriteLine($"n = {n}: {run}");
            var (result, rss) = RunChild(config, Path.Combine(run, "run"));
            double Get(string key) => result[key]!.GetValue<double>();
            points.Add((n, Get("test_mean"), Get("paper_test_mean"), Get("task_arithmetic_test_mean"), Get("best_expert_test_mean")));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {n} | {result["evaluations"]} | {Get("best_fitness"):F1} | {points[^1].Test:F1} | {points[^1].Paper:F1} | {points[^1].Arithmetic:F1} | {points[^1].Expert:F1} | {Get("scoring_seconds") / Get("scored"):F2} | {Get("wall_seconds"):F1} | {rss / 1e6:F0} |"));
        }
        text.AppendLine();
        text.AppendLine("![scaling](scaling.png)");
        var plot = new Plot();
        var xs = points.Select(p => (double)p.N).ToArray();
        plot.Add.Scatter(xs, points.Select(p => p.Test).ToArray()).LegendText = "PSO-Merging, default";
        plot.Add.Scatter(xs, points.Select(p => p.Paper).ToArray()).LegendText = "PSO-Merging, paper preset";
        plot.Add.Scatter(xs, points.Select(p => p.Arithmetic).ToArray()).LegendText = "task arithmetic";
        plot.Add.Scatter(xs, points.Select(p => p.Expert).ToArray()).LegendText = "best single expert";
        plot.Title("Scaling with the number of experts");
        plot.XLabel("experts n");
        plot.YLabel("test mean over the n tasks");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(Path.Combine(dir, "scaling.png"), 900, 450);
        File.WriteAllText(Path.Combine(dir, "scaling.md"), text.ToString());
        Console.WriteLine(text);
        return 0;
    }

    /// <summary>The child: one search run; prints a JSON summary on stdout.</summary>
    public static int RunOnce(string[] args)
    {
        var result = SearchRun.Start(args[0], args[1]);
        var search = result.Searches[0];
        var experts = result.RowKinds.Where(k => k.Value == "expert").Select(k => result.TestScores[k.Key].Values.Average());
        Console.WriteLine(new JsonObject
        {
            ["evaluations"] = search.Evaluations,
            ["scored"] = search.FitnessCalls,
            ["best_fitness"] = search.Best!.Fitness,
            ["test_mean"] = result.TestScores[search.Method].Values.Average(),
            ["paper_test_mean"] = result.TestScores["pso-paper"].Values.Average(),
            ["task_arithmetic_test_mean"] = result.TestScores["task_arithmetic"].Values.Average(),
            ["best_expert_test_mean"] = experts.Max(),
            ["scoring_seconds"] = search.ScoringSeconds,
            ["wall_seconds"] = search.WallSeconds,
            ["peak_rss"] = PageCache.PeakResidentBytes(),
        }.ToJsonString());
        return 0;
    }

    private static (JsonObject Result, long PeakRss) RunChild(string config, string run)
    {
        string output = ChildRun.Run("scaling-once", config, run);
        var result = JsonNode.Parse(output.Trim().Split('\n')[^1])!.AsObject();
        return (result, result["peak_rss"]!.GetValue<long>());
    }

    private static List<string> SkillNames(string tasksFile)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(tasksFile)));
        var tasks = (YamlSequenceNode)((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("tasks")];
        return tasks.Children.Select(t => ((YamlScalarNode)((YamlMappingNode)t).Children[new YamlScalarNode("name")]).Value!).ToList();
    }

    /// <summary>The family's task file cut to <paramref name="skills"/>, with its data paths made absolute, written to <paramref name="path"/>.</summary>
    private static string SubsetTasks(string family, List<string> skills, string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(family, "tasks.yml"))));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var tasks = (YamlSequenceNode)root.Children[new YamlScalarNode("tasks")];
        var kept = tasks.Children.Cast<YamlMappingNode>().Where(t => skills.Contains(((YamlScalarNode)t.Children[new YamlScalarNode("name")]).Value!)).ToList();
        foreach (var task in kept)
        {
            foreach (string split in new[] { "optimization", "test" })
            {
                var key = new YamlScalarNode(split);
                task.Children[key] = new YamlScalarNode(Path.GetFullPath(Path.Combine(family, ((YamlScalarNode)task.Children[key]).Value!)));
            }
        }
        root.Children[new YamlScalarNode("tasks")] = new YamlSequenceNode(kept);
        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        File.WriteAllText(path, writer.ToString());
        return path;
    }
}
