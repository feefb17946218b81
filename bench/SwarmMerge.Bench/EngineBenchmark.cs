using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using SwarmMerge.Inference;
using SwarmMerge.Inference.Onnx;

namespace SwarmMerge.Bench;

/// <summary>
/// Scoring throughput of the engine on a Llama-shaped model (tokens/s and achieved GFLOP/s of a batch
/// workload), against ONNX Runtime's own MatMul (Gemm) speed on the same matrix shapes in the same run,
/// and the time to switch the model to another candidate's weights.
/// </summary>
internal static class EngineBenchmark
{
    public static int Run(string[] args)
    {
        var o = BenchOptions.Parse(args);
        int hidden = o.Int("hidden", 512), intermediate = o.Int("intermediate", 1408), layers = o.Int("layers", 8);
        int heads = o.Int("heads", 8), kvHeads = o.Int("kv-heads", 4), vocab = o.Int("vocab", 32000);
        int batch = o.Int("batch", 8), length = o.Int("length", 128), runs = o.Int("runs", 5);
        int threads = o.Int("threads", Environment.ProcessorCount);
        string dir = Path.GetFullPath(o.Text("dir", "bench/out/engine"));
        var config = new JsonObject
        {
            ["model_type"] = "llama", ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["hidden_size"] = hidden, ["intermediate_size"] = intermediate, ["num_hidden_layers"] = layers,
            ["num_attention_heads"] = heads, ["num_key_value_heads"] = kvHeads, ["vocab_size"] = vocab,
            ["max_position_embeddings"] = 4096, ["rms_norm_eps"] = 1e-5, ["rope_theta"] = 10000.0,
            ["tie_word_embeddings"] = false, ["bos_token_id"] = 1, ["eos_token_id"] = 2,
        };
        var options = new InferenceOptions { Threads = threads, MaxBatchSize = batch };
        using var model = CausalLanguageModel.Create(config, options);
        Fill(model.Weights, seed: 1);
        long parameters = model.Weights.Specs.Sum(s => s.ElementCount);

        // The workload is what scoring does: the log-likelihood of a continuation after a context, batched.
        int continuation = o.Int("continuation", 32);
        var random = new Random(7);
        var requests = Enumerable.Range(0, batch).Select(_ => new ContinuationRequest(
            Enumerable.Range(0, length - continuation).Select(_ => random.Next(3, vocab)).ToArray(),
            Enumerable.Range(0, continuation).Select(_ => random.Next(3, vocab)).ToArray())).ToList();
        model.LogLikelihoods(requests); // warm-up: first-run allocations and kernel selection
        var clock = Stopwatch.StartNew();
        for (int r = 0; r < runs; r++)
        {
            model.LogLikelihoods(requests);
        }
        double perBatch = clock.Elapsed.TotalSeconds / runs;

        // FLOPs of one batch: every Linear (2·M·K·N; the LM head only on the rows that predict continuation
        // tokens) plus attention's QKᵀ and AV over the full T×T square. The last continuation token is never fed.
        int headDim = hidden / heads;
        int fed = length - 1;
        long tokens = (long)batch * fed;
        var shapes = new List<(string Name, int K, int N, int Count)>
        {
            ("q_proj, o_proj", hidden, hidden, 2 * layers),
            ("k_proj, v_proj", hidden, kvHeads * headDim, 2 * layers),
            ("gate_proj, up_proj", hidden, intermediate, 2 * layers),
            ("down_proj", intermediate, hidden, layers),
        };
        double linearFlops = shapes.Sum(s => 2.0 * tokens * s.K * s.N * s.Count) + 2.0 * batch * continuation * hidden * vocab;
        shapes.Add(("lm_head", hidden, vocab, 1));
        double attentionFlops = 2.0 * 2.0 * batch * heads * (double)fed * fed * headDim * layers;
        double achieved = (linearFlops + attentionFlops) / perBatch / 1e9;

        // All-position logits (the full-vocabulary output every position), for comparison.
        var sequences = requests.Select(r => r.Context.Concat(r.Continuation).ToArray()).ToList();
        model.Logits(sequences);
        clock.Restart();
        model.Logits(sequences);
        double logitsBatch = clock.Elapsed.TotalSeconds;

        var report = new StringBuilder();
        report.AppendLine($"Engine benchmark: Llama-shaped, hidden {hidden}, intermediate {intermediate}, {layers} layers, {heads} heads ({kvHeads} KV), vocab {vocab}: {parameters / 1e6:F1} M parameters (fp32). Workload: log-likelihood of a {continuation}-token continuation after a {length - continuation}-token context, {batch} sequences per batch, {runs} timed runs after one warm-up; {threads} threads; {Environment.ProcessorCount} cores; ONNX Runtime {OrtEnv.Instance().GetVersionString()}.");
        report.AppendLine();
        report.AppendLine($"- Engine: {perBatch * 1e3:F0} ms per batch, {batch * (double)length / perBatch:F0} tokens/s scored, {achieved:F1} GFLOP/s achieved ({(linearFlops + attentionFlops) / 1e9:F1} GFLOP per batch, {linearFlops / (linearFlops + attentionFlops) * 100:F0} % in Linear layers).");
        report.AppendLine($"- Next-token logits at every position instead (a {batch}×{length}×{vocab} fp32 output, copied out): {logitsBatch * 1e3:F0} ms per batch.");
        report.AppendLine();
        report.AppendLine($"ONNX Runtime Gemm (transB, as the engine runs Linear layers) alone, M = {tokens} rows (the LM head's share is weighted by the rows it really computes):");
        report.AppendLine();
        report.AppendLine("| shape (K → N) | used by | GFLOP/s |");
        report.AppendLine("|---|---|---:|");
        double peakSeconds = 0;
        foreach (var shape in shapes)
        {
            double rate = GemmRate((int)tokens, shape.K, shape.N, threads, runs);
            long rows = shape.Name == "lm_head" ? (long)batch * continuation : tokens;
            peakSeconds += 2.0 * rows * shape.K * shape.N * shape.Count / (rate * 1e9);
            report.AppendLine($"| {shape.K} → {shape.N} | {shape.Name} | {rate:F1} |");
        }
        double peak = linearFlops / peakSeconds / 1e9;
        report.AppendLine();
        report.AppendLine($"- MatMul peak for this model's mix of shapes: {peak:F1} GFLOP/s. Engine / peak: **{achieved / peak * 100:F0} %** (target ≥ 50 %).");

        // Switching candidates: pointing the model at another weight set, then the first batch with it.
        var other = model.CreateWeights();
        Fill(other, seed: 2);
        var original = model.Weights;
        clock.Restart();
        const int Switches = 1000;
        for (int s = 0; s < Switches; s++)
        {
            model.UseWeights(s % 2 == 0 ? other : original);
        }
        double switchSeconds = clock.Elapsed.TotalSeconds / Switches;
        model.UseWeights(other);
        clock.Restart();
        model.LogLikelihoods(requests);
        double firstBatch = clock.Elapsed.TotalSeconds;
        clock.Restart();
        foreach (var spec in model.Weights.Specs)
        {
            original.GetSpan(spec.Name).CopyTo(model.Weights.GetSpan(spec.Name));
        }
        double refill = clock.Elapsed.TotalSeconds;
        report.AppendLine($"- Switching to another candidate's weight buffers: {switchSeconds * 1e6:F2} µs (no copy); first batch after the switch {firstBatch * 1e3:F0} ms vs {perBatch * 1e3:F0} ms steady. Overwriting all {parameters / 1e6:F1} M weights in place instead (what a merge writing into the buffers costs at least): {refill * 1e3:F0} ms.");

        Console.WriteLine(report);
        Directory.CreateDirectory(dir);
        string table = Path.Combine(dir, $"engine-h{hidden}-l{layers}-b{batch}x{length}.md");
        File.WriteAllText(table, report.ToString());
        Console.Error.WriteLine($"written to {table}");
        return 0;
    }

    private static void Fill(ModelWeights weights, int seed)
    {
        var random = new Random(seed);
        foreach (var spec in weights.Specs)
        {
            var span = weights.GetSpan(spec.Name);
            bool norm = spec.Shape.Length == 1;
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = norm ? 1f : (float)((random.NextDouble() - 0.5) * 0.04);
            }
        }
    }

    /// <summary>GFLOP/s of one Gemm node y = A·Bᵀ with A [m, k], B [n, k], fed the same way the engine feeds weights.</summary>
    private static double GemmRate(int m, int k, int n, int threads, int runs)
    {
        var graph = new GraphBuilder();
        string a = graph.Input("a", TensorProto.Types.DataType.Float, (long)m, (long)k);
        string b = graph.Weight("b", [n, k]);
        graph.Output(graph.Linear(a, b), "y", TensorProto.Types.DataType.Float, (long)m, (long)n);
        using var session = OrtSessions.Create(graph.ToModelBytes(), new InferenceOptions { Threads = threads });
        var random = new Random(3);
        var left = Enumerable.Range(0, m * k).Select(_ => (float)random.NextDouble()).ToArray();
        var right = Enumerable.Range(0, n * k).Select(_ => (float)random.NextDouble()).ToArray();
        using var leftValue = OrtValue.CreateTensorValueFromMemory(left, [m, k]);
        using var rightValue = OrtValue.CreateTensorValueFromMemory(right, [n, k]);
        using var runOptions = new RunOptions();
        double Once()
        {
            var clock = Stopwatch.StartNew();
            using var outputs = session.Run(runOptions, ["a", "b"], [leftValue, rightValue], ["y"]);
            return clock.Elapsed.TotalSeconds;
        }
        Once();
        double mean = Enumerable.Range(0, runs).Select(_ => Once()).Average(); // timed like the engine: mean after one warm-up
        return 2.0 * m * k * n / mean / 1e9;
    }
}
