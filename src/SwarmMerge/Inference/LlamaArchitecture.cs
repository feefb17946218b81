using SwarmMerge.Models;

namespace SwarmMerge.Inference;

/// <summary>
/// Llama-style decoders (<c>LlamaForCausalLM</c>, <c>MistralForCausalLM</c>, <c>Qwen2ForCausalLM</c>,
/// <c>Qwen3ForCausalLM</c>, <c>Phi3ForCausalLM</c>, <c>Gemma2ForCausalLM</c>, <c>Gemma3ForCausalLM</c>): RMSNorm, rotary
/// positions, grouped-query attention, a gated MLP. What each member changes is its <see cref="LlamaLayout"/>; this
/// class declares the weights the layout needs, with Hugging Face's names and shapes, and builds the graph.
/// </summary>
internal sealed class LlamaArchitecture : CausalArchitecture
{
    public required LlamaLayout Layout { get; init; }

    /// <summary>The architecture of <paramref name="layout"/> (read from <paramref name="config"/>, which names the file in errors).</summary>
    public static LlamaArchitecture Create(ConfigReader config, string modelType, LlamaLayout layout) => new()
    {
        ModelType = modelType,
        Layers = layout.Layers,
        KvHeads = layout.KvHeads,
        HeadDim = layout.HeadDim,
        VocabSize = layout.VocabSize,
        LayerWindows = layout.LayerWindows,
        RecomputeCacheAfter = layout.LongRope?.OriginalContext ?? 0,
        EosTokenIds = layout.EosTokenIds,
        Weights = Declare(config, layout),
        Tied = layout.TiedHead ? new Dictionary<string, string> { ["lm_head.weight"] = "model.embed_tokens.weight" } : new Dictionary<string, string>(),
        Layout = layout,
    };

    private static WeightList Declare(ConfigReader config, LlamaLayout l)
    {
        long hidden = l.Hidden, q = (long)l.Heads * l.HeadDim, kv = (long)l.KvHeads * l.HeadDim, inner = l.Inner;
        var weights = new WeightList(config) { new("model.embed_tokens.weight", [l.VocabSize, hidden]) };
        void Linear(string name, long outFeatures, long inFeatures, bool bias)
        {
            weights.Add(new(name + ".weight", [outFeatures, inFeatures]));
            if (bias)
            {
                weights.Add(new(name + ".bias", [outFeatures]));
            }
        }
        for (int i = 0; i < l.Layers; i++)
        {
            string p = $"model.layers.{i}.";
            weights.Add(new(p + "input_layernorm.weight", [hidden]));
            if (l.FusedQkv)
            {
                Linear(p + "self_attn.qkv_proj", q + 2 * kv, hidden, l.QkvBias);
            }
            else
            {
                // Weights first, then biases (the order earlier versions declared them in).
                var projections = new[] { ("q_proj", q), ("k_proj", kv), ("v_proj", kv) };
                foreach (var (name, rows) in projections)
                {
                    Linear(p + "self_attn." + name, rows, hidden, bias: false);
                }
                foreach (var (name, rows) in projections.Where(_ => l.QkvBias))
                {
                    weights.Add(new(p + "self_attn." + name + ".bias", [rows]));
                }
            }
            if (l.QkNorm)
            {
                weights.Add(new(p + "self_attn.q_norm.weight", [l.HeadDim]));
                weights.Add(new(p + "self_attn.k_norm.weight", [l.HeadDim]));
            }
            Linear(p + "self_attn.o_proj", hidden, q, l.OutputBias);
            weights.Add(new(p + "post_attention_layernorm.weight", [hidden]));
            if (l.SandwichNorms)
            {
                weights.Add(new(p + "pre_feedforward_layernorm.weight", [hidden]));
                weights.Add(new(p + "post_feedforward_layernorm.weight", [hidden]));
            }
            if (l.FusedGateUp)
            {
                Linear(p + "mlp.gate_up_proj", 2 * inner, hidden, l.MlpBias);
            }
            else
            {
                Linear(p + "mlp.gate_proj", inner, hidden, l.MlpBias);
                Linear(p + "mlp.up_proj", inner, hidden, l.MlpBias);
            }
            Linear(p + "mlp.down_proj", hidden, inner, l.MlpBias);
        }
        weights.Add(new("model.norm.weight", [hidden]));
        if (!l.TiedHead)
        {
            weights.Add(new("lm_head.weight", [l.VocabSize, hidden]));
        }
        return weights;
    }

    public override byte[] BuildGraph()
    {
        var l = Layout;
        var graph = new CausalGraph(this);
        var g = graph.G;
        var full = l.LongRope is { } longRope
            ? longRope.Tables(g, CausalGraph.PositionIds)
            : RotaryEmbedding.Tables(g, CausalGraph.PositionIds, l.Frequencies);
        var sliding = l.SlidingFrequencies is { } local ? RotaryEmbedding.Tables(g, CausalGraph.PositionIds, local) : full;
        string? Bias(string name, bool present) => present ? name : null;
        string Norm(string x, string weight) => g.RmsNorm(x, l.OffsetNorms ? g.Add(weight, 1f) : weight, l.Epsilon);
        string Linear(string x, string name, bool bias) => g.Linear(x, name + ".weight", Bias(name + ".bias", bias));
        long q = (long)l.Heads * l.HeadDim, kv = (long)l.KvHeads * l.HeadDim;

        var h = graph.Embed("model.embed_tokens.weight", l.Hidden);
        if (l.EmbeddingScale != 1)
        {
            h = g.Mul(h, l.EmbeddingScale);
        }
        for (int i = 0; i < Layers; i++)
        {
            string p = $"model.layers.{i}.";
            string attn = p + "self_attn.";
            var (cos, sin) = WindowOf(i) > 0 ? sliding : full;
            string Rotate(string x) => RotaryEmbedding.Apply(g, x, cos, sin, l.RotaryDims, HeadDim);
            var a = Norm(h, p + "input_layernorm.weight");
            string[] qkv = l.FusedQkv
                ? g.Split(Linear(a, attn + "qkv_proj", l.QkvBias), 1, q, kv, kv)
                : [Linear(a, attn + "q_proj", l.QkvBias), Linear(a, attn + "k_proj", l.QkvBias), Linear(a, attn + "v_proj", l.QkvBias)];
            Func<string, string> query = l.QkNorm ? x => Rotate(Norm(x, attn + "q_norm.weight")) : Rotate;
            Func<string, string> key = l.QkNorm ? x => Rotate(Norm(x, attn + "k_norm.weight")) : Rotate;
            var context = graph.Attention(i, l.Heads, qkv[0], qkv[1], qkv[2], l.AttentionScale, query, key, l.AttentionSoftcap);
            var attended = Linear(context, attn + "o_proj", l.OutputBias);
            h = g.Add(h, l.SandwichNorms ? Norm(attended, p + "post_attention_layernorm.weight") : attended);

            string mlp = p + "mlp.";
            var m = Norm(h, p + (l.SandwichNorms ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight"));
            string[] gateUp = l.FusedGateUp
                ? g.Split(Linear(m, mlp + "gate_up_proj", l.MlpBias), 1, l.Inner, l.Inner)
                : [Linear(m, mlp + "gate_proj", l.MlpBias), Linear(m, mlp + "up_proj", l.MlpBias)];
            var down = Linear(g.Mul(Activations.Apply(g, l.Activation, gateUp[0]), gateUp[1]), mlp + "down_proj", l.MlpBias);
            h = g.Add(h, l.SandwichNorms ? Norm(down, p + "post_feedforward_layernorm.weight") : down);
        }
        h = Norm(h, "model.norm.weight");
        return graph.Finish(h, l.TiedHead ? "model.embed_tokens.weight" : "lm_head.weight", l.FinalSoftcap);
    }
}
