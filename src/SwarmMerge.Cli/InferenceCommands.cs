using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using SwarmMerge.Evaluation;
using SwarmMerge.Inference;
using SwarmMerge.IO;

namespace SwarmMerge.Cli;

/// <summary><c>swarmmerge run</c> and <c>swarmmerge classify</c>: try a checkpoint by hand.</summary>
internal static class InferenceCommands
{
    public static Command Run()
    {
        var model = new Argument<DirectoryInfo>("model") { Description = "Hugging Face checkpoint folder (decoder-only or T5)." };
        var prompt = new Option<string>("--prompt", "-p") { Description = "The prompt.", Required = true };
        var maxNewTokens = NumberOptions.Create("--max-new-tokens", "Most new tokens.", 0, () => 64);
        var stop = new Option<string[]>("--stop") { Description = "Stop at this string (repeatable)." };
        var threads = ThreadsOption();
        var command = new Command("run", "Greedy generation from a checkpoint: prints the continuation of a prompt.") { model, prompt, maxNewTokens, stop, threads };
        command.SetAction((result, cancellation) =>
        {
            using var opened = EvaluationModel.Open(result.GetValue(model)!.FullName, new InferenceOptions { Threads = result.GetValue(threads), Cancellation = cancellation });
            var text = opened.Text ?? throw new NotSupportedException($"'{opened.Model.ModelType}' is an encoder with a classification head; use 'swarmmerge classify'.");
            Console.WriteLine(text.Generate([result.GetValue(prompt)!], result.GetValue(maxNewTokens), result.GetValue(stop) ?? [])[0]);
            return Task.FromResult(0);
        });
        return command;
    }

    public static Command Classify()
    {
        var model = new Argument<DirectoryInfo>("model") { Description = "Hugging Face checkpoint folder of a *ForSequenceClassification model (BERT, RoBERTa)." };
        var text = new Option<string>("--text", "-t") { Description = "The text.", Required = true };
        var pair = new Option<string?>("--pair") { Description = "Second text of a sentence pair." };
        var threads = ThreadsOption();
        var command = new Command("classify", "Class probabilities of a text (or text pair) from a sequence-classification checkpoint.") { model, text, pair, threads };
        command.SetAction((result, cancellation) =>
        {
            using var opened = EvaluationModel.Open(result.GetValue(model)!.FullName, new InferenceOptions { Threads = result.GetValue(threads), Cancellation = cancellation });
            if (opened.Model is not SequenceClassificationModel classifier)
            {
                throw new NotSupportedException($"'{opened.Model.ModelType}' has no classification head; use 'swarmmerge run'.");
            }
            var logits = new EncoderHeadScorer(classifier, opened.Tokenizer).Outputs([(result.GetValue(text)!, result.GetValue(pair))])[0];
            var labels = LabelNames(result.GetValue(model)!.FullName, logits.Length);
            double max = logits.Max(), total = logits.Sum(x => Math.Exp(x - max));
            for (int i = 0; i < logits.Length; i++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{labels[i],-16} {Math.Exp(logits[i] - max) / total:F4}"));
            }
            return Task.FromResult(0);
        });
        return command;
    }

    internal static Option<int> ThreadsOption() => NumberOptions.Threads("Threads for inference.");

    /// <summary>The config's <c>id2label</c> names, else LABEL_i as Hugging Face names them.</summary>
    private static string[] LabelNames(string directory, int count)
    {
        var labels = Checkpoint.ReadJsonObject(Path.Combine(directory, "config.json"))["id2label"] as JsonObject;
        return Enumerable.Range(0, count).Select(i =>
            labels?[i.ToString(CultureInfo.InvariantCulture)] is JsonValue label && label.TryGetValue(out string? name) ? name : $"LABEL_{i}").ToArray();
    }
}
