using System.Text.Json.Nodes;
using SwarmMerge.IO;
using SwarmMerge.Models;

namespace SwarmMerge.Inference;

/// <summary>
/// A BERT or RoBERTa sequence classifier on ONNX Runtime: head logits for batches of (right-padded) inputs.
/// Candidates differ only in their <see cref="ModelWeights"/>. Not thread-safe.
/// </summary>
public sealed class SequenceClassificationModel : InferenceModel
{
    private readonly BertArchitecture _architecture;
    private readonly WeightedSession _session;

    private SequenceClassificationModel(BertArchitecture architecture, InferenceOptions options)
        : base(architecture.ModelType, architecture.Weights, new Dictionary<string, string>(), options)
    {
        _architecture = architecture;
        _session = new WeightedSession(architecture.BuildGraph(), architecture.Weights, options);
    }

    /// <summary>Builds the model for <paramref name="config"/> (a parsed <c>config.json</c>) with zeroed weights.</summary>
    /// <exception cref="ModelConfigException">Unsupported <c>model_type</c> or configuration.</exception>
    public static SequenceClassificationModel Create(JsonObject config, InferenceOptions? options = null, string source = "config.json")
    {
        var reader = new ConfigReader(config, source);
        string modelType = ModelFamilies.ModelType(reader, ModelFamily.SequenceClassification);
        return new SequenceClassificationModel(BertArchitecture.FromConfig(reader, modelType), options ?? new InferenceOptions());
    }

    /// <summary>Builds the model for <paramref name="checkpoint"/>'s config and loads its weights.</summary>
    public static SequenceClassificationModel Open(Checkpoint checkpoint, InferenceOptions? options = null) =>
        Loaded(Create(ModelFamilies.ConfigOf(checkpoint), options, Path.Combine(checkpoint.Directory, "config.json")), checkpoint);

    /// <summary>Number of classifier outputs.</summary>
    public int NumLabels => _architecture.Labels;

    /// <summary>Classifier logits [NumLabels] for each input.</summary>
    public IReadOnlyList<float[]> Classify(IReadOnlyList<EncoderInput> inputs)
    {
        var results = new float[inputs.Count][];
        var order = inputs.Select((input, index) => (Index: index, Input: input))
            .OrderByDescending(x => x.Input.InputIds.Length)
            .Chunk(Math.Max(1, Options.MaxBatchSize));
        foreach (var batch in order)
        {
            Options.Cancellation.ThrowIfCancellationRequested();
            int width = batch[0].Input.InputIds.Length, size = batch.Length;
            var ids = new long[size * width];
            var types = new long[size * width];
            var positions = new long[size * width];
            var lengths = new int[size];
            for (int b = 0; b < size; b++)
            {
                var (index, input) = batch[b];
                Validate(index, input);
                lengths[b] = input.InputIds.Length;
                var sequencePositions = _architecture.Positions(input.InputIds);
                for (int t = 0; t < lengths[b]; t++)
                {
                    ids[b * width + t] = input.InputIds[t];
                    types[b * width + t] = input.TokenTypeIds?[t] ?? 0;
                    positions[b * width + t] = sequencePositions[t];
                }
                for (int t = lengths[b]; t < width; t++)
                {
                    ids[b * width + t] = _architecture.PaddingIndex;
                    positions[b * width + t] = _architecture.PaddingIndex;
                }
            }
            using var idsValue = Tensors.Of(ids, size, width);
            using var typesValue = Tensors.Of(types, size, width);
            using var positionsValue = Tensors.Of(positions, size, width);
            using var biasValue = Tensors.Of(AttentionBias.Padding(lengths, width), size, 1, 1, width);
            using var outputs = _session.Run(Weights,
                [(BertArchitecture.InputIds, idsValue), (BertArchitecture.TokenTypeIds, typesValue), (BertArchitecture.PositionIds, positionsValue), (BertArchitecture.AttentionBias, biasValue)],
                [BertArchitecture.Logits]);
            var logits = outputs[0].GetTensorDataAsSpan<float>();
            for (int b = 0; b < size; b++)
            {
                results[batch[b].Index] = logits.Slice(b * NumLabels, NumLabels).ToArray();
            }
        }
        return results;
    }

    private void Validate(int index, EncoderInput input)
    {
        if (input.InputIds.Length == 0)
        {
            throw new ArgumentException($"Input {index} has no tokens.");
        }
        if (input.TokenTypeIds is { } typeIds && typeIds.Length != input.InputIds.Length)
        {
            throw new ArgumentException($"Input {index} has {typeIds.Length} token type ids for {input.InputIds.Length} tokens.");
        }
        long lastPosition = _architecture.Positions(input.InputIds).Max();
        if (lastPosition >= _architecture.MaxPositions)
        {
            throw new ArgumentException($"Input {index} ({input.InputIds.Length} tokens) needs position {lastPosition}, beyond max_position_embeddings ({_architecture.MaxPositions}).");
        }
        foreach (int token in input.InputIds)
        {
            if ((uint)token >= (uint)_architecture.VocabSize)
            {
                throw new ArgumentException($"Input {index}: token id {token} is outside the vocabulary (size {_architecture.VocabSize}).");
            }
        }
        if (input.TokenTypeIds?.Any(t => (uint)t >= (uint)_architecture.TypeVocabSize) == true)
        {
            throw new ArgumentException($"Input {index}: a token type id is outside [0, {_architecture.TypeVocabSize}).");
        }
    }

    /// <inheritdoc />
    protected override void DisposeSessions() => _session.Dispose();
}
