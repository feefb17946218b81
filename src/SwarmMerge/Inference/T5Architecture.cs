using SwarmMerge.Inference.Onnx;
using DataType = SwarmMerge.Inference.Onnx.TensorProto.Types.DataType;
using SwarmMerge.Models;

namespace SwarmMerge.Inference;

/// <summary>
/// T5 (<c>T5ForConditionalGeneration</c>): RMS layer norms, unscaled attention with relative position buckets
/// (bias from block 0, shared by all blocks), ReLU (T5) or gated-GELU (Flan-T5) feed-forward, and an LM head
/// either tied to <c>shared.weight</c> (hidden states scaled by d_model^−0.5) or separate.
/// Two graphs: the encoder runs once per batch and emits each decoder layer's cross-attention keys and values;
/// the decoder takes them plus its own self-attention cache (past length may be 0).
/// </summary>
internal sealed class T5Architecture
{
    public const string InputIds = "input_ids";
    public const string EncoderBias = "encoder_bias";            // [B, 1, 1, S] padding mask
    public const string EncoderBuckets = "encoder_buckets";      // [S, S] int64
    public const string DecoderInputIds = "decoder_input_ids";   // [B, T]
    public const string DecoderBias = "decoder_bias";            // [B, 1, T, P + T] causal + padding mask
    public const string DecoderBuckets = "decoder_buckets";      // [T, P + T] int64
    public const string Logits = "logits";

    public static string CrossKey(int layer) => $"cross.{layer}.key";
    public static string CrossValue(int layer) => $"cross.{layer}.value";
    public static string PastKey(int layer) => $"past.{layer}.key";
    public static string PastValue(int layer) => $"past.{layer}.value";
    public static string PresentKey(int layer) => $"present.{layer}.key";
    public static string PresentValue(int layer) => $"present.{layer}.value";

    public required int Model { get; init; }
    public required int KeyValueSize { get; init; }
    public required int Heads { get; init; }
    public required int EncoderLayers { get; init; }
    public required int DecoderLayers { get; init; }
    public required int VocabSize { get; init; }
    public required int Buckets { get; init; }
    public required int MaxDistance { get; init; }
    public required float Epsilon { get; init; }
    public required string Activation { get; init; }
    public required bool Gated { get; init; }
    public required bool TiedHead { get; init; }
    public required int DecoderStartTokenId { get; init; }
    public required int[] EosTokenIds { get; init; }
    public required IReadOnlyList<WeightSpec> Weights { get; init; }
    public required IReadOnlyDictionary<string, string> Tied { get; init; }

    private long Inner => (long)Heads * KeyValueSize;

    public static T5Architecture FromConfig(ConfigReader config)
    {
        int model = config.Size("d_model");
        int kvSize = config.Size("d_kv");
        int ff = config.Size("d_ff");
        int heads = config.Size("num_heads");
        int encoderLayers = config.Size("num_layers");
        int decoderLayers = config.Size("num_decoder_layers", encoderLayers);
        int vocab = config.Size("vocab_size");
        int buckets = config.Size("relative_attention_num_buckets", 32);
        string projection = config.String("feed_forward_proj", "relu");
        string[] parts = projection.Split('-');
        bool gated = parts.Length == 2 && parts[0] == "gated";
        if (parts.Length > 2 || (parts.Length == 2 && !gated))
        {
            throw config.Invalid("feed_forward_proj", $"is '{projection}'; expected an activation or 'gated-<activation>'");
        }
        string activation = projection == "gated-gelu" ? "gelu_new" : Activations.Validate(config, "feed_forward_proj", parts[^1]);
        bool tied = config.Bool("tie_word_embeddings", true);
        long inner = (long)heads * kvSize;

        var weights = new WeightList(config) { new("shared.weight", [vocab, model]) { AlternativeNames = ["encoder.embed_tokens.weight", "decoder.embed_tokens.weight"] } };
        void Attention(string prefix, bool relative)
        {
            foreach (string name in new[] { "q", "k", "v" })
            {
                weights.Add(new($"{prefix}.{name}.weight", [inner, model]));
            }
            weights.Add(new($"{prefix}.o.weight", [model, inner]));
            if (relative)
            {
                weights.Add(new($"{prefix}.relative_attention_bias.weight", [buckets, heads]));
            }
        }
        void FeedForward(string prefix)
        {
            foreach (string name in gated ? new[] { "wi_0", "wi_1" } : ["wi"])
            {
                weights.Add(new($"{prefix}.DenseReluDense.{name}.weight", [ff, model]));
            }
            weights.Add(new($"{prefix}.DenseReluDense.wo.weight", [model, ff]));
            weights.Add(new($"{prefix}.layer_norm.weight", [model]));
        }
        for (int i = 0; i < encoderLayers; i++)
        {
            Attention($"encoder.block.{i}.layer.0.SelfAttention", relative: i == 0);
            weights.Add(new($"encoder.block.{i}.layer.0.layer_norm.weight", [model]));
            FeedForward($"encoder.block.{i}.layer.1");
        }
        weights.Add(new("encoder.final_layer_norm.weight", [model]));
        for (int i = 0; i < decoderLayers; i++)
        {
            Attention($"decoder.block.{i}.layer.0.SelfAttention", relative: i == 0);
            weights.Add(new($"decoder.block.{i}.layer.0.layer_norm.weight", [model]));
            Attention($"decoder.block.{i}.layer.1.EncDecAttention", relative: false);
            weights.Add(new($"decoder.block.{i}.layer.1.layer_norm.weight", [model]));
            FeedForward($"decoder.block.{i}.layer.2");
        }
        weights.Add(new("decoder.final_layer_norm.weight", [model]));
        var tiedNames = new Dictionary<string, string> { ["encoder.embed_tokens.weight"] = "shared.weight", ["decoder.embed_tokens.weight"] = "shared.weight" };
        if (tied)
        {
            tiedNames["lm_head.weight"] = "shared.weight";
        }
        else
        {
            weights.Add(new("lm_head.weight", [vocab, model]));
        }

        return new T5Architecture
        {
            Model = model,
            KeyValueSize = kvSize,
            Heads = heads,
            EncoderLayers = encoderLayers,
            DecoderLayers = decoderLayers,
            VocabSize = vocab,
            Buckets = buckets,
            MaxDistance = config.Size("relative_attention_max_distance", 128),
            Epsilon = config.NonNegativeFloat("layer_norm_epsilon", 1e-6f),
            Activation = activation,
            Gated = gated,
            TiedHead = tied,
            DecoderStartTokenId = config.Index("decoder_start_token_id", config.Index("pad_token_id", 0)),
            EosTokenIds = config.Has("eos_token_id") ? config.TokenIds("eos_token_id") : [1],
            Weights = weights,
            Tied = tiedNames,
        };
    }

    private GraphBuilder NewGraph()
    {
        var g = new GraphBuilder();
        foreach (var weight in Weights)
        {
            g.Weight(weight.Name, weight.Shape);
        }
        return g;
    }

    /// <summary>Position bias [1, heads, Tq, Tk] from a bucket table [Tq, Tk] and a relative_attention_bias weight.</summary>
    private static string PositionBias(GraphBuilder g, string table, string buckets) =>
        g.Unsqueeze(g.Transpose(g.Gather(table, buckets), 2, 0, 1), 0);

    private string FeedForward(GraphBuilder g, string h, string prefix)
    {
        var x = g.RmsNorm(h, prefix + ".layer_norm.weight", Epsilon);
        string ff = prefix + ".DenseReluDense.";
        var hidden = Gated
            ? g.Mul(Activations.Apply(g, Activation, g.Linear(x, ff + "wi_0.weight")), g.Linear(x, ff + "wi_1.weight"))
            : Activations.Apply(g, Activation, g.Linear(x, ff + "wi.weight"));
        return g.Add(h, g.Linear(hidden, ff + "wo.weight"));
    }

    public byte[] BuildEncoderGraph()
    {
        var g = NewGraph();
        g.Input(InputIds, DataType.Int64, "batch", "source");
        g.Input(EncoderBias, DataType.Float, "batch", 1L, 1L, "source");
        g.Input(EncoderBuckets, DataType.Int64, "source", "source");
        var batchTime = g.Shape(InputIds);
        var bias = g.Add(PositionBias(g, "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", EncoderBuckets), EncoderBias);

        var h = g.Reshape(g.Gather("shared.weight", InputIds), -1, Model);
        for (int i = 0; i < EncoderLayers; i++)
        {
            string a = $"encoder.block.{i}.layer.0";
            var x = g.RmsNorm(h, a + ".layer_norm.weight", Epsilon);
            string attention = a + ".SelfAttention.";
            var q = AttentionOps.Heads(g, g.Linear(x, attention + "q.weight"), batchTime, Heads, KeyValueSize);
            var k = AttentionOps.KeyHeads(g, g.Linear(x, attention + "k.weight"), batchTime, Heads, KeyValueSize);
            var v = AttentionOps.Heads(g, g.Linear(x, attention + "v.weight"), batchTime, Heads, KeyValueSize);
            var context = AttentionOps.Attend(g, q, k, v, 1f, bias, Heads, KeyValueSize);
            h = g.Add(h, g.Linear(context, attention + "o.weight"));
            h = FeedForward(g, h, $"encoder.block.{i}.layer.1");
        }
        h = g.RmsNorm(h, "encoder.final_layer_norm.weight", Epsilon);

        for (int i = 0; i < DecoderLayers; i++)
        {
            string cross = $"decoder.block.{i}.layer.1.EncDecAttention.";
            var keys = AttentionOps.KeyHeads(g, g.Linear(h, cross + "k.weight"), batchTime, Heads, KeyValueSize);
            var values = AttentionOps.Heads(g, g.Linear(h, cross + "v.weight"), batchTime, Heads, KeyValueSize);
            g.Output(keys, CrossKey(i), DataType.Float, "batch", (long)Heads, (long)KeyValueSize, "source");
            g.Output(values, CrossValue(i), DataType.Float, "batch", (long)Heads, "source", (long)KeyValueSize);
        }
        return g.ToModelBytes();
    }

    public byte[] BuildDecoderGraph()
    {
        var g = NewGraph();
        g.Input(DecoderInputIds, DataType.Int64, "batch", "time");
        g.Input(DecoderBias, DataType.Float, "batch", 1L, "time", "total");
        g.Input(DecoderBuckets, DataType.Int64, "time", "total");
        g.Input(EncoderBias, DataType.Float, "batch", 1L, 1L, "source");
        for (int i = 0; i < DecoderLayers; i++)
        {
            g.Input(CrossKey(i), DataType.Float, "batch", (long)Heads, (long)KeyValueSize, "source");
            g.Input(CrossValue(i), DataType.Float, "batch", (long)Heads, "source", (long)KeyValueSize);
            g.Input(PastKey(i), DataType.Float, "batch", (long)Heads, (long)KeyValueSize, "past");
            g.Input(PastValue(i), DataType.Float, "batch", (long)Heads, "past", (long)KeyValueSize);
        }
        var batchTime = g.Shape(DecoderInputIds);
        var selfBias = g.Add(PositionBias(g, "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", DecoderBuckets), DecoderBias);

        var h = g.Reshape(g.Gather("shared.weight", DecoderInputIds), -1, Model);
        for (int i = 0; i < DecoderLayers; i++)
        {
            string self = $"decoder.block.{i}.layer.0";
            var x = g.RmsNorm(h, self + ".layer_norm.weight", Epsilon);
            string attention = self + ".SelfAttention.";
            var q = AttentionOps.Heads(g, g.Linear(x, attention + "q.weight"), batchTime, Heads, KeyValueSize);
            var keys = g.Concat(3, PastKey(i), AttentionOps.KeyHeads(g, g.Linear(x, attention + "k.weight"), batchTime, Heads, KeyValueSize));
            var values = g.Concat(2, PastValue(i), AttentionOps.Heads(g, g.Linear(x, attention + "v.weight"), batchTime, Heads, KeyValueSize));
            g.Output(keys, PresentKey(i), DataType.Float, "batch", (long)Heads, (long)KeyValueSize, "total");
            g.Output(values, PresentValue(i), DataType.Float, "batch", (long)Heads, "total", (long)KeyValueSize);
            h = g.Add(h, g.Linear(AttentionOps.Attend(g, q, keys, values, 1f, selfBias, Heads, KeyValueSize), attention + "o.weight"));

            string crossLayer = $"decoder.block.{i}.layer.1";
            x = g.RmsNorm(h, crossLayer + ".layer_norm.weight", Epsilon);
            q = AttentionOps.Heads(g, g.Linear(x, crossLayer + ".EncDecAttention.q.weight"), batchTime, Heads, KeyValueSize);
            var context = AttentionOps.Attend(g, q, CrossKey(i), CrossValue(i), 1f, EncoderBias, Heads, KeyValueSize);
            h = g.Add(h, g.Linear(context, crossLayer + ".EncDecAttention.o.weight"));

            h = FeedForward(g, h, $"decoder.block.{i}.layer.2");
        }
        h = g.RmsNorm(h, "decoder.final_layer_norm.weight", Epsilon);
        if (TiedHead)
        {
            h = g.Mul(h, 1f / MathF.Sqrt(Model));
        }
        var logits = g.Reshape(g.Linear(h, TiedHead ? "shared.weight" : "lm_head.weight"), g.ShapeOf(batchTime, (long)VocabSize));
        g.Output(logits, Logits, DataType.Float, "batch", "time", (long)VocabSize);
        return g.ToModelBytes();
    }
}
