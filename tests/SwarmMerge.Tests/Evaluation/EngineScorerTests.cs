using SwarmMerge.Evaluation;
using SwarmMerge.Inference;
using SwarmMerge.Inference.Tokenization;
using SwarmMerge.IO;
using SwarmMerge.Models;

namespace SwarmMerge.Tests.Evaluation;

/// <summary>
/// The engine-backed scorers on the reference model fixtures paired with the tokenizer fixtures (the engine and
/// the tokenizers are each checked against independent references in their own tests; here the composition is
/// checked against the engine's raw logits).
/// </summary>
public sealed class EngineScorerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("swarmmerge-scorers-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A model fixture with a tokenizer fixture's files beside its weights.</summary>
    private string Pair(string model, string tokenizer, string? name = null) =>
        PairedFixtures.Create(model, tokenizer, Path.Combine(_folder, name ?? model));

    [Fact]
    public void Decoder_log_likelihood_sums_the_log_softmax_of_the_continuation_tokens()
    {
        using var model = EvaluationModel.Open(Pair("llama", "llama_sp"));
        var lm = (CausalLanguageModel)model.Model;
        const string context = "Review: the cat sat.", continuation = " positive";

        double scored = model.Text!.LogLikelihoods([(context, continuation)])[0];

        int[] contextIds = model.Tokenizer.Encode(context), continuationIds = model.Tokenizer.Encode(continuation, addSpecialTokens: false);
        Assert.Equal(model.Tokenizer.BosId, contextIds[0]);
        var logits = lm.Logits([[.. contextIds, .. continuationIds]])[0];
        double expected = 0;
        for (int t = 0; t < continuationIds.Length; t++)
        {
            var row = logits[contextIds.Length - 1 + t].ToArray().Select(x => (double)x).ToArray();
            double max = row.Max(), logSum = max + Math.Log(row.Sum(x => Math.Exp(x - max)));
            expected += row[continuationIds[t]] - logSum;
        }
        Assert.Equal(expected, scored, 4);
    }

    [Fact]
    public void Decoder_generation_is_the_decoded_greedy_continuation_cut_at_the_stop_string()
    {
        using var model = EvaluationModel.Open(Pair("gpt2", "gpt2_bpe"));
        var lm = (CausalLanguageModel)model.Model;
        const string prompt = "The quick brown fox";
        var tokens = lm.Generate([model.Tokenizer.Encode(prompt)], new GenerationOptions { MaxNewTokens = 6 })[0];
        string full = model.Tokenizer.Decode(tokens);

        Assert.Equal(full, model.Text!.Generate([prompt], 6, [])[0]);
        string stop = full.Length > 2 ? full.Substring(1, 1) : "\u0000";
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], model.Text.Generate([prompt], 6, [stop])[0]);
    }

    [Fact]
    public void T5_scores_targets_with_their_end_of_sequence_token()
    {
        using var model = EvaluationModel.Open(Pair("flan_t5", "t5_unigram"));
        var t5 = (Seq2SeqLanguageModel)model.Model;
        double scored = model.Text!.LogLikelihoods([("sentiment: good film", "positive")])[0];
        var labels = model.Tokenizer.Encode("positive", addSpecialTokens: false).Append(model.Tokenizer.EosId!.Value).ToArray();
        Assert.Equal(t5.LogLikelihoods([new Seq2SeqRequest(model.Tokenizer.Encode("sentiment: good film"), labels)])[0].Sum, scored, 6);
    }

    [Fact]
    public void A_head_task_runs_the_candidates_body_under_the_experts_head()
    {
        string expert = Pair("bert", "bert_wordpiece", "expert");
        string candidate = Pair("bert", "bert_wordpiece", "candidate");
        ScaleTensor(candidate, "bert.encoder.layer.0.output.dense.weight", 0.5f);
        ScaleTensor(candidate, "classifier.weight", -3f); // the candidate's own head must not be used
        File.WriteAllText(Path.Combine(_folder, "d.tsv"), "a\tb\tlabel\nthe film is good\tyes it is\t0\nbad\tworse\t1\n");
        File.WriteAllText(Path.Combine(_folder, "tasks.yml"), "tasks:\n  - {name: pairs, kind: classification, optimization: d.tsv, test: d.tsv, inputs: [a, b], label: label, head_from: expert, head_labels: ['0', '1', '2']}\n");
        var tasks = TaskFile.Load(Path.Combine(_folder, "tasks.yml")).LoadTest();

        using var model = EvaluationModel.Open(candidate);
        double score = model.Evaluate(tasks)["pairs"];

        // The same prediction computed by hand: a model with the expert's head and the candidate's body.
        using var expertCheckpoint = Checkpoint.Open(expert);
        using var candidateCheckpoint = Checkpoint.Open(candidate);
        using var reference = SequenceClassificationModel.Open(candidateCheckpoint);
        reference.Weights.LoadFrom(expertCheckpoint, only: TensorNames.IsHead);
        var tokenizer = CheckpointTokenizer.Load(expert);
        var predicted = tasks.Tasks[0].Rows.Select(r =>
        {
            var pair = tokenizer.EncodePair(r["a"], r["b"]);
            var logits = reference.Classify([new EncoderInput(pair.Ids, pair.TypeIds)])[0];
            return Array.IndexOf(logits, logits.Max()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }).ToList();
        Assert.Equal(Metrics.Score(Metric.Accuracy, predicted, tasks.Tasks[0].Rows.Select(r => r["label"]).ToList()), score);
    }

    private static void ScaleTensor(string directory, string name, float factor) =>
        PairedFixtures.Rewrite(directory, (tensor, values) => tensor == name ? values.Select(v => v * factor).ToArray() : values);
}
