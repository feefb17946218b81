namespace SwarmMerge.Inference;

/// <summary>
/// What one Llama-style decoder computes, read from its <c>config.json</c> by <see cref="LlamaConfigs"/>: the sizes, and
/// each way the family's members depart from Llama (fused projections, per-head norms, Gemma's norms and soft-caps,
/// sliding windows, rotary settings). <see cref="LlamaArchitecture"/> turns it into weights and a graph.
/// </summary>
internal sealed record LlamaLayout
{
    public required int Hidden { get; init; }
    public required int Heads { get; init; }
    public required int KvHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int Inner { get; init; }
    public required int Layers { get; init; }
    public required int VocabSize { get; init; }
    public required float Epsilon { get; init; }

    /// <summary>The MLP's gate activation (an <see cref="Activations"/> name).</summary>
    public required string Activation { get; init; }

    /// <summary>q, k and v projections have biases (Qwen2; <c>attention_bias</c>).</summary>
    public bool QkvBias { get; init; }

    /// <summary>The output projection has a bias (<c>attention_bias</c>).</summary>
    public bool OutputBias { get; init; }

    /// <summary>gate, up and down projections have biases (Llama's <c>mlp_bias</c>).</summary>
    public bool MlpBias { get; init; }

    /// <summary>The LM head is the input embedding (no <c>lm_head.weight</c>).</summary>
    public bool TiedHead { get; init; }

    /// <summary>Phi-3: one <c>qkv_proj</c> whose output rows are q | k | v.</summary>
    public bool FusedQkv { get; init; }

    /// <summary>Phi-3: one <c>gate_up_proj</c> whose output rows are gate | up.</summary>
    public bool FusedGateUp { get; init; }

    /// <summary>Qwen3, Gemma 3: <c>q_norm</c> and <c>k_norm</c> over head_dim on each head's q and k, before RoPE.</summary>
    public bool QkNorm { get; init; }

    /// <summary>Gemma: every RMSNorm scales by 1 + weight (the stored weight is an offset from 1).</summary>
    public bool OffsetNorms { get; init; }

    /// <summary>
    /// Gemma 2 and 3: <c>post_attention_layernorm</c> normalizes the attention output before the residual add, and
    /// <c>pre_feedforward_layernorm</c> / <c>post_feedforward_layernorm</c> wrap the MLP (in Llama,
    /// <c>post_attention_layernorm</c> is the norm before the MLP).
    /// </summary>
    public bool SandwichNorms { get; init; }

    /// <summary>The embeddings are multiplied by this (Gemma: √hidden_size rounded to float32); 1 for none.</summary>
    public float EmbeddingScale { get; init; } = 1;

    /// <summary>The factor of q·kᵀ: head_dim^−½, or Gemma's query_pre_attn_scalar^−½.</summary>
    public required float AttentionScale { get; init; }

    /// <summary>Attention scores become cap·tanh(score / cap) for this cap (Gemma 2); 0 for none.</summary>
    public float AttentionSoftcap { get; init; }

    /// <summary>Logits become cap·tanh(logit / cap) for this cap (Gemma's final_logit_softcapping); 0 for none.</summary>
    public float FinalSoftcap { get; init; }

    /// <summary>How many leading dimensions of each head RoPE turns (head_dim unless Phi-3's partial_rotary_factor says less).</summary>
    public required int RotaryDims { get; init; }

    /// <summary>The rotary inverse frequencies (RotaryDims / 2 of them) of full-attention layers, and of every layer without <see cref="SlidingFrequencies"/>.</summary>
    public required float[] Frequencies { get; init; }

    /// <summary>Phi-3's longrope: per-sequence short or long frequencies in place of <see cref="Frequencies"/> (its short ones); null for none.</summary>
    public LongRope? LongRope { get; init; }

    /// <summary>Gemma 3: the frequencies of sliding-window layers (rope_local_base_freq, unscaled); null when they are <see cref="Frequencies"/>.</summary>
    public float[]? SlidingFrequencies { get; init; }

    /// <summary>Each layer's sliding window (0: full attention); null when no layer has one.</summary>
    public IReadOnlyList<int>? LayerWindows { get; init; }

    /// <summary>End-of-sequence token ids.</summary>
    public int[] EosTokenIds { get; init; } = [];
}
