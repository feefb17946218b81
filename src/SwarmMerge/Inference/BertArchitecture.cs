using SwarmMerge.Inference.Onnx;
using DataType = SwarmMerge.Inference.Onnx.TensorProto.Types.DataType;
using SwarmMerge.Models;

namespace SwarmMerge.Inference;

/// <summary>
/// BERT and RoBERTa with a sequence-classification head (<c>BertForSequenceClassification</c>: pooler dense+tanh, then
/// classifier; <c>RobertaForSequenceClassification</c>: dense+tanh, then out_proj, on the first token). Post-LayerNorm
/// blocks, absolute positions (RoBERTa's start after <c>pad_token_id</c>). Graph inputs: <c>input_ids</c>,
/// <c>token_type_ids</c>, <c>position_ids</c> [B, T] and <c>attention_bias</c> [B, 1, 1, T]; output <c>logits</c> [B, labels].
/// </summary>
internal sealed class BertArchitecture
{
    public const string InputIds = "input_ids";
    public const string TokenTypeIds = "token_type_ids";
    public const string PositionIds = "position_ids";
    public const string AttentionBias = "attention_bias";
    public const string Logits = "logits";

    public required string ModelType { get; init; }
    public required int Hidden { get; init; }
    public required int Heads { get; init; }
    public required int Layers { get; init; }
    public required int VocabSize { get; init; }
    public required int TypeVocabSize { get; init; }
    public required int MaxPositions { get; init; }
    public required int Labels { get; init; }
    public required int PaddingIndex { get; init; }
    public required float Epsilon { get; init; }
    public required string Activation { get; init; }
    public required IReadOnlyList<WeightSpec> Weights { get; init; }

    private string Prefix => ModelType + ".";
    private bool IsRoberta => ModelType == "roberta";

    public static BertArchitecture FromConfig(ConfigReader config, string modelType)
    {
        int hidden = config.Size("hidden_size");
        int heads = config.Size("num_attention_heads");
        int layers = config.Size("num_hidden_layers");
        int inner = config.Size("intermediate_size");
        int vocab = config.Size("vocab_size");
        bool roberta = modelType == "roberta";
        int types = config.Size("type_vocab_size", roberta ? 1 : 2);
        int positions = config.Size("max_position_embeddings", roberta ? 514 : 512);
        int labels = config.Object("id2label") is { } map ? map.Json.Count : config.Size("num_labels", 2);
        if (labels < 1)
        {
            throw config.Invalid("id2label", "is empty; a classification head needs at least one label");
        }
        if (hidden % heads != 0)
        {
            throw config.Invalid("hidden_size", $"({hidden}) is not a multiple of num_attention_heads ({heads})");
        }
        string positionType = config.String("position_embedding_type", "absolute");
        if (positionType != "absolute")
        {
            throw config.Invalid("position_embedding_type", $"is '{positionType}'; only 'absolute' is supported");
        }

        string p = modelType + ".";
        var weights = new WeightList(config)
        {
            new(p + "embeddings.word_embeddings.weight", [vocab, hidden]),
            new(p + "embeddings.position_embeddings.weight", [positions, hidden]),
            new(p + "embeddings.token_type_embeddings.weight", [types, hidden]),
        };
        AddLayerNorm(weights, p + "embeddings.LayerNorm", hidden);
        for (int i = 0; i < layers; i++)
        {
            string l = $"{p}encoder.layer.{i}.";
            AddLinear(weights, l + "attention.self.query", hidden, hidden);
            AddLinear(weights, l + "attention.self.key", hidden, hidden);
            AddLinear(weights, l + "attention.self.value", hidden, hidden);
            AddLinear(weights, l + "attention.output.dense", hidden, hidden);
            AddLayerNorm(weights, l + "attention.output.LayerNorm", hidden);
            AddLinear(weights, l + "intermediate.dense", inner, hidden);
            AddLinear(weights, l + "output.dense", hidden, inner);
            AddLayerNorm(weights, l + "output.LayerNorm", hidden);
        }
        if (roberta)
        {
            AddLinear(weights, "classifier.dense", hidden, hidden);
            AddLinear(weights, "classifier.out_proj", labels, hidden);
        }
        else
        {
            AddLinear(weights, p + "pooler.dense", hidden, hidden);
            AddLinear(weights, "classifier", labels, hidden);
        }

        return new BertArchitecture
        {
            ModelType = modelType,
            Hidden = hidden,
            Heads = heads,
            Layers = layers,
            VocabSize = vocab,
            TypeVocabSize = types,
            MaxPositions = positions,
            Labels = labels,
            PaddingIndex = config.Index("pad_token_id", roberta ? 1 : 0),
            Epsilon = config.NonNegativeFloat("layer_norm_eps", 1e-12f),
            Activation = Activations.Validate(config, "hidden_act", config.String("hidden_act", "gelu")),
            Weights = weights,
        };
    }

    private static void AddLinear(WeightList weights, string name, long outputs, long inputs)
    {
        weights.Add(new(name + ".weight", [outputs, inputs]));
        weights.Add(new(name + ".bias", [outputs]));
    }

    // Old BERT checkpoints name LayerNorm parameters gamma/beta; transformers renames them on load, and so do we.
    private static void AddLayerNorm(WeightList weights, string name, long size)
    {
        weights.Add(new(name + ".weight", [size]) { AlternativeNames = [name + ".gamma"] });
        weights.Add(new(name + ".bias", [size]) { AlternativeNames = [name + ".beta"] });
    }

    /// <summary>Position ids of one unpadded sequence, as Hugging Face derives them.</summary>
    public long[] Positions(int[] tokens)
    {
        var positions = new long[tokens.Length];
        int count = 0;
        for (int t = 0; t < tokens.Length; t++)
        {
            // RoBERTa: padding_idx + running count of non-padding tokens (padding tokens get padding_idx).
            positions[t] = !IsRoberta ? t : tokens[t] == PaddingIndex ? PaddingIndex : PaddingIndex + ++count;
        }
        return positions;
    }

    public byte[] BuildGraph()
    {
        var g = new GraphBuilder();
        g.Input(InputIds, DataType.Int64, "batch", "time");
        g.Input(TokenTypeIds, DataType.Int64, "batch", "time");
        g.Input(PositionIds, DataType.Int64, "batch", "time");
        g.Input(AttentionBias, DataType.Float, "batch", 1L, 1L, "time");
        foreach (var weight in Weights)
        {
            g.Weight(weight.Name, weight.Shape);
        }
        string W(string name) => Prefix + name;
        var batchTime = g.Shape(InputIds);
        long headDim = Hidden / Heads;

        var embeddings = g.Add(g.Add(
            g.Gather(W("embeddings.word_embeddings.weight"), InputIds),
            g.Gather(W("embeddings.token_type_embeddings.weight"), TokenTypeIds)),
            g.Gather(W("embeddings.position_embeddings.weight"), PositionIds));
        var h = g.LayerNorm(g.Reshape(embeddings, -1, Hidden), W("embeddings.LayerNorm.weight"), W("embeddings.LayerNorm.bias"), Epsilon);
        for (int i = 0; i < Layers; i++)
        {
            string l = $"encoder.layer.{i}.";
            string Linear(string x, string name) => g.Linear(x, W(l + name + ".weight"), W(l + name + ".bias"));
            var q = AttentionOps.Heads(g, Linear(h, "attention.self.query"), batchTime, Heads, headDim);
            var k = AttentionOps.KeyHeads(g, Linear(h, "attention.self.key"), batchTime, Heads, headDim);
            var v = AttentionOps.Heads(g, Linear(h, "attention.self.value"), batchTime, Heads, headDim);
            var context = AttentionOps.Attend(g, q, k, v, 1f / MathF.Sqrt(headDim), AttentionBias, Heads, headDim);
            h = g.LayerNorm(g.Add(Linear(context, "attention.output.dense"), h), W(l + "attention.output.LayerNorm.weight"), W(l + "attention.output.LayerNorm.bias"), Epsilon);
            var m = Activations.Apply(g, Activation, Linear(h, "intermediate.dense"));
            h = g.LayerNorm(g.Add(Linear(m, "output.dense"), h), W(l + "output.LayerNorm.weight"), W(l + "output.LayerNorm.bias"), Epsilon);
        }

        // The first token of each sequence ([CLS] / <s>); sequences are right-padded, so it is never padding.
        var first = g.Gather(g.Reshape(h, g.ShapeOf(batchTime, (long)Hidden)), g.Ints(0), axis: 1);
        first = g.Reshape(first, -1, Hidden);
        string logits = IsRoberta
            ? g.Linear(g.Tanh(g.Linear(first, "classifier.dense.weight", "classifier.dense.bias")), "classifier.out_proj.weight", "classifier.out_proj.bias")
            : g.Linear(g.Tanh(g.Linear(first, W("pooler.dense.weight"), W("pooler.dense.bias"))), "classifier.weight", "classifier.bias");
        g.Output(logits, Logits, DataType.Float, "batch", (long)Labels);
        return g.ToModelBytes();
    }
}
