using System.Text.Json.Nodes;
using SwarmMerge.IO;

namespace SwarmMerge.Bench;

/// <summary>
/// The shape of a published decoder, from its Hugging Face <c>config.json</c>: the tensors its checkpoint holds (names,
/// shapes, BF16) and the config the engine reads, for checkpoints of random weights that cost what the real model costs.
/// </summary>
/// <param name="Name">Short name (<c>0.5b</c>, <c>1.5b</c>, <c>8b</c>).</param>
/// <param name="Model">The published model this is the shape of.</param>
/// <param name="ModelType"><c>qwen2</c> or <c>llama</c>.</param>
/// <param name="Hidden"><c>hidden_size</c>.</param>
/// <param name="Layers"><c>num_hidden_layers</c>.</param>
/// <param name="Heads"><c>num_attention_heads</c>.</param>
/// <param name="KvHeads"><c>num_key_value_heads</c>.</param>
/// <param name="Intermediate"><c>intermediate_size</c>.</param>
/// <param name="Vocab"><c>vocab_size</c> (the embedding's rows).</param>
/// <param name="Tied"><c>tie_word_embeddings</c> (no <c>lm_head.weight</c> in the checkpoint).</param>
/// <param name="RopeTheta"><c>rope_theta</c>.</param>
internal sealed record RealShape(string Name, string Model, string ModelType, int Hidden, int Layers, int Heads, int KvHeads, int Intermediate, int Vocab, bool Tied, double RopeTheta)
{
    /// <summary>Qwen/Qwen2.5-0.5B's config.json.</summary>
    public static readonly RealShape Qwen05B = new("0.5b", "Qwen2.5-0.5B", "qwen2", 896, 24, 14, 2, 4864, 151936, Tied: true, 1_000_000);

    /// <summary>Qwen/Qwen2.5-1.5B's config.json.</summary>
    public static readonly RealShape Qwen15B = new("1.5b", "Qwen2.5-1.5B", "qwen2", 1536, 28, 12, 2, 8960, 151936, Tied: true, 1_000_000);

    /// <summary>meta-llama/Meta-Llama-3-8B's config.json (only for estimates: never written here).</summary>
    public static readonly RealShape Llama3_8B = new("8b", "Meta-Llama-3-8B", "llama", 4096, 32, 32, 8, 14336, 128256, Tied: false, 500_000);

    /// <summary>The shapes a run can ask for, by name.</summary>
    public static RealShape Parse(string name) => new[] { Qwen05B, Qwen15B }.FirstOrDefault(s => s.Name == name.ToLowerInvariant())
        ?? throw new ArgumentException($"--size {name}: expected 0.5b or 1.5b");

    /// <summary>Width of one attention head.</summary>
    public int HeadDim => Hidden / Heads;

    /// <summary>Every tensor of the checkpoint, in the order transformers writes them (Qwen2 has q/k/v biases).</summary>
    public List<OutputTensor> Tensors()
    {
        int kv = KvHeads * HeadDim;
        bool qkvBias = ModelType == "qwen2";
        var tensors = new List<OutputTensor> { new("model.embed_tokens.weight", TensorDType.BF16, [Vocab, Hidden]) };
        for (int l = 0; l < Layers; l++)
        {
            string p = $"model.layers.{l}.";
            tensors.Add(new(p + "input_layernorm.weight", TensorDType.BF16, [Hidden]));
            foreach (var (proj, rows) in new[] { ("q_proj", Hidden), ("k_proj", kv), ("v_proj", kv) })
            {
                tensors.Add(new(p + $"self_attn.{proj}.weight", TensorDType.BF16, [rows, Hidden]));
                if (qkvBias)
                {
                    tensors.Add(new(p + $"self_attn.{proj}.bias", TensorDType.BF16, [rows]));
                }
            }
            tensors.Add(new(p + "self_attn.o_proj.weight", TensorDType.BF16, [Hidden, Hidden]));
            tensors.Add(new(p + "post_attention_layernorm.weight", TensorDType.BF16, [Hidden]));
            tensors.Add(new(p + "mlp.gate_proj.weight", TensorDType.BF16, [Intermediate, Hidden]));
            tensors.Add(new(p + "mlp.up_proj.weight", TensorDType.BF16, [Intermediate, Hidden]));
            tensors.Add(new(p + "mlp.down_proj.weight", TensorDType.BF16, [Hidden, Intermediate]));
        }
        tensors.Add(new("model.norm.weight", TensorDType.BF16, [Hidden]));
        if (!Tied)
        {
            tensors.Add(new("lm_head.weight", TensorDType.BF16, [Vocab, Hidden]));
        }
        return tensors;
    }

    /// <summary>Parameters of the checkpoint (a tied head counted once).</summary>
    public long Parameters => Tensors().Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));

    /// <summary>Parameters outside the embedding and the head: those every token goes through in a matrix product.</summary>
    public long BodyParameters => Parameters - (long)Vocab * Hidden * (Tied ? 1 : 2);

    /// <summary>
    /// The model's config.json, with the published values; the token ids are those of the tokenizer the benchmark copies
    /// (<paramref name="bos"/>, <paramref name="eos"/>), which are far below <see cref="Vocab"/>.
    /// </summary>
    public JsonObject Config(int bos, int eos) => new()
    {
        ["architectures"] = new JsonArray(ModelType == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"),
        ["model_type"] = ModelType,
        ["hidden_size"] = Hidden,
        ["intermediate_size"] = Intermediate,
        ["num_hidden_layers"] = Layers,
        ["num_attention_heads"] = Heads,
        ["num_key_value_heads"] = KvHeads,
        ["vocab_size"] = Vocab,
        ["max_position_embeddings"] = 32768,
        ["rms_norm_eps"] = 1e-6,
        ["rope_theta"] = RopeTheta,
        ["hidden_act"] = "silu",
        ["tie_word_embeddings"] = Tied,
        ["use_sliding_window"] = false,
        ["bos_token_id"] = bos,
        ["eos_token_id"] = eos,
        ["torch_dtype"] = "bfloat16",
    };
}
