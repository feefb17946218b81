"""Independent PyTorch reference forward passes for the Hugging Face architectures that the
SwarmMerge scoring engine supports (no `transformers` dependency).

Every function is functional: it takes the parsed config.json (a dict) and a dict of weights
(HF tensor name -> torch tensor, already cast to the compute dtype, normally float64) and
returns logits. The semantics follow the Hugging Face modeling files named in each section
(checked by reading them; no code is shared with them):

    GPT-2       transformers/models/gpt2/modeling_gpt2.py        GPT2LMHeadModel
    Llama       transformers/models/llama/modeling_llama.py      LlamaForCausalLM
    Mistral     transformers/models/mistral/modeling_mistral.py  MistralForCausalLM
    Qwen2       transformers/models/qwen2/modeling_qwen2.py      Qwen2ForCausalLM
    Qwen3       transformers/models/qwen3/modeling_qwen3.py      Qwen3ForCausalLM
    Phi-3       transformers/models/phi3/modeling_phi3.py        Phi3ForCausalLM
    Gemma 2     transformers/models/gemma2/modeling_gemma2.py    Gemma2ForCausalLM
    Gemma 3     transformers/models/gemma3/modeling_gemma3.py    Gemma3ForCausalLM (gemma3_text)
    BERT        transformers/models/bert/modeling_bert.py        BertForSequenceClassification
    RoBERTa     transformers/models/roberta/modeling_roberta.py  RobertaForSequenceClassification
    T5          transformers/models/t5/modeling_t5.py            T5ForConditionalGeneration
    RoPE init   transformers/modeling_rope_utils.py              default / llama3

Conventions
    ids:   LongTensor [B, T]
    mask:  attention mask [B, S] of 0/1 over ALL key positions (past + current), like HF's
           `attention_mask`; None = all ones. Decoders accept left padding (positions are
           cumsum(mask) - 1, as HF generate computes them).
    past:  decoder KV cache: list over layers of (k, v), each [B, kv_heads, S_past, head_dim].
Masked scores get a large negative additive value (HF uses finfo(dtype).min); rows that are
entirely masked (pad query positions) produce finite garbage that callers ignore.
"""

from __future__ import annotations

import math

import torch

NEG = -1.0e30  # additive mask value (finite so fully masked pad rows stay finite)


# ---------------------------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------------------------

def gelu_tanh(x):
    """HF "gelu_new" / "gelu_pytorch_tanh": 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def gelu_erf(x):
    """HF "gelu" (exact): x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))."""
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def silu(x):
    return x * torch.sigmoid(x)


ACT = {
    "gelu_new": gelu_tanh,
    "gelu_pytorch_tanh": gelu_tanh,
    "gelu_fast": gelu_tanh,  # not bit-identical in HF (approximation), close enough here
    "gelu": gelu_erf,
    "relu": torch.relu,
    "silu": silu,
    "swish": silu,
}


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)  # biased variance, as nn.LayerNorm
    return (x - mu) / torch.sqrt(var + eps) * w + b


def rms_norm(x, w, eps):
    """LlamaRMSNorm / Qwen2RMSNorm / MistralRMSNorm / T5LayerNorm: no mean subtraction, no bias:
    w * (x / sqrt(mean(x^2) + eps)). HF computes the normalisation in fp32 and multiplies by the
    weight after casting back; in a float64 reference both are float64."""
    var = (x * x).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + eps))


def linear(x, W, name, bias=True):
    """nn.Linear: x @ weight.T + bias (weight [out, in])."""
    y = x @ W[name + ".weight"].transpose(0, 1)
    if bias and (name + ".bias") in W:
        y = y + W[name + ".bias"]
    return y


def split_heads(x, n_heads, head_dim):
    B, T, _ = x.shape
    return x.view(B, T, n_heads, head_dim).transpose(1, 2)  # [B, h, T, d]


def merge_heads(x):
    B, h, T, d = x.shape
    return x.transpose(1, 2).reshape(B, T, h * d)


def attend(q, k, v, scale, bias, softcap=None):
    """q [B,h,T,d], k/v [B,kv,S,d] (grouped-query: query head i uses kv head i // (h/kv), HF's
    repeat_kv), bias additive [B|1, h|1, T, S]. Softmax over keys. With `softcap` the scaled
    scores become softcap * tanh(scores / softcap) before the mask is added (Gemma 2)."""
    h, kv = q.shape[1], k.shape[1]
    if kv != h:
        rep = h // kv
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
    s = (q @ k.transpose(-1, -2)) * scale
    if softcap:
        s = torch.tanh(s / softcap) * softcap
    if bias is not None:
        s = s + bias
    p = torch.softmax(s, dim=-1)
    return p @ v


def causal_bias(mask, T, past_len, dtype, window=None):
    """Additive bias [B,1,T,S]: query t (absolute index past_len + t) sees key j iff
    j <= past_len + t and mask[b, j] == 1; with a sliding `window` also past_len + t - j < window
    (masking_utils.sliding_window_overlay: kv_idx > q_idx - sliding_window, on cache indices)."""
    B, S = mask.shape
    qpos = torch.arange(T).view(T, 1) + past_len
    kpos = torch.arange(S).view(1, S)
    seen = kpos <= qpos
    if window:
        seen = seen & (qpos - kpos < window)
    ok = seen.view(1, 1, T, S) & (mask.view(B, 1, 1, S) > 0)
    return torch.where(ok, torch.zeros((), dtype=dtype), torch.full((), NEG, dtype=dtype))


def padding_bias(mask, dtype):
    """Additive bias [B,1,1,S] from a key padding mask (HF: (1 - mask) * finfo.min)."""
    B, S = mask.shape
    return torch.where(mask.view(B, 1, 1, S) > 0, torch.zeros((), dtype=dtype), torch.full((), NEG, dtype=dtype))


def decoder_positions(mask, past_len, T):
    """HF generate: position_ids = cumsum(attention_mask) - 1, pad positions set to 1."""
    pos = mask.long().cumsum(-1) - 1
    pos = pos.masked_fill(mask == 0, 1)
    return pos[:, past_len:past_len + T]


def _prep(ids, mask, past):
    B, T = ids.shape
    past_len = 0 if past is None else past[0][0].shape[2]
    if mask is None:
        mask = torch.ones(B, past_len + T, dtype=torch.long)
    assert mask.shape == (B, past_len + T), (mask.shape, B, past_len, T)
    return B, T, past_len, mask


# ---------------------------------------------------------------------------------------------
# GPT-2 (GPT2LMHeadModel)
# ---------------------------------------------------------------------------------------------

def gpt2_forward(cfg, W, ids, mask=None, past=None):
    """Learned absolute positions; pre-LN blocks; Conv1D weights stored [in, out] (y = x @ W + b);
    fused c_attn -> q|k|v split along the output dim in that order; scores / sqrt(head_dim)
    (scale_attn_weights); GELU from `activation_function` (gelu_new = tanh form); final ln_f;
    lm_head tied to transformer.wte (the file has no lm_head.weight)."""
    B, T, past_len, mask = _prep(ids, mask, past)
    E = cfg["n_embd"]
    H = cfg["n_head"]
    hd = E // H
    eps = cfg["layer_norm_epsilon"]
    act = ACT[cfg.get("activation_function", "gelu_new")]
    assert not cfg.get("scale_attn_by_inverse_layer_idx", False)
    pos = decoder_positions(mask, past_len, T)
    x = W["transformer.wte.weight"][ids] + W["transformer.wpe.weight"][pos]
    bias = causal_bias(mask, T, past_len, x.dtype)
    scale = 1.0 / math.sqrt(hd) if cfg.get("scale_attn_weights", True) else 1.0
    new_past = []
    for l in range(cfg["n_layer"]):
        p = f"transformer.h.{l}."
        a = layer_norm(x, W[p + "ln_1.weight"], W[p + "ln_1.bias"], eps)
        qkv = a @ W[p + "attn.c_attn.weight"] + W[p + "attn.c_attn.bias"]
        q, k, v = qkv.split(E, dim=-1)
        q, k, v = split_heads(q, H, hd), split_heads(k, H, hd), split_heads(v, H, hd)
        if past is not None:
            k = torch.cat([past[l][0], k], dim=2)
            v = torch.cat([past[l][1], v], dim=2)
        new_past.append((k, v))
        o = merge_heads(attend(q, k, v, scale, bias))
        x = x + (o @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"])
        m = layer_norm(x, W[p + "ln_2.weight"], W[p + "ln_2.bias"], eps)
        m = act(m @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"])
        x = x + (m @ W[p + "mlp.c_proj.weight"] + W[p + "mlp.c_proj.bias"])
    x = layer_norm(x, W["transformer.ln_f.weight"], W["transformer.ln_f.bias"], eps)
    head = W["lm_head.weight"] if "lm_head.weight" in W else W["transformer.wte.weight"]
    return x @ head.transpose(0, 1), new_past


# ---------------------------------------------------------------------------------------------
# Llama / Mistral / Qwen2
# ---------------------------------------------------------------------------------------------

def rope_inv_freq(cfg, head_dim):
    """modeling_rope_utils: default: 1 / theta^(arange(0, d, 2) / d) (computed by HF in float32
    from int64 arange; here float64). llama3: the Llama 3.1 frequency-dependent rescaling.
    Returns (inv_freq float64 [d/2], attention_factor)."""
    theta = float(cfg.get("rope_theta", 10000.0))
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    rs = cfg.get("rope_scaling")
    if not rs:
        return inv, 1.0
    kind = rs.get("rope_type", rs.get("type"))
    if kind == "default":
        return inv, 1.0
    if kind == "linear":
        return inv / float(rs["factor"]), 1.0
    if kind == "llama3":
        factor = float(rs["factor"])
        low = float(rs["low_freq_factor"])
        high = float(rs["high_freq_factor"])
        old_ctx = float(rs["original_max_position_embeddings"])
        low_wl = old_ctx / low
        high_wl = old_ctx / high
        wl = 2 * math.pi / inv
        inv_l = torch.where(wl > low_wl, inv / factor, inv)  # long wavelengths: divided by factor
        smooth = (old_ctx / wl - low) / (high - low)
        smoothed = (1 - smooth) * inv_l / factor + smooth * inv_l
        medium = ~(wl < high_wl) & ~(wl > low_wl)
        return torch.where(medium, smoothed, inv_l), 1.0
    raise NotImplementedError(f"rope_type {kind}")


def rotate_half(x):
    d = x.shape[-1] // 2
    return torch.cat([-x[..., d:], x[..., :d]], dim=-1)


def apply_rope(x, cos, sin):
    """x [B,h,T,d]; cos/sin [B,T,d] = cos/sin of cat(freqs, freqs) (the rotate_half layout:
    dimension i pairs with i + d/2, NOT interleaved pairs)."""
    return x * cos.unsqueeze(1) + rotate_half(x) * sin.unsqueeze(1)


def llama_head_dim(cfg):
    """`head_dim` when the config has it; else hidden / heads, except Qwen3Config, whose class
    default is 128 whatever the hidden size."""
    hd = cfg.get("head_dim")
    if hd:
        return int(hd)
    return 128 if cfg["model_type"] == "qwen3" else cfg["hidden_size"] // cfg["num_attention_heads"]


def llama_forward(cfg, W, ids, mask=None, past=None):
    """LlamaForCausalLM / MistralForCausalLM / Qwen2ForCausalLM / Qwen3ForCausalLM.
    x = embed; per layer: x += o_proj(attn(rope(q), rope(k), v)) on input_layernorm(x);
    x += down(silu(gate(h)) * up(h)) with h = post_attention_layernorm(x); final model.norm;
    logits = x @ lm_head.T (lm_head = embed_tokens when tie_word_embeddings and absent).
    q/k/v biases: Qwen2 always; Llama when attention_bias (also o_proj); mlp biases when mlp_bias.
    Scores * head_dim^-0.5; GQA via repeat_kv. Mistral sliding_window is not applied (all
    fixture sequences are far shorter than any window). Qwen3: q_norm / k_norm, RMSNorms over
    head_dim applied to each head's q and k before RoPE; biases only with attention_bias (q, k, v
    and o alike). Qwen2 / Qwen3 sliding layers (qwen_layer_windows) mask keys sliding_window or more
    positions behind the query."""
    B, T, past_len, mask = _prep(ids, mask, past)
    H = cfg["num_attention_heads"]
    KV = cfg.get("num_key_value_heads") or H
    hd = llama_head_dim(cfg)
    eps = cfg["rms_norm_eps"]
    act = ACT[cfg.get("hidden_act", "silu")]
    mt = cfg["model_type"]
    qkv_bias = mt == "qwen2" or cfg.get("attention_bias", False)
    o_bias = mt != "qwen2" and cfg.get("attention_bias", False)
    mlp_bias = cfg.get("mlp_bias", False)
    if mt == "mistral" and cfg.get("sliding_window"):
        assert past_len + T <= cfg["sliding_window"]
    windows = qwen_layer_windows(cfg) if mt in ("qwen2", "qwen3") else [None] * cfg["num_hidden_layers"]
    pos = decoder_positions(mask, past_len, T)
    x = W["model.embed_tokens.weight"][ids]
    inv, att_factor = rope_inv_freq(cfg, hd)
    freqs = pos.to(torch.float64).unsqueeze(-1) * inv.view(1, 1, -1)  # [B,T,d/2]
    emb = torch.cat([freqs, freqs], dim=-1)
    cos = (emb.cos() * att_factor).to(x.dtype)
    sin = (emb.sin() * att_factor).to(x.dtype)
    biases = {w: causal_bias(mask, T, past_len, x.dtype, w) for w in set(windows)}
    scale = hd ** -0.5
    new_past = []
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        bias = biases[windows[l]]
        a = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        q = split_heads(linear(a, W, p + "self_attn.q_proj", qkv_bias), H, hd)
        k = split_heads(linear(a, W, p + "self_attn.k_proj", qkv_bias), KV, hd)
        v = split_heads(linear(a, W, p + "self_attn.v_proj", qkv_bias), KV, hd)
        if mt == "qwen3":
            q = rms_norm(q, W[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, W[p + "self_attn.k_norm.weight"], eps)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if past is not None:
            k = torch.cat([past[l][0], k], dim=2)
            v = torch.cat([past[l][1], v], dim=2)
        new_past.append((k, v))
        o = merge_heads(attend(q, k, v, scale, bias))
        x = x + linear(o, W, p + "self_attn.o_proj", o_bias)
        m = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        g = act(linear(m, W, p + "mlp.gate_proj", mlp_bias)) * linear(m, W, p + "mlp.up_proj", mlp_bias)
        x = x + linear(g, W, p + "mlp.down_proj", mlp_bias)
    x = rms_norm(x, W["model.norm.weight"], eps)
    if "lm_head.weight" in W:
        head = W["lm_head.weight"]
    else:
        assert cfg.get("tie_word_embeddings", True), "untied model without lm_head.weight"
        head = W["model.embed_tokens.weight"]
    return x @ head.transpose(0, 1), new_past


def qwen_layer_windows(cfg):
    """Each layer's sliding window (None: full attention), as Qwen2Config / Qwen3Config set them:
    sliding_window (default 4096) only when use_sliding_window; layer_types when given, else
    "sliding_attention" from layer max_window_layers (default 28) on."""
    window = cfg.get("sliding_window", 4096) if cfg.get("use_sliding_window", False) else None
    n = cfg["num_hidden_layers"]
    types = cfg.get("layer_types") or ["sliding_attention" if window is not None and i >= cfg.get("max_window_layers", 28)
                                       else "full_attention" for i in range(n)]
    assert window is not None or "sliding_attention" not in types
    return [window if t == "sliding_attention" else None for t in types]


def lm_head(cfg, W, x, embed):
    """x @ lm_head.T, or the tied input embedding when the file has no lm_head.weight."""
    if "lm_head.weight" in W:
        return x @ W["lm_head.weight"].transpose(0, 1)
    assert cfg.get("tie_word_embeddings", True), "untied model without lm_head.weight"
    return x @ W[embed].transpose(0, 1)


def with_cache(past, l, k, v, new_past):
    if past is not None:
        k = torch.cat([past[l][0], k], dim=2)
        v = torch.cat([past[l][1], v], dim=2)
    new_past.append((k, v))
    return k, v


def rope_cos_sin(pos, inv, dtype):
    freqs = pos.to(torch.float64).unsqueeze(-1) * inv.view(1, 1, -1)  # [B,T,r/2]
    emb = torch.cat([freqs, freqs], dim=-1)
    return emb.cos().to(dtype), emb.sin().to(dtype)


# ---------------------------------------------------------------------------------------------
# Phi-3 (Phi3ForCausalLM)
# ---------------------------------------------------------------------------------------------

def phi3_forward(cfg, W, ids, mask=None, past=None):
    """Llama's pre-norm block with fused projections and no biases. qkv_proj's output rows are
    q (heads*hd) | k (kv*hd) | v (kv*hd); gate_up_proj's are gate (inter) | up (inter) and the MLP is
    down_proj(up * silu(gate)). head_dim = hidden / heads (Phi3Config has none of its own). RoPE
    turns the first int(head_dim * partial_rotary_factor) dims of each head (frequencies computed
    over that many dims) and passes the rest through. sliding_window, when set, masks keys that lie
    sliding_window or more positions behind the query on every layer. rope_scaling longrope (or its
    old names su / yarn, which Phi3Config renames to longrope): see phi3_longrope."""
    B, T, past_len, mask = _prep(ids, mask, past)
    H = cfg["num_attention_heads"]
    KV = cfg.get("num_key_value_heads") or H
    hd = cfg["hidden_size"] // H
    rot = int(hd * cfg.get("partial_rotary_factor", 1.0))
    eps = cfg["rms_norm_eps"]
    act = ACT[cfg.get("hidden_act", "silu")]
    theta = float(cfg.get("rope_theta", 10000.0))
    inv = 1.0 / (theta ** (torch.arange(0, rot, 2, dtype=torch.float64) / rot))
    x = W["model.embed_tokens.weight"][ids]
    pos = decoder_positions(mask, past_len, T)
    if cfg.get("rope_scaling"):
        cos, sin = phi3_longrope(cfg, pos, inv, x.dtype)
    else:
        cos, sin = rope_cos_sin(pos, inv, x.dtype)
    bias = causal_bias(mask, T, past_len, x.dtype, cfg.get("sliding_window"))

    def rope(t):
        return torch.cat([apply_rope(t[..., :rot], cos, sin), t[..., rot:]], dim=-1)

    new_past = []
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        a = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        q, k, v = linear(a, W, p + "self_attn.qkv_proj", False).split([H * hd, KV * hd, KV * hd], dim=-1)
        q, k, v = rope(split_heads(q, H, hd)), rope(split_heads(k, KV, hd)), split_heads(v, KV, hd)
        k, v = with_cache(past, l, k, v, new_past)
        x = x + linear(merge_heads(attend(q, k, v, hd ** -0.5, bias)), W, p + "self_attn.o_proj", False)
        m = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        gate, up = linear(m, W, p + "mlp.gate_up_proj", False).chunk(2, dim=-1)
        x = x + linear(up * act(gate), W, p + "mlp.down_proj", False)
    x = rms_norm(x, W["model.norm.weight"], eps)
    return lm_head(cfg, W, x, "model.embed_tokens.weight"), new_past


def phi3_longrope(cfg, pos, inv, dtype):
    """modeling_rope_utils._compute_longrope_parameters with dynamic_rope_update's longrope rule:
    inv_freq = default inv_freq / short_factor while the run's seq_len = max(position_ids) + 1 is at
    most original_max_position_embeddings (Phi3Config default 4096), / long_factor beyond; cos and
    sin times attention_factor, else sqrt(1 + ln s / ln original) for s = max_position_embeddings /
    original (1 when s <= 1). HF takes the max over the whole batch; here it is taken per sequence
    (row), which is what HF computes for each sequence run alone."""
    rs = cfg["rope_scaling"]
    kind = rs.get("rope_type", rs.get("type"))
    assert kind in ("longrope", "su", "yarn"), kind
    # the config's own field (a Phi3Config attribute, default 4096), not rope_scaling's key of that name
    original = cfg.get("original_max_position_embeddings", 4096)
    scale = cfg.get("max_position_embeddings", 4096) / original
    att = rs.get("attention_factor")
    if att is None:
        att = 1.0 if scale <= 1.0 else math.sqrt(1 + math.log(scale) / math.log(original))
    short = inv / torch.tensor(rs["short_factor"], dtype=torch.float64)
    long = inv / torch.tensor(rs["long_factor"], dtype=torch.float64)
    use_long = (pos.max(dim=-1, keepdim=True).values + 1 > original).unsqueeze(-1)  # [B,1,1]
    freqs = pos.to(torch.float64).unsqueeze(-1) * torch.where(use_long, long.view(1, 1, -1), short.view(1, 1, -1))
    emb = torch.cat([freqs, freqs], dim=-1)
    return (emb.cos() * att).to(dtype), (emb.sin() * att).to(dtype)


# ---------------------------------------------------------------------------------------------
# Gemma 2 / Gemma 3 text (Gemma2ForCausalLM, Gemma3ForCausalLM)
# ---------------------------------------------------------------------------------------------

def gemma_norm(x, w, eps):
    """Gemma2RMSNorm / Gemma3RMSNorm: x / sqrt(mean(x^2) + eps) * (1 + w) (the weight is stored as an
    offset from 1)."""
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * (1.0 + w)


def gemma_layer_types(cfg):
    """`layer_types` when given; else Gemma 2 slides on even layers ((i + 1) % 2 != 0) and Gemma 3
    on every layer but each sliding_window_pattern-th ((i + 1) % pattern != 0, pattern 6)."""
    if cfg.get("layer_types"):
        return list(cfg["layer_types"])
    every = 2 if cfg["model_type"] == "gemma2" else cfg.get("sliding_window_pattern", 6)
    return ["sliding_attention" if (i + 1) % every else "full_attention" for i in range(cfg["num_hidden_layers"])]


def gemma_forward(cfg, W, ids, mask=None, past=None):
    """Embeddings times sqrt(hidden_size) (HF rounds that factor to the run's dtype; float64 here);
    blocks x += post_attention_layernorm(attn(input_layernorm(x))),
    x += post_feedforward_layernorm(mlp(pre_feedforward_layernorm(x))), every norm Gemma's (1 + w);
    MLP down(act(gate) * up) with hidden_activation (gelu_pytorch_tanh); scores scaled by
    query_pre_attn_scalar^-0.5; sliding layers mask keys sliding_window or more positions behind.
    Gemma 2: attention scores soft-capped (attn_logit_softcapping, default 50) before the mask.
    Gemma 3: q_norm / k_norm (Gemma norms over head_dim) before RoPE; sliding layers use RoPE with
    rope_local_base_freq and no scaling, full layers rope_theta with rope_scaling; its attention
    never applies attn_logit_softcapping (Gemma3Attention does not pass it on). Both: final logits
    soft-capped with final_logit_softcapping (Gemma 2 default 30, Gemma 3 default none); the head is
    tied to embed_tokens by default."""
    B, T, past_len, mask = _prep(ids, mask, past)
    g3 = cfg["model_type"] == "gemma3_text"
    H = cfg["num_attention_heads"]
    KV = cfg.get("num_key_value_heads") or H
    hd = cfg.get("head_dim", 256)
    eps = cfg.get("rms_norm_eps", 1e-6)
    act = ACT[cfg.get("hidden_activation", "gelu_pytorch_tanh")]
    bias_on = cfg.get("attention_bias", False)
    attn_cap = None if g3 else cfg.get("attn_logit_softcapping", 50.0)
    final_cap = cfg.get("final_logit_softcapping", None if g3 else 30.0)
    window = cfg.get("sliding_window", 4096)
    types = gemma_layer_types(cfg)
    x = W["model.embed_tokens.weight"][ids]
    x = x * torch.tensor(cfg["hidden_size"] ** 0.5, dtype=x.dtype)
    pos = decoder_positions(mask, past_len, T)
    glob = dict(cfg, rope_theta=cfg.get("rope_theta", 1e6 if g3 else 10000.0))
    rope = {"full_attention": rope_cos_sin(pos, rope_inv_freq(glob, hd)[0], x.dtype)}
    if g3:
        theta = float(cfg.get("rope_local_base_freq", 10000.0))
        rope["sliding_attention"] = rope_cos_sin(pos, 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd)), x.dtype)
    else:
        rope["sliding_attention"] = rope["full_attention"]
    masks = {"full_attention": causal_bias(mask, T, past_len, x.dtype),
             "sliding_attention": causal_bias(mask, T, past_len, x.dtype, window)}
    scale = float(cfg.get("query_pre_attn_scalar", 256)) ** -0.5
    new_past = []
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        kind = types[l]
        a = gemma_norm(x, W[p + "input_layernorm.weight"], eps)
        q = split_heads(linear(a, W, p + "self_attn.q_proj", bias_on), H, hd)
        k = split_heads(linear(a, W, p + "self_attn.k_proj", bias_on), KV, hd)
        v = split_heads(linear(a, W, p + "self_attn.v_proj", bias_on), KV, hd)
        if g3:
            q = gemma_norm(q, W[p + "self_attn.q_norm.weight"], eps)
            k = gemma_norm(k, W[p + "self_attn.k_norm.weight"], eps)
        cos, sin = rope[kind]
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        k, v = with_cache(past, l, k, v, new_past)
        o = linear(merge_heads(attend(q, k, v, scale, masks[kind], attn_cap)), W, p + "self_attn.o_proj", bias_on)
        x = x + gemma_norm(o, W[p + "post_attention_layernorm.weight"], eps)
        m = gemma_norm(x, W[p + "pre_feedforward_layernorm.weight"], eps)
        f = linear(act(linear(m, W, p + "mlp.gate_proj", False)) * linear(m, W, p + "mlp.up_proj", False), W,
                   p + "mlp.down_proj", False)
        x = x + gemma_norm(f, W[p + "post_feedforward_layernorm.weight"], eps)
    x = gemma_norm(x, W["model.norm.weight"], eps)
    logits = lm_head(cfg, W, x, "model.embed_tokens.weight")
    if final_cap:
        logits = torch.tanh(logits / final_cap) * final_cap
    return logits, new_past


# ---------------------------------------------------------------------------------------------
# BERT / RoBERTa sequence classification
# ---------------------------------------------------------------------------------------------

def _bert_encoder(cfg, W, prefix, x, mask):
    H = cfg["num_attention_heads"]
    E = cfg["hidden_size"]
    hd = E // H
    eps = cfg["layer_norm_eps"]
    act = ACT[cfg.get("hidden_act", "gelu")]
    bias = padding_bias(mask, x.dtype)
    for l in range(cfg["num_hidden_layers"]):
        p = f"{prefix}encoder.layer.{l}."
        q = split_heads(linear(x, W, p + "attention.self.query"), H, hd)
        k = split_heads(linear(x, W, p + "attention.self.key"), H, hd)
        v = split_heads(linear(x, W, p + "attention.self.value"), H, hd)
        o = merge_heads(attend(q, k, v, 1.0 / math.sqrt(hd), bias))
        o = linear(o, W, p + "attention.output.dense")
        x = layer_norm(o + x, W[p + "attention.output.LayerNorm.weight"], W[p + "attention.output.LayerNorm.bias"], eps)
        m = act(linear(x, W, p + "intermediate.dense"))
        m = linear(m, W, p + "output.dense")
        x = layer_norm(m + x, W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"], eps)
    return x


def _embeddings(cfg, W, prefix, ids, token_type_ids, pos):
    p = prefix + "embeddings."
    x = W[p + "word_embeddings.weight"][ids] + W[p + "token_type_embeddings.weight"][token_type_ids]
    x = x + W[p + "position_embeddings.weight"][pos]
    return layer_norm(x, W[p + "LayerNorm.weight"], W[p + "LayerNorm.bias"], cfg["layer_norm_eps"])


def bert_classify(cfg, W, ids, mask=None, token_type_ids=None):
    """BertForSequenceClassification: embeddings = LN(word + token_type + position[arange]);
    post-LN encoder layers (LN(x + attn), LN(x + FFN)), GELU erf; pooler = tanh(dense(h[:,0]));
    logits = classifier(pooled). Padding: key mask only (right padding; positions 0..T-1)."""
    B, T = ids.shape
    mask = torch.ones(B, T, dtype=torch.long) if mask is None else mask
    tt = torch.zeros_like(ids) if token_type_ids is None else token_type_ids
    pos = torch.arange(T).view(1, T).expand(B, T)
    x = _embeddings(cfg, W, "bert.", ids, tt, pos)
    x = _bert_encoder(cfg, W, "bert.", x, mask)
    pooled = torch.tanh(linear(x[:, 0], W, "bert.pooler.dense"))
    return linear(pooled, W, "classifier")


def roberta_position_ids(ids, padding_idx):
    """create_position_ids_from_input_ids: cumsum(ids != pad) * (ids != pad) + padding_idx
    (computed from the INPUT IDS, not the attention mask)."""
    m = (ids != padding_idx).long()
    return torch.cumsum(m, dim=1) * m + padding_idx


def roberta_classify(cfg, W, ids, mask=None, token_type_ids=None):
    """RobertaForSequenceClassification (roberta built with add_pooling_layer=False, so there is
    no roberta.pooler): BERT encoder with RoBERTa positions (padding_idx = pad_token_id);
    head on h[:,0] (<s>): out_proj(tanh(dense(x)))."""
    B, T = ids.shape
    mask = torch.ones(B, T, dtype=torch.long) if mask is None else mask
    tt = torch.zeros_like(ids) if token_type_ids is None else token_type_ids
    pos = roberta_position_ids(ids, cfg["pad_token_id"])
    x = _embeddings(cfg, W, "roberta.", ids, tt, pos)
    x = _bert_encoder(cfg, W, "roberta.", x, mask)
    h = torch.tanh(linear(x[:, 0], W, "classifier.dense"))
    return linear(h, W, "classifier.out_proj")


# ---------------------------------------------------------------------------------------------
# T5 (T5ForConditionalGeneration)
# ---------------------------------------------------------------------------------------------

def t5_relative_bucket(rel, bidirectional, num_buckets, max_distance):
    """T5Attention._relative_position_bucket, rel = memory_position - query_position.
    The logarithmic part is computed in float32 exactly as HF does (n.float(), then / max_exact,
    log, / math.log(max_distance / max_exact) (a Python double applied to a float32 tensor, so
    float32 arithmetic), * (num_buckets - max_exact), truncation to long)."""
    ret = torch.zeros_like(rel)
    if bidirectional:
        num_buckets //= 2
        ret = ret + (rel > 0).long() * num_buckets
        n = rel.abs()
    else:
        n = -torch.clamp(rel, max=0)
    max_exact = num_buckets // 2
    small = n < max_exact
    large = max_exact + (
        torch.log(n.float() / max_exact) / math.log(max_distance / max_exact) * (num_buckets - max_exact)
    ).to(torch.long)
    large = torch.clamp(large, max=num_buckets - 1)
    return ret + torch.where(small, n, large)


def t5_position_bias(cfg, W, name, q_positions, k_len, bidirectional):
    """[1, heads, Tq, Tk] from relative_attention_bias.weight [num_buckets, heads]."""
    rel = torch.arange(k_len).view(1, -1) - q_positions.view(-1, 1)
    b = t5_relative_bucket(rel, bidirectional, cfg["relative_attention_num_buckets"],
                           cfg.get("relative_attention_max_distance", 128))
    return W[name][b].permute(2, 0, 1).unsqueeze(0)


def _t5_ff(cfg, W, p, x):
    if cfg.get("is_gated_act", cfg["feed_forward_proj"].startswith("gated-")):
        act = ACT[cfg.get("dense_act_fn", "gelu_new")]
        h = act(linear(x, W, p + "DenseReluDense.wi_0", False)) * linear(x, W, p + "DenseReluDense.wi_1", False)
    else:
        act = ACT[cfg.get("dense_act_fn", cfg["feed_forward_proj"])]
        h = act(linear(x, W, p + "DenseReluDense.wi", False))
    return linear(h, W, p + "DenseReluDense.wo", False)


def _t5_attn(cfg, W, p, xq, xkv, bias):
    H = cfg["num_heads"]
    dk = cfg["d_kv"]
    q = split_heads(linear(xq, W, p + "q", False), H, dk)
    k = split_heads(linear(xkv, W, p + "k", False), H, dk)
    v = split_heads(linear(xkv, W, p + "v", False), H, dk)
    o = merge_heads(attend(q, k, v, 1.0, bias))  # T5: no 1/sqrt(d) scaling
    return linear(o, W, p + "o", False), (k, v)


def t5_encode(cfg, W, ids, mask=None):
    """Encoder: x = shared[ids]; per block: x += SelfAttention(layer_norm(x)) with the
    bidirectional relative bias of block 0 (shared by all blocks) + key padding mask;
    x += FF(layer_norm(x)); encoder.final_layer_norm."""
    B, T = ids.shape
    mask = torch.ones(B, T, dtype=torch.long) if mask is None else mask
    eps = cfg["layer_norm_epsilon"]
    x = W["shared.weight"][ids]
    bias = t5_position_bias(cfg, W, "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
                            torch.arange(T), T, True) + padding_bias(mask, x.dtype)
    for l in range(cfg["num_layers"]):
        p = f"encoder.block.{l}."
        a, _ = _t5_attn(cfg, W, p + "layer.0.SelfAttention.", rms_norm(x, W[p + "layer.0.layer_norm.weight"], eps),
                        rms_norm(x, W[p + "layer.0.layer_norm.weight"], eps), bias)
        x = x + a
        x = x + _t5_ff(cfg, W, p + "layer.1.", rms_norm(x, W[p + "layer.1.layer_norm.weight"], eps))
    return rms_norm(x, W["encoder.final_layer_norm.weight"], eps)


def t5_decode(cfg, W, dec_ids, enc, enc_mask=None, dec_mask=None, past=None):
    """Decoder: x = shared[dec_ids] (decoder.embed_tokens is always `shared`); per block:
    causal self-attention with the unidirectional relative bias of decoder block 0,
    cross-attention on the encoder output (no position bias, encoder key padding mask),
    FF; decoder.final_layer_norm; if tie_word_embeddings (default true): x *= d_model^-0.5 and
    logits = x @ shared.T, else logits = x @ lm_head.T (no rescaling).
    past: list over layers of (self_k, self_v) [B,h,S,d]; cross k/v are recomputed."""
    B, T, past_len, dec_mask = _prep(dec_ids, dec_mask, past)
    S = past_len + T
    eps = cfg["layer_norm_epsilon"]
    n_dec = cfg.get("num_decoder_layers") or cfg["num_layers"]
    enc_mask = torch.ones(enc.shape[0], enc.shape[1], dtype=torch.long) if enc_mask is None else enc_mask
    x = W["shared.weight"][dec_ids]
    self_bias = t5_position_bias(cfg, W, "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
                                 torch.arange(T) + past_len, S, False) + causal_bias(dec_mask, T, past_len, x.dtype)
    cross_bias = padding_bias(enc_mask, x.dtype)
    H, dk = cfg["num_heads"], cfg["d_kv"]
    new_past = []
    for l in range(n_dec):
        p = f"decoder.block.{l}."
        a = rms_norm(x, W[p + "layer.0.layer_norm.weight"], eps)
        q = split_heads(linear(a, W, p + "layer.0.SelfAttention.q", False), H, dk)
        k = split_heads(linear(a, W, p + "layer.0.SelfAttention.k", False), H, dk)
        v = split_heads(linear(a, W, p + "layer.0.SelfAttention.v", False), H, dk)
        if past is not None:
            k = torch.cat([past[l][0], k], dim=2)
            v = torch.cat([past[l][1], v], dim=2)
        new_past.append((k, v))
        o = merge_heads(attend(q, k, v, 1.0, self_bias))
        x = x + linear(o, W, p + "layer.0.SelfAttention.o", False)
        c, _ = _t5_attn(cfg, W, p + "layer.1.EncDecAttention.", rms_norm(x, W[p + "layer.1.layer_norm.weight"], eps),
                        enc, cross_bias)
        x = x + c
        x = x + _t5_ff(cfg, W, p + "layer.2.", rms_norm(x, W[p + "layer.2.layer_norm.weight"], eps))
    x = rms_norm(x, W["decoder.final_layer_norm.weight"], eps)
    if cfg.get("tie_word_embeddings", True):
        x = x * (cfg["d_model"] ** -0.5)
        head = W["shared.weight"]
    else:
        head = W["lm_head.weight"]
    return x @ head.transpose(0, 1), new_past


# ---------------------------------------------------------------------------------------------
# Dispatch
# ---------------------------------------------------------------------------------------------

DECODERS = {"gpt2": gpt2_forward, "llama": llama_forward, "mistral": llama_forward, "qwen2": llama_forward,
            "qwen3": llama_forward, "phi3": phi3_forward, "gemma2": gemma_forward, "gemma3_text": gemma_forward}
ENCODERS = {"bert": bert_classify, "roberta": roberta_classify}


def decoder_forward(cfg, W, ids, mask=None, past=None):
    return DECODERS[cfg["model_type"]](cfg, W, ids, mask, past)
