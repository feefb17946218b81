using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using SwarmMerge.IO;
using SwarmMerge.Models;

namespace SwarmMerge.Inference;

/// <summary>
/// A T5 / Flan-T5 encoder-decoder on ONNX Runtime: teacher-forced target logits and log-likelihoods, and greedy
/// decoding. The encoder graph runs once per batch and yields every decoder layer's cross-attention keys/values;
/// the decoder graph keeps a self-attention cache. Inputs and targets are right-padded. Not thread-safe.
/// </summary>
public sealed class Seq2SeqLanguageModel : InferenceModel
{
    private readonly T5Architecture _architecture;
    private readonly WeightedSession _encoder;
    private readonly WeightedSession _decoder;
    private readonly string[] _crossOutputs;
    private readonly string[] _decoderOutputs;

    private Seq2SeqLanguageModel(T5Architecture architecture, InferenceOptions options)
        : base("t5", architecture.Weights, architecture.Tied, options)
    {
        _architecture = architecture;
        _encoder = new WeightedSession(architecture.BuildEncoderGraph(), architecture.Weights, options);
        _decoder = new WeightedSession(architecture.BuildDecoderGraph(), architecture.Weights, options);
        var layers = Enumerable.Range(0, architecture.DecoderLayers).ToList();
        _crossOutputs = layers.SelectMany(i => new[] { T5Architecture.CrossKey(i), T5Architecture.CrossValue(i) }).ToArray();
        _decoderOutputs = [T5Architecture.Logits, .. layers.SelectMany(i => new[] { T5Architecture.PresentKey(i), T5Architecture.PresentValue(i) })];
    }

    /// <summary>Builds the model for <paramref name="config"/> (a parsed <c>config.json</c>) with zeroed weights.</summary>
    /// <exception cref="ModelConfigException">Unsupported <c>model_type</c> or configuration.</exception>
    public static Seq2SeqLanguageModel Create(JsonObject config, InferenceOptions? options = null, string source = "config.json")
    {
        var reader = new ConfigReader(config, source);
        ModelFamilies.ModelType(reader, ModelFamily.Seq2SeqLanguageModel);
        return new Seq2SeqLanguageModel(T5Architecture.FromConfig(reader), options ?? new InferenceOptions());
    }

    /// <summary>Builds the model for <paramref name="checkpoint"/>'s config and loads its weights.</summary>
    public static Seq2SeqLanguageModel Open(Checkpoint checkpoint, InferenceOptions? options = null) =>
        Loaded(Create(ModelFamilies.ConfigOf(checkpoint), options, Path.Combine(checkpoint.Directory, "config.json")), checkpoint);

    /// <summary>Logits per position.</summary>
    public int VocabSize => _architecture.VocabSize;

    /// <summary>The config's end-of-sequence ids (the default stop tokens of <see cref="Generate"/>).</summary>
    public IReadOnlyList<int> EosTokenIds => _architecture.EosTokenIds;

    /// <summary>The token the decoder starts from (<c>decoder_start_token_id</c>).</summary>
    public int DecoderStartTokenId => _architecture.DecoderStartTokenId;

    /// <summary>Teacher-forced logits: row t scores label t given the input and labels before t.</summary>
    public IReadOnlyList<SequenceLogits> Logits(IReadOnlyList<Seq2SeqRequest> requests)
    {
        var results = new SequenceLogits[requests.Count];
        TeacherForced(requests, (index, logits, row) =>
        {
            int length = requests[index].Labels.Length;
            var values = new float[length * VocabSize];
            logits.GetTensorDataAsSpan<float>().Slice(checked((int)(row * VocabSize)), values.Length).CopyTo(values);
            results[index] = new SequenceLogits(length, VocabSize, values);
        });
        return results;
    }

    /// <summary>Log-likelihood of each target given its input.</summary>
    public IReadOnlyList<LogLikelihood> LogLikelihoods(IReadOnlyList<Seq2SeqRequest> requests)
    {
        var results = new LogLikelihood[requests.Count];
        TeacherForced(requests, (index, logits, row) =>
            results[index] = Score.Continuation(requests[index].Labels, t => Tensors.Row(logits, row + t, VocabSize)));
        return results;
    }

    /// <summary>Greedy decoding; returns each input's new tokens (without the start token, ending with the stop token when one was produced).</summary>
    public IReadOnlyList<int[]> Generate(IReadOnlyList<int[]> inputs, GenerationOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxNewTokens);
        var stops = new HashSet<int>(options.StopTokenIds ?? _architecture.EosTokenIds);
        var results = new int[inputs.Count][];
        foreach (var batch in Batches(inputs.Select((ids, i) => (Index: i, Ids: ids)), x => x.Ids.Length))
        {
            var generated = batch.Select(_ => new List<int>()).ToArray();
            if (options.MaxNewTokens > 0)
            {
                using var encoded = Encode(batch.Select(x => x.Ids).ToArray(), out var encoderBias);
                using (encoderBias)
                {
                    GenerateBatch(batch.Select(x => x.Index).ToArray(), encoded, encoderBias, generated, stops, options);
                }
            }
            for (int b = 0; b < batch.Length; b++)
            {
                results[batch[b].Index] = generated[b].ToArray();
            }
        }
        return results;
    }

    private void GenerateBatch(int[] indices, IReadOnlyList<OrtValue> cross, OrtValue encoderBias, List<int>[] generated, HashSet<int> stops, GenerationOptions options)
    {
        int batch = indices.Length;
        var sequence = new List<long[]> { Enumerable.Repeat((long)DecoderStartTokenId, batch).ToArray() };
        var finished = new bool[batch];
        IDisposableReadOnlyCollection<OrtValue>? previous = null;
        try
        {
            while (true)
            {
                Options.Cancellation.ThrowIfCancellationRequested();
                int total = sequence.Count;
                int start = options.UseCache && previous is not null ? total - 1 : 0;
                int time = total - start;
                var ids = new long[batch * time];
                for (int b = 0; b < batch; b++)
                {
                    for (int t = 0; t < time; t++)
                    {
                        ids[b * time + t] = sequence[start + t][b];
                    }
                }
                var outputs = Decode(ids, batch, time, start, Enumerable.Repeat(total, batch).ToArray(), cross, encoderBias,
                    options.UseCache && previous is not null ? previous.Skip(1).ToList() : null);
                previous?.Dispose();
                previous = outputs;

                var next = new long[batch];
                for (int b = 0; b < batch; b++)
                {
                    int token = Tensors.ArgMax(Tensors.Row(outputs[0], (long)b * time + time - 1, VocabSize));
                    next[b] = token;
                    if (!finished[b])
                    {
                        generated[b].Add(token);
                        finished[b] = stops.Contains(token)
                            || generated[b].Count >= options.MaxNewTokens
                            || (options.StopWhen?.Invoke(indices[b], generated[b]) ?? false);
                    }
                }
                sequence.Add(next);
                if (finished.All(f => f))
                {
                    break;
                }
            }
        }
        finally
        {
            previous?.Dispose();
        }
    }

    private delegate void UseLogits(int index, OrtValue logits, long firstRow);

    private void TeacherForced(IReadOnlyList<Seq2SeqRequest> requests, UseLogits use)
    {
        for (int i = 0; i < requests.Count; i++)
        {
            if (requests[i].Labels.Length == 0)
            {
                throw new ArgumentException($"Request {i} has no target tokens.", nameof(requests));
            }
        }
        foreach (var batch in Batches(requests.Select((r, i) => (Index: i, Request: r)), x => x.Request.InputIds.Length))
        {
            int size = batch.Length;
            int width = batch.Max(x => x.Request.Labels.Length);
            var ids = new long[size * width];
            var lengths = new int[size];
            for (int b = 0; b < size; b++)
            {
                var labels = batch[b].Request.Labels;
                CheckTokens(labels, batch[b].Index);
                lengths[b] = labels.Length;
                ids[b * width] = DecoderStartTokenId;
                for (int t = 1; t < labels.Length; t++)
                {
                    ids[b * width + t] = labels[t - 1];
                }
            }
            using var encoded = Encode(batch.Select(x => x.Request.InputIds).ToArray(), out var encoderBias);
            using (encoderBias)
            using (var outputs = Decode(ids, size, width, 0, lengths, encoded, encoderBias, past: null))
            {
                for (int b = 0; b < size; b++)
                {
                    use(batch[b].Index, outputs[0], (long)b * width);
                }
            }
        }
    }

    /// <summary>Runs the encoder on right-padded inputs; returns the cross-attention keys/values and the padding mask.</summary>
    private IDisposableReadOnlyCollection<OrtValue> Encode(int[][] inputs, out OrtValue encoderBias)
    {
        int size = inputs.Length, width = inputs.Max(x => x.Length);
        var ids = new long[size * width];
        for (int b = 0; b < size; b++)
        {
            if (inputs[b].Length == 0)
            {
                throw new ArgumentException("Every encoder input needs at least one token.", nameof(inputs));
            }
            CheckTokens(inputs[b], b);
            for (int t = 0; t < inputs[b].Length; t++)
            {
                ids[b * width + t] = inputs[b][t];
            }
        }
        var buckets = RelativePositionBuckets.Table(width, 0, width, bidirectional: true, _architecture.Buckets, _architecture.MaxDistance);
        encoderBias = Tensors.Of(AttentionBias.Padding(inputs.Select(x => x.Length).ToList(), width), size, 1, 1, width);
        using var idsValue = Tensors.Of(ids, size, width);
        using var bucketsValue = Tensors.Of(buckets, width, width);
        return _encoder.Run(Weights, [(T5Architecture.InputIds, idsValue), (T5Architecture.EncoderBias, encoderBias), (T5Architecture.EncoderBuckets, bucketsValue)], _crossOutputs);
    }

    /// <summary>
    /// One decoder run over positions [start, start + time) of every row; keys of row b beyond <paramref name="lengths"/>[b]
    /// are padding. <paramref name="past"/> holds the cache of positions [0, start) (null: empty).
    /// </summary>
    private IDisposableReadOnlyCollection<OrtValue> Decode(long[] ids, int batch, int time, int start, int[] lengths, IReadOnlyList<OrtValue> cross, OrtValue encoderBias, IReadOnlyList<OrtValue>? past)
    {
        int total = start + time;
        var queries = new long[batch * time];
        var keys = new long[batch * total];
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < time; t++)
            {
                queries[b * time + t] = start + t < lengths[b] ? start + t : -1;
            }
            for (int s = 0; s < total; s++)
            {
                keys[b * total + s] = s < lengths[b] ? s : -1;
            }
        }
        var created = new List<OrtValue>();
        OrtValue Track(OrtValue value)
        {
            created.Add(value);
            return value;
        }
        try
        {
            var inputs = new List<(string, OrtValue)>
            {
                (T5Architecture.DecoderInputIds, Track(Tensors.Of(ids, batch, time))),
                (T5Architecture.DecoderBias, Track(Tensors.Of(AttentionBias.Causal(queries, keys, batch, 0), batch, 1, time, total))),
                (T5Architecture.DecoderBuckets, Track(Tensors.Of(RelativePositionBuckets.Table(time, start, total, bidirectional: false, _architecture.Buckets, _architecture.MaxDistance), time, total))),
                (T5Architecture.EncoderBias, encoderBias),
            };
            long heads = _architecture.Heads, d = _architecture.KeyValueSize;
            for (int i = 0; i < _architecture.DecoderLayers; i++)
            {
                inputs.Add((T5Architecture.CrossKey(i), cross[2 * i]));
                inputs.Add((T5Architecture.CrossValue(i), cross[2 * i + 1]));
                inputs.Add((T5Architecture.PastKey(i), past?[2 * i] ?? Track(Tensors.Of(Array.Empty<float>(), batch, heads, d, 0))));
                inputs.Add((T5Architecture.PastValue(i), past?[2 * i + 1] ?? Track(Tensors.Of(Array.Empty<float>(), batch, heads, 0, d))));
            }
            return _decoder.Run(Weights, inputs, _decoderOutputs);
        }
        finally
        {
            foreach (var value in created)
            {
                value.Dispose();
            }
        }
    }

    private void CheckTokens(int[] tokens, int index)
    {
        foreach (int token in tokens)
        {
            if ((uint)token >= (uint)VocabSize)
            {
                throw new ArgumentException($"Sequence {index}: token id {token} is outside the vocabulary (size {VocabSize}).");
            }
        }
    }

    private IEnumerable<T[]> Batches<T>(IEnumerable<T> items, Func<T, int> length) =>
        items.OrderByDescending(length).Chunk(Math.Max(1, Options.MaxBatchSize)).Select(batch =>
        {
            Options.Cancellation.ThrowIfCancellationRequested();
            return batch;
        });

    /// <inheritdoc />
    protected override void DisposeSessions()
    {
        _encoder.Dispose();
        _decoder.Dispose();
    }
}
