using SwarmMerge.Tests.Evaluation;

namespace SwarmMerge.Tests.Search;

/// <summary>A tiny Llama family for whole search runs: the reference fixture as base, two perturbed copies as experts, one multiple-choice task, and a search config.</summary>
internal static class RunFamily
{
    /// <summary>Writes the family and its config (PSO with one step and random search, two baselines, seed 3) into <paramref name="folder"/>; returns the config's path.</summary>
    public static string Write(string folder)
    {
        string basePath = PairedFixtures.Create("llama", "llama_sp", Path.Combine(folder, "base"));
        foreach (int e in new[] { 1, 2 })
        {
            string expert = PairedFixtures.Create("llama", "llama_sp", Path.Combine(folder, $"expert{e}"));
            var random = new Random(e);
            PairedFixtures.Rewrite(expert, (_, values) => values.Select(v => v + (float)(random.NextDouble() - 0.5) * 0.2f).ToArray());
        }
        File.WriteAllText(Path.Combine(folder, "opt.jsonl"), "{\"p\": \"the cat\", \"a\": \"sat\"}\n{\"p\": \"one two\", \"a\": \"three\"}\n{\"p\": \"red\", \"a\": \"blue\"}\n");
        File.WriteAllText(Path.Combine(folder, "test.jsonl"), "{\"p\": \"a b\", \"a\": \"c\"}\n{\"p\": \"up\", \"a\": \"down\"}\n");
        File.WriteAllText(Path.Combine(folder, "tasks.yml"), """
            tasks:
              - {name: words, kind: multiple_choice, optimization: opt.jsonl, test: test.jsonl, prompt: '{p}', choices: [' {a}', ' {p}'], label: a}
            """.Replace("label: a}", "label: k}"));
        // Choice index column: the right answer is always choice 0.
        foreach (string split in new[] { "opt.jsonl", "test.jsonl" })
        {
            string path = Path.Combine(folder, split);
            File.WriteAllLines(path, File.ReadAllLines(path).Select(l => l.Replace("}", ", \"k\": 0}")));
        }
        string config = Path.Combine(folder, "search.yml");
        File.WriteAllText(config, $"""
            base_model: {basePath}
            models: [{Path.Combine(folder, "expert1")}, {Path.Combine(folder, "expert2")}]
            tasks: {Path.Combine(folder, "tasks.yml")}
            methods:
              - pso: {"{steps: 1}"}
              - random: {"{}"}
            baselines: [task_arithmetic, ties]
            seed: 3
            threads: 2
            """);
        return config;
    }
}
