using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using SwarmMerge.IO;
using SwarmMerge.Models;

namespace SwarmMerge.Inference;

/// <summary>
/// A decoder-only language model (GPT-2, Llama, Mistral, Qwen2, Qwen3, Phi-3, Gemma 2, Gemma 3 text) on ONNX Runtime. The graph is built once from
/// <c>config.json</c>; candidates differ only in their <see cref="ModelWeights"/>. Batches are right-padded for
/// scoring and left-padded for generation; positions come from the unpadded tokens, so padding never changes
/// a sequence's results beyond float rounding. Not thread-safe: run one call at a time.
/// </summary>
public sealed class CausalLanguageModel : InferenceModel
{
    private readonly CausalArchitecture _architecture;
    private readonly WeightedSession _session;
    private readonly string[] _allOutputs;

    private CausalLanguageModel(CausalArchitecture architecture, InferenceOptions options)
        : base(architecture.ModelType, architecture.Weights, architecture.Tied, options)
    {
        _architecture = architecture;
        _session = new WeightedSession(architecture.BuildGraph(), architecture.Weights, options);
        _allOutputs = [CausalGraph.Logits, .. Enumerable.Range(0, architecture.Layers).SelectMany(i => new[] { CausalGraph.PresentKey(i), CausalGraph.PresentValue(i) })];
    }

    /// <summary>Builds the model for <paramref name="config"/> (a parsed <c>config.json</c>) with zeroed weights.</summary>
    /// <exception cref="ModelConfigException">Unsupported <c>model_type</c> or configuration.</exception>
    public static CausalLanguageModel Create(JsonObject config, InferenceOptions? options = null, string source = "config.json")
    {
        var reader = new ConfigReader(config, source);
        string modelType = ModelFamilies.ModelType(reader, ModelFamily.CausalLanguageModel);
        CausalArchitecture architecture = modelType == "gpt2"
            ? Gpt2Architecture.FromConfig(reader)
            : LlamaArchitecture.Create(reader, modelType, LlamaConfigs.Read(reader, modelType));
        return new CausalLanguageModel(architecture, options ?? new InferenceOptions());
    }

    /// <summary>Builds the model for <paramref name="checkpoint"/>'s config and loads its weights.</summary>
    public static CausalLanguageModel Open(Checkpoint checkpoint, InferenceOptions? options = null) =>
        Loaded(Create(ModelFamilies.ConfigOf(checkpoint), options, Path.Combine(checkpoint.Directory, "config.json")), checkpoint);

    /// <summary>Logits per position.</summary>
    public int VocabSize => _architecture.VocabSize;

    /// <summary>See <see cref="CausalArchitecture.RecomputeCacheAfter"/>.</summary>
    internal int RecomputeCacheAfter => _architecture.RecomputeCacheAfter;

    /// <summary>The config's end-of-sequence ids (the default stop tokens of <see cref="Generate"/>).</summary>
    public IReadOnlyList<int> EosTokenIds => _architecture.EosTokenIds;

    /// <summary>Next-token logits at every position of each sequence.</summary>
    public IReadOnlyList<SequenceLogits> Logits(IReadOnlyList<int[]> sequences)
    {
        var results = new SequenceLogits[sequences.Count];
        ForEachBatch(sequences, (_, tokens) => Enumerable.Range(0, tokens.Length), (index, logits, firstRow) =>
        {
            int length = sequences[index].Length;
            var values = new float[length * VocabSize];
            logits.GetTensorDataAsSpan<float>().Slice(firstRow * VocabSize, values.Length).CopyTo(values);
            results[index] = new SequenceLogits(length, VocabSize, values);
        });
        return results;
    }

    /// <summary>Log-likelihood of each continuation given its context, batched.</summary>
    public IReadOnlyList<LogLikelihood> LogLikelihoods(IReadOnlyList<ContinuationRequest> requests)
    {
        var sequences = new int[requests.Count][];
        for (int i = 0; i < requests.Count; i++)
        {
            var (context, continuation) = (requests[i].Context, requests[i].Continuation);
            if (context.Length == 0 || continuation.Length == 0)
            {
                throw new ArgumentException($"Request {i} has an empty {(context.Length == 0 ? "context" : "continuation")}; both need at least one token (use a BOS/EOS token as an empty context).", nameof(requests));
            }
            // The last continuation token is only predicted, never fed.
            sequences[i] = [.. context, .. continuation.AsSpan(0, continuation.Length - 1)];
        }
        var results = new LogLikelihood[requests.Count];
        // Only the positions that predict continuation tokens need logits.
        ForEachBatch(sequences, (index, _) => Enumerable.Range(requests[index].Context.Length - 1, requests[index].Continuation.Length), (index, logits, firstRow) =>
            results[index] = Score.Continuation(requests[index].Continuation, t => Tensors.Row(logits, firstRow + t, VocabSize)));
        return results;
    }

    /// <summary>Greedy generation; returns each prompt's new tokens (ending with the stop token when one was produced).</summary>
    public IReadOnlyList<int[]> Generate(IReadOnlyList<int[]> prompts, GenerationOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxNewTokens);
        var stops = new HashSet<int>(options.StopTokenIds ?? _architecture.EosTokenIds);
        var results = new int[prompts.Count][];
        foreach (var batch in Batches(prompts))
        {
            var generated = new GreedyGeneration(this, batch.Select(x => x.Tokens).ToArray(), stops, options, batch.Select(x => x.Index).ToArray()).Run();
            for (int b = 0; b < batch.Length; b++)
            {
                results[batch[b].Index] = generated[b];
            }
        }
        return results;
    }

    /// <summary>
    /// One run over [B, T] tokens after a cache of P positions (<paramref name="past"/>, null for none); logits come
    /// back for <paramref name="rows"/> (indices into the flattened [B·T] positions) only. The masks are made from the
    /// logical positions of the queries [B, T] and of every key [B, P + T] (−1 for padding), one per sliding window.
    /// </summary>
    internal IDisposableReadOnlyCollection<OrtValue> Step(long[] ids, long[] positions, long[] queryPositions, long[] keyPositions, long[] rows, int batch, int time, IReadOnlyList<OrtValue>? past, bool wantPresent)
    {
        int total = keyPositions.Length / batch;
        int pastLength = total - time;
        var created = new List<OrtValue>();
        try
        {
            var inputs = new List<(string, OrtValue)>
            {
                (CausalGraph.InputIds, Track(Tensors.Of(ids, batch, time))),
                (CausalGraph.PositionIds, Track(Tensors.Of(positions, batch, time))),
                (CausalGraph.LogitRows, Track(Tensors.Of(rows, rows.Length))),
            };
            foreach (int window in _architecture.Windows)
            {
                var bias = AttentionBias.Causal(queryPositions, keyPositions, batch, window);
                inputs.Add((CausalGraph.AttentionBiasFor(window), Track(Tensors.Of(bias, batch, 1, 1, time, total))));
            }
            long kv = _architecture.KvHeads, d = _architecture.HeadDim;
            for (int layer = 0; layer < _architecture.Layers; layer++)
            {
                inputs.Add((CausalGraph.PastKey(layer), past?[2 * layer] ?? Track(Tensors.Of(Array.Empty<float>(), batch, kv, d, 0))));
                inputs.Add((CausalGraph.PastValue(layer), past?[2 * layer + 1] ?? Track(Tensors.Of(Array.Empty<float>(), batch, kv, 0, d))));
            }
            if (past is not null && past[0].GetTensorTypeAndShape().Shape[3] != pastLength)
            {
                throw new InvalidOperationException("Cache length does not match the attention mask.");
            }
            return _session.Run(Weights, inputs, wantPresent ? _allOutputs : [CausalGraph.Logits]);
        }
        finally
        {
            foreach (var value in created)
            {
                value.Dispose();
            }
        }

        OrtValue Track(OrtValue value)
        {
            created.Add(value);
            return value;
        }
    }

    internal void CheckLength(int length)
    {
        if (_architecture.MaxPositions > 0 && length > _architecture.MaxPositions)
        {
            throw new ArgumentException($"A sequence of {length} tokens exceeds the {_architecture.MaxPositions} positions of this '{ModelType}' model (n_positions).");
        }
    }

    private IEnumerable<(int Index, int[] Tokens)[]> Batches(IReadOnlyList<int[]> sequences) =>
        sequences.Select((tokens, index) => (Index: index, Tokens: tokens))
            .OrderByDescending(x => x.Tokens.Length)
            .Chunk(Math.Max(1, Options.MaxBatchSize))
            .Select(batch =>
            {
                Options.Cancellation.ThrowIfCancellationRequested();
                return batch;
            });

    private delegate IEnumerable<int> RowsOf(int index, int[] tokens);

    private delegate void UseLogits(int index, OrtValue logits, int firstRow);

    /// <summary>
    /// Runs right-padded batches (longest first, to pad little); <paramref name="rowsOf"/> picks the positions of each
    /// sequence that need logits, and <paramref name="use"/> gets each sequence's logits [R, V] starting at its first row.
    /// </summary>
    private void ForEachBatch(IReadOnlyList<int[]> sequences, RowsOf rowsOf, UseLogits use)
    {
        foreach (var batch in Batches(sequences))
        {
            int width = batch[0].Tokens.Length;
            CheckLength(width);
            var ids = new long[batch.Length * width];
            var positions = new long[batch.Length * width];
            var queries = new long[batch.Length * width];
            var rows = new List<long>();
            var firstRows = new int[batch.Length];
            for (int b = 0; b < batch.Length; b++)
            {
                var (index, tokens) = batch[b];
                if (tokens.Length == 0)
                {
                    throw new ArgumentException($"Sequence {index} is empty.", nameof(sequences));
                }
                for (int t = 0; t < width; t++)
                {
                    bool real = t < tokens.Length;
                    ids[b * width + t] = real ? CheckToken(tokens[t]) : 0;
                    positions[b * width + t] = real ? t : 0;
                    queries[b * width + t] = real ? t : -1;
                }
                firstRows[b] = rows.Count;
                rows.AddRange(rowsOf(index, tokens).Select(t => (long)b * width + t));
            }
            using var outputs = Step(ids, positions, queries, queries, [.. rows], batch.Length, width, past: null, wantPresent: false);
            for (int b = 0; b < batch.Length; b++)
            {
                use(batch[b].Index, outputs[0], firstRows[b]);
            }
        }
    }

    internal int CheckToken(int token) =>
        (uint)token < (uint)VocabSize ? token : throw new ArgumentException($"Token id {token} is outside the vocabulary (size {VocabSize}).");

    /// <inheritdoc />
    protected override void DisposeSessions() => _session.Dispose();
}
