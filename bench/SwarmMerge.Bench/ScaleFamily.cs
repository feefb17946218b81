using SwarmMerge.IO;

namespace SwarmMerge.Bench;

/// <summary>
/// A family of a real model's shape for the scale benchmark, under <c>DIR/SIZE/</c>: a base of random BF16 weights
/// and experts that are the base plus small seeded random task vectors (<see cref="SyntheticCheckpoints"/>), the light
/// family's byte-level BPE tokenizer (1,024 tokens: every id is a row of the real-size embedding, so the vocabulary
/// the logits cost is the real one), and a task file of the light family's first rows of its two log-likelihood
/// tasks (sentiment: classification by label words; category: multiple choice of four).
/// </summary>
/// <param name="Root">The family's folder.</param>
/// <param name="BaseModel">The base checkpoint.</param>
/// <param name="Experts">The expert checkpoints.</param>
/// <param name="Tasks">The task file.</param>
internal sealed record ScaleFamily(string Root, string BaseModel, IReadOnlyList<string> Experts, string Tasks)
{
    private const string Tokenizer = "examples/light-family";

    /// <summary>Every safetensors file of the base and the experts.</summary>
    public List<string> Files => new[] { BaseModel }.Concat(Experts).SelectMany(m => Directory.GetFiles(m, "*.safetensors")).ToList();

    /// <summary>Writes what is missing of the family of <paramref name="shape"/> (run from the repository root) and returns it.</summary>
    public static ScaleFamily Prepare(string directory, RealShape shape, int experts, int rowsPerTask)
    {
        string root = Path.Combine(directory, shape.Name);
        Directory.CreateDirectory(root);
        string source = Path.GetFullPath(Tokenizer);
        // The tokenizer's own special ids, so prompts start with the BOS the tokenizer adds.
        var config = shape.Config(bos: 1021, eos: 1022);
        var models = Enumerable.Range(0, experts + 1).Select(m => Path.Combine(root, m == 0 ? "base" : $"expert{m}")).ToList();
        foreach (var (path, m) in models.Select((p, m) => (p, m)))
        {
            bool written = File.Exists(Path.Combine(path, "config.json"));
            SyntheticCheckpoints.Write(path, shape.Tensors(), config, m, ByteSize.Parse("5G"), normsAtOne: true);
            if (!written)
            {
                foreach (string file in new[] { "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json" })
                {
                    File.Copy(Path.Combine(source, "base", file), Path.Combine(path, file), overwrite: true);
                }
            }
        }
        string tasks = Path.Combine(root, "tasks.yml");
        WriteTasks(source, root, rowsPerTask);
        return new ScaleFamily(root, models[0], models.Skip(1).ToList(), tasks);
    }

    private static void WriteTasks(string source, string root, int rows)
    {
        foreach (string task in new[] { "sentiment", "category" })
        {
            Directory.CreateDirectory(Path.Combine(root, "tasks", task));
            foreach (string split in new[] { "optimization", "test" })
            {
                var lines = File.ReadLines(Path.Combine(source, "tasks", task, $"{split}.jsonl")).Take(rows);
                File.WriteAllLines(Path.Combine(root, "tasks", task, $"{split}.jsonl"), lines);
            }
        }
        File.WriteAllText(Path.Combine(root, "tasks.yml"), """
            # The scale benchmark's tasks: the light family's first rows of its two log-likelihood tasks (prompts as there).
            tasks:
              - name: sentiment
                kind: classification
                optimization: tasks/sentiment/optimization.jsonl
                test: tasks/sentiment/test.jsonl
                prompt: "Review: {text}\nSentiment:"
                label: label
                label_words: {"positive": " positive", "negative": " negative"}
                metric: accuracy
              - name: category
                kind: multiple_choice
                optimization: tasks/category/optimization.jsonl
                test: tasks/category/test.jsonl
                prompt: "Question: {c0}, {c1}, {c2} or {c3}: which one is a kind of {category}?\nAnswer:"
                choices: [" {c0}", " {c1}", " {c2}", " {c3}"]
                label: label
                metric: accuracy

            """);
    }
}
