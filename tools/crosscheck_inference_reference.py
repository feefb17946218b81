"""Cross-checks hf_reference.py against second, differently built implementations (torch.nn
modules, a complex-number RoPE and a token-by-token streaming decoder), on the committed inference
fixtures.

Usage:  /usr/bin/python3 tools/crosscheck_inference_reference.py

    bert / roberta  encoder layers rebuilt as nn.TransformerEncoderLayer (post-LN, GELU erf)
    gpt2            blocks rebuilt as nn.TransformerEncoderLayer(norm_first=True, tanh GELU) with a
                    causal mask, Conv1D weights transposed into in_proj_weight
    llama family    RoPE as complex multiplication of (x_i, x_{i+d/2}) pairs by e^{i pos f_i}
    t5              attention rebuilt with nn.MultiheadAttention (q pre-multiplied by sqrt(d_kv) to
                    cancel its scaling; relative bias passed as a float attn_mask per head)
    qwen3, qwen3_sliding, phi3, phi3_longrope, gemma2, gemma3_text
                    a streaming decoder in the style of llm.c (stream_spec / stream_step /
                    stream_run / stream_generate): one position at a time with per-layer key and
                    value lists, an explicit loop over the keys each query may see (causal; on a
                    sliding layer q - k < window), query head h reading kv head h // (heads / kv),
                    RoPE as torch.polar rotation of the first rotary dims (longrope short/long
                    factors picked by the run length, attention factor as the polar magnitude),
                    soft-caps as cap * tanh(x / cap), hand-written softmax; every architecture rule
                    (head_dim defaults, which layers slide, Gemma 3 local/global rope, soft-caps,
                    tied heads) read from config.json here. Checks the sequences' logits (each within
                    its 7-digit rounding + 1e-12), the logliks (1e-10) and the greedy generations
                    (identical tokens; the prompt is one run, each new token a cached one-token step; with
                    longrope the step that first passes the original context restarts the cache, as HF)
For llama / llama_tied_bf16 / mistral / qwen2 / llama3_rope_scaling only the RoPE is re-derived, and the
logliks and generations of gpt2, t5 and those cases are not checked here.
"""

from __future__ import annotations

import json
import math
import os
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import hf_reference as R  # noqa: E402
from make_inference_fixtures import ROOT, load_f64  # noqa: E402

torch.set_num_threads(1)
TOL = 1e-9


def case(name):
    d = os.path.join(ROOT, name)
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(d, "expected.json")) as f:
        exp = json.load(f)
    return cfg, load_f64(d), exp


def enc_layer_from(W, p, E, H, inter, eps, act, norm_first):
    L = nn.TransformerEncoderLayer(E, H, inter, dropout=0.0, activation=act, layer_norm_eps=eps,
                                   batch_first=True, norm_first=norm_first).double().eval()
    return L


def bert_like(name):
    cfg, W, exp = case(name)
    pre = "bert." if name == "bert" else "roberta."
    E, H, I = cfg["hidden_size"], cfg["num_attention_heads"], cfg["intermediate_size"]
    worst = 0.0
    for item in exp["classification"]:
        ids = torch.tensor([item["input_ids"]])
        tt = torch.tensor([item["token_type_ids"]])
        pos = torch.arange(ids.shape[1]).view(1, -1) if name == "bert" else R.roberta_position_ids(ids, 1)
        x = R._embeddings(cfg, W, pre, ids, tt, pos)
        for l in range(cfg["num_hidden_layers"]):
            p = f"{pre}encoder.layer.{l}."
            L = enc_layer_from(W, p, E, H, I, cfg["layer_norm_eps"], "gelu", False)
            with torch.no_grad():
                L.self_attn.in_proj_weight.copy_(torch.cat([W[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]))
                L.self_attn.in_proj_bias.copy_(torch.cat([W[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]))
                L.self_attn.out_proj.weight.copy_(W[p + "attention.output.dense.weight"])
                L.self_attn.out_proj.bias.copy_(W[p + "attention.output.dense.bias"])
                L.norm1.weight.copy_(W[p + "attention.output.LayerNorm.weight"])
                L.norm1.bias.copy_(W[p + "attention.output.LayerNorm.bias"])
                L.linear1.weight.copy_(W[p + "intermediate.dense.weight"])
                L.linear1.bias.copy_(W[p + "intermediate.dense.bias"])
                L.linear2.weight.copy_(W[p + "output.dense.weight"])
                L.linear2.bias.copy_(W[p + "output.dense.bias"])
                L.norm2.weight.copy_(W[p + "output.LayerNorm.weight"])
                L.norm2.bias.copy_(W[p + "output.LayerNorm.bias"])
                x = L(x)
        h = x[:, 0]
        if name == "bert":
            h = torch.tanh(h @ W["bert.pooler.dense.weight"].T + W["bert.pooler.dense.bias"])
            lg = h @ W["classifier.weight"].T + W["classifier.bias"]
        else:
            h = torch.tanh(h @ W["classifier.dense.weight"].T + W["classifier.dense.bias"])
            lg = h @ W["classifier.out_proj.weight"].T + W["classifier.out_proj.bias"]
        worst = max(worst, float((lg[0] - torch.tensor(item["logits"], dtype=torch.float64)).abs().max()))
    return worst


def gpt2():
    cfg, W, exp = case("gpt2")
    E, H, I = cfg["n_embd"], cfg["n_head"], cfg["n_inner"]
    worst = 0.0
    for item in exp["sequences"]:
        ids = torch.tensor([item["input_ids"]])
        T = ids.shape[1]
        x = W["transformer.wte.weight"][ids] + W["transformer.wpe.weight"][torch.arange(T)]
        causal = torch.triu(torch.full((T, T), float("-inf"), dtype=torch.float64), 1)
        for l in range(cfg["n_layer"]):
            p = f"transformer.h.{l}."
            L = enc_layer_from(W, p, E, H, I, cfg["layer_norm_epsilon"],
                               lambda t: nn.functional.gelu(t, approximate="tanh"), True)
            with torch.no_grad():
                L.self_attn.in_proj_weight.copy_(W[p + "attn.c_attn.weight"].T)
                L.self_attn.in_proj_bias.copy_(W[p + "attn.c_attn.bias"])
                L.self_attn.out_proj.weight.copy_(W[p + "attn.c_proj.weight"].T)
                L.self_attn.out_proj.bias.copy_(W[p + "attn.c_proj.bias"])
                L.norm1.weight.copy_(W[p + "ln_1.weight"])
                L.norm1.bias.copy_(W[p + "ln_1.bias"])
                L.linear1.weight.copy_(W[p + "mlp.c_fc.weight"].T)
                L.linear1.bias.copy_(W[p + "mlp.c_fc.bias"])
                L.linear2.weight.copy_(W[p + "mlp.c_proj.weight"].T)
                L.linear2.bias.copy_(W[p + "mlp.c_proj.bias"])
                L.norm2.weight.copy_(W[p + "ln_2.weight"])
                L.norm2.bias.copy_(W[p + "ln_2.bias"])
                x = L(x, src_mask=causal)
        x = nn.functional.layer_norm(x, (E,), W["transformer.ln_f.weight"], W["transformer.ln_f.bias"],
                                     cfg["layer_norm_epsilon"])
        lg = x[0] @ W["transformer.wte.weight"].T
        worst = max(worst, float((lg - torch.tensor(item["logits"], dtype=torch.float64)).abs().max()))
    return worst


def rope_complex(name):
    """Checks R.apply_rope against complex rotation of the half-split pairs."""
    cfg, W, _ = case(name)
    hd = R.llama_head_dim(cfg)
    inv, _ = R.rope_inv_freq(cfg, hd)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1, 2, 7, hd, generator=g, dtype=torch.float64)
    pos = torch.arange(3, 10)
    freqs = pos.double().view(-1, 1) * inv.view(1, -1)
    emb = torch.cat([freqs, freqs], -1)
    a = R.apply_rope(x, emb.cos().unsqueeze(0), emb.sin().unsqueeze(0))
    z = torch.complex(x[..., : hd // 2], x[..., hd // 2:]) * torch.polar(torch.ones_like(freqs), freqs)
    b = torch.cat([z.real, z.imag], -1)
    return float((a - b).abs().max())


def t5(name):
    """Encoder + decoder logits with attention done by nn.MultiheadAttention."""
    cfg, W, exp = case(name)
    H, dk, E = cfg["num_heads"], cfg["d_kv"], cfg["d_model"]
    eps = cfg["layer_norm_epsilon"]
    inner = H * dk

    def mha(p, xq, xkv, bias):
        # nn.MultiheadAttention needs query width == embed_dim (= H*d_kv here), so q is projected
        # by W_q outside and MHA's own query projection is identity * sqrt(d_kv), which cancels its
        # 1/sqrt(d_kv) scaling (T5 does not scale); out_proj is identity and W_o is applied after.
        m = nn.MultiheadAttention(inner, H, bias=False, batch_first=True, kdim=E, vdim=E).double().eval()
        eye = torch.eye(inner, dtype=torch.float64)
        with torch.no_grad():
            if m.q_proj_weight is None:  # kdim == embed_dim: one packed in_proj_weight
                m.in_proj_weight.copy_(torch.cat([eye * math.sqrt(dk), W[p + "k.weight"], W[p + "v.weight"]]))
            else:
                m.q_proj_weight.copy_(eye * math.sqrt(dk))
                m.k_proj_weight.copy_(W[p + "k.weight"])
                m.v_proj_weight.copy_(W[p + "v.weight"])
            m.out_proj.weight.copy_(eye)
            o, _ = m(xq @ W[p + "q.weight"].T, xkv, xkv, attn_mask=bias, need_weights=False)
        return o @ W[p + "o.weight"].T

    def ff(p, x):
        if cfg["is_gated_act"]:
            h = R.gelu_tanh(x @ W[p + "DenseReluDense.wi_0.weight"].T) * (x @ W[p + "DenseReluDense.wi_1.weight"].T)
        else:
            h = torch.relu(x @ W[p + "DenseReluDense.wi.weight"].T)
        return h @ W[p + "DenseReluDense.wo.weight"].T

    def ln(x, w):
        return w * x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps)

    def bucket_bias(name_, Tq, Tk, bidir):
        # independent bucket computation (float32 like HF), per head -> [H, Tq, Tk]
        tab = W[name_]
        out = torch.zeros(H, Tq, Tk, dtype=torch.float64)
        nb = cfg["relative_attention_num_buckets"]
        md = cfg["relative_attention_max_distance"]
        for i in range(Tq):
            for j in range(Tk):
                rel = j - i
                b, n, buckets = 0, 0, nb
                if bidir:
                    buckets //= 2
                    b = buckets if rel > 0 else 0
                    n = abs(rel)
                else:
                    n = max(-rel, 0)
                me = buckets // 2
                if n < me:
                    b += n
                else:
                    v = torch.log(torch.tensor(n, dtype=torch.float32) / me) / math.log(md / me) * (buckets - me)
                    b += min(me + int(v), buckets - 1)
                out[:, i, j] = tab[b]
        return out

    worst = 0.0
    for item in exp["seq2seq"]:
        ids = torch.tensor([item["input_ids"]])
        T = ids.shape[1]
        x = W["shared.weight"][ids]
        eb = bucket_bias("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", T, T, True)
        for l in range(cfg["num_layers"]):
            p = f"encoder.block.{l}."
            a = ln(x, W[p + "layer.0.layer_norm.weight"])
            x = x + mha(p + "layer.0.SelfAttention.", a, a, eb)
            x = x + ff(p + "layer.1.", ln(x, W[p + "layer.1.layer_norm.weight"]))
        enc = ln(x, W["encoder.final_layer_norm.weight"])
        d = torch.tensor([item["decoder_input_ids"]])
        Td = d.shape[1]
        y = W["shared.weight"][d]
        db = bucket_bias("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", Td, Td, False)
        db = db + torch.triu(torch.full((Td, Td), float("-inf"), dtype=torch.float64), 1)
        for l in range(cfg["num_decoder_layers"]):
            p = f"decoder.block.{l}."
            a = ln(y, W[p + "layer.0.layer_norm.weight"])
            y = y + mha(p + "layer.0.SelfAttention.", a, a, db)
            y = y + mha(p + "layer.1.EncDecAttention.", ln(y, W[p + "layer.1.layer_norm.weight"]), enc, None)
            y = y + ff(p + "layer.2.", ln(y, W[p + "layer.2.layer_norm.weight"]))
        y = ln(y, W["decoder.final_layer_norm.weight"])
        if cfg.get("tie_word_embeddings", True):
            lg = (y * E ** -0.5) @ W["shared.weight"].T
        else:
            lg = y @ W["lm_head.weight"].T
        worst = max(worst, float((lg[0] - torch.tensor(item["logits"], dtype=torch.float64)).abs().max()))
    return worst


# ---------------------------------------------------------------------------------------------
# Newer decoders (qwen3, phi3, gemma2, gemma3_text): a token-by-token streaming decoder
# ---------------------------------------------------------------------------------------------
# Built in the style of llm.c rather than as batched [B, h, T, d] tensor code: one position at a
# time, per-layer lists of keys and values, an explicit loop over the keys each query may see
# (causal; on a sliding layer only those with q - k < window), each query head reading kv head
# h // (heads / kv_heads) directly (no repeat_kv), RoPE as a complex rotation (torch.polar) of the
# half-split pairs of the first rotary dims, softmax by hand, soft-caps as cap * tanh(x / cap). The
# architecture rules are read from config.json here, independently of hf_reference.py.

NEW_DECODERS = ("qwen3", "qwen3_sliding", "phi3", "phi3_longrope", "gemma2", "gemma3_text")


def _rope_table(theta, rot):
    """Angles per position are pos * theta^(-2i/rot), i < rot/2."""
    return torch.tensor([theta ** (-(2.0 * i) / rot) for i in range(rot // 2)], dtype=torch.float64)


def stream_spec(cfg):
    """Everything the streaming decoder needs, read from one config.json."""
    mt = cfg["model_type"]
    E = cfg["hidden_size"]
    H = cfg["num_attention_heads"]
    KV = cfg.get("num_key_value_heads") or H
    L = cfg["num_hidden_layers"]
    s = {"E": E, "H": H, "KV": KV, "L": L, "eps": cfg.get("rms_norm_eps", 1e-6), "fused": mt == "phi3",
         "qk_norm": mt in ("qwen3", "gemma3_text"), "gemma": mt in ("gemma2", "gemma3_text"),
         "bias": bool(cfg.get("attention_bias", False)), "attn_cap": None, "final_cap": None,
         "embed_scale": 1.0, "longrope": None}
    if mt == "qwen3":
        hd = cfg.get("head_dim") or 128  # Qwen3Config's own default, not hidden / heads
        win = cfg.get("sliding_window") if cfg.get("use_sliding_window") else None
        if cfg.get("layer_types"):
            slide = [t == "sliding_attention" for t in cfg["layer_types"]]
        else:
            mwl = cfg.get("max_window_layers", 28)
            slide = [win is not None and l >= mwl for l in range(L)]
        rs = cfg.get("rope_scaling") or {}
        assert rs.get("rope_type", rs.get("type", "default")) == "default", rs
        inv = _rope_table(float(cfg.get("rope_theta", 10000.0)), hd)
        rope = [(inv, hd)] * L
        s.update(act=cfg.get("hidden_act", "silu"), scale=hd ** -0.5,
                 tied=cfg.get("tie_word_embeddings", False))
    elif mt == "phi3":
        hd = E // H
        rot = int(hd * cfg.get("partial_rotary_factor", 1.0))
        win = cfg.get("sliding_window")
        slide = [win is not None] * L
        inv = _rope_table(float(cfg.get("rope_theta", 10000.0)), rot)
        rope = [(inv, rot)] * L
        rs = cfg.get("rope_scaling")
        if rs:
            assert rs.get("rope_type", rs.get("type")) in ("longrope", "su"), rs
            orig = cfg.get("original_max_position_embeddings", 4096)  # top-level Phi3Config field
            ratio = cfg["max_position_embeddings"] / orig
            af = rs.get("attention_factor")
            if af is None:
                af = math.sqrt(1.0 + math.log(ratio) / math.log(orig)) if ratio > 1.0 else 1.0
            s["longrope"] = {"orig": orig, "att": af,
                             "short": inv / torch.tensor(rs["short_factor"], dtype=torch.float64),
                             "long": inv / torch.tensor(rs["long_factor"], dtype=torch.float64)}
        s.update(act=cfg.get("hidden_act", "silu"), scale=hd ** -0.5,
                 tied=cfg.get("tie_word_embeddings", False))
    elif mt in ("gemma2", "gemma3_text"):
        g3 = mt == "gemma3_text"
        hd = cfg.get("head_dim") or 256
        win = cfg.get("sliding_window", 4096)
        if cfg.get("layer_types"):
            slide = [t == "sliding_attention" for t in cfg["layer_types"]]
        elif g3:
            pat = cfg.get("sliding_window_pattern", 6)
            slide = [(l + 1) % pat != 0 for l in range(L)]  # every pat-th layer (from 1) is full
        else:
            slide = [(l + 1) % 2 != 0 for l in range(L)]  # layers 2, 4, ... (from 1) are full
        glob = _rope_table(float(cfg.get("rope_theta", 1e6 if g3 else 10000.0)), hd)
        rs = cfg.get("rope_scaling") or {}
        kind = rs.get("rope_type", rs.get("type", "default"))
        if kind == "linear":
            glob = glob / float(rs["factor"])
        else:
            assert kind == "default", rs
        local = _rope_table(float(cfg.get("rope_local_base_freq", 10000.0)), hd) if g3 else glob
        rope = [((local if slide[l] else glob), hd) for l in range(L)]
        s.update(act=cfg.get("hidden_activation") or cfg.get("hidden_act", "gelu_pytorch_tanh"),
                 scale=float(cfg.get("query_pre_attn_scalar", 256)) ** -0.5,
                 tied=cfg.get("tie_word_embeddings", True), embed_scale=math.sqrt(E),
                 # Gemma3Attention never hands attn_logit_softcapping to the attention function
                 attn_cap=None if g3 else cfg.get("attn_logit_softcapping", 50.0),
                 final_cap=cfg.get("final_logit_softcapping", None if g3 else 30.0))
    else:
        raise NotImplementedError(mt)
    s.update(hd=hd, windows=[win if sl else None for sl in slide], rope=rope)
    return s


def _norm(s, x, w):
    r = 1.0 / math.sqrt(float((x * x).sum()) / x.numel() + s["eps"])
    return x * r * (1.0 + w) if s["gemma"] else w * (x * r)


def _act(name, x):
    if name == "silu":
        return x / (1.0 + torch.exp(-x))
    if name in ("gelu_pytorch_tanh", "gelu_new", "gelu_fast"):
        return nn.functional.gelu(x, approximate="tanh")
    raise NotImplementedError(name)


def _rotate(v, inv, rot, pos, att):
    """v [n, hd]: turn the first rot dims as complex pairs (v_i, v_{i+rot/2}) by e^{i pos inv_i},
    times att (longrope's attention factor, 1 otherwise); the rest passes through."""
    half = rot // 2
    z = torch.complex(v[:, :half], v[:, half:rot])
    z = z * torch.polar(torch.full((half,), att, dtype=torch.float64), pos * inv)
    return torch.cat([z.real, z.imag, v[:, rot:]], dim=1)


def stream_step(s, W, cache, tok, rope_len):
    """Feeds one token at position len(cache[0][0]); rope_len is the run length HF's longrope rule
    looks at (max(position_ids) + 1 of the forward call that computes this token). Returns logits."""
    pos = len(cache[0][0])
    H, KV, hd = s["H"], s["KV"], s["hd"]
    group = H // KV
    x = W["model.embed_tokens.weight"][tok] * s["embed_scale"]
    for l in range(s["L"]):
        p = f"model.layers.{l}."
        a = _norm(s, x, W[p + "input_layernorm.weight"])
        if s["fused"]:
            qkv = W[p + "self_attn.qkv_proj.weight"] @ a
            q, k, v = qkv[:H * hd], qkv[H * hd:(H + KV) * hd], qkv[(H + KV) * hd:]
        else:
            q, k, v = (W[p + f"self_attn.{n}_proj.weight"] @ a for n in "qkv")
            if s["bias"]:
                q, k, v = (t + W[p + f"self_attn.{n}_proj.bias"] for t, n in zip((q, k, v), "qkv"))
        q, k, v = q.view(H, hd), k.view(KV, hd), v.view(KV, hd)
        if s["qk_norm"]:
            q = torch.stack([_norm(s, q[h], W[p + "self_attn.q_norm.weight"]) for h in range(H)])
            k = torch.stack([_norm(s, k[g], W[p + "self_attn.k_norm.weight"]) for g in range(KV)])
        inv, rot = s["rope"][l]
        att = 1.0
        lr = s["longrope"]
        if lr:
            inv = lr["long"] if rope_len > lr["orig"] else lr["short"]
            att = lr["att"]
        q, k = _rotate(q, inv, rot, pos, att), _rotate(k, inv, rot, pos, att)
        keys, vals = cache[l]
        keys.append(k)
        vals.append(v)
        win = s["windows"][l]
        first = 0 if win is None else max(0, pos - win + 1)  # keys j with pos - j < window
        heads = []
        for h in range(H):
            g = h // group
            scores = []
            for j in range(first, pos + 1):
                sc = float(torch.dot(q[h], keys[j][g])) * s["scale"]
                if s["attn_cap"]:
                    sc = s["attn_cap"] * math.tanh(sc / s["attn_cap"])
                scores.append(sc)
            top = max(scores)
            e = [math.exp(sc - top) for sc in scores]
            z = sum(e)
            o = torch.zeros(hd, dtype=torch.float64)
            for j, ej in zip(range(first, pos + 1), e):
                o = o + (ej / z) * vals[j][g]
            heads.append(o)
        o = W[p + "self_attn.o_proj.weight"] @ torch.cat(heads)
        if s["bias"] and p + "self_attn.o_proj.bias" in W:
            o = o + W[p + "self_attn.o_proj.bias"]
        if s["gemma"]:
            x = x + _norm(s, o, W[p + "post_attention_layernorm.weight"])
            m = _norm(s, x, W[p + "pre_feedforward_layernorm.weight"])
        else:
            x = x + o
            m = _norm(s, x, W[p + "post_attention_layernorm.weight"])
        if s["fused"]:
            gu = W[p + "mlp.gate_up_proj.weight"] @ m
            gate, up = gu[:gu.numel() // 2], gu[gu.numel() // 2:]
        else:
            gate, up = W[p + "mlp.gate_proj.weight"] @ m, W[p + "mlp.up_proj.weight"] @ m
        f = W[p + "mlp.down_proj.weight"] @ (_act(s["act"], gate) * up)
        x = x + (_norm(s, f, W[p + "post_feedforward_layernorm.weight"]) if s["gemma"] else f)
    x = _norm(s, x, W["model.norm.weight"])
    head = W["model.embed_tokens.weight"] if s["tied"] else W["lm_head.weight"]
    lg = head @ x
    if s["final_cap"]:
        lg = s["final_cap"] * torch.tanh(lg / s["final_cap"])
    return lg


def stream_run(s, W, ids):
    """Logits of every position of one forward run over ids (rope decided by the run length)."""
    cache = [([], []) for _ in range(s["L"])]
    return [stream_step(s, W, cache, t, len(ids)) for t in ids]


def stream_generate(s, W, prompt, n_new, eos):
    """Greedy with the streaming cache, as HF generate with a KV cache: the prompt is one forward
    run (its rope picked by its length), every later token is a one-token call whose rope is picked
    by the run length so far; keys already cached are kept, except that with longrope the call whose
    run first reaches orig + 1 tokens streams the whole run again into a new cache
    (Phi3ForCausalLM.prepare_inputs_for_generation drops the cache there)."""
    def fresh(tokens):
        cache = [([], []) for _ in range(s["L"])]
        return cache, [stream_step(s, W, cache, t, len(tokens)) for t in tokens][-1]

    cache, row = fresh(prompt)
    out = []
    while True:
        out.append(int(torch.argmax(row)))
        if out[-1] in eos or len(out) == n_new:
            return out
        run = len(prompt) + len(out)
        if s["longrope"] and run == s["longrope"]["orig"] + 1:
            cache, row = fresh(prompt + out)
        else:
            row = stream_step(s, W, cache, out[-1], run)


def past_rounding(got, want):
    """max over elements of |got - want| minus the 7-significant-digit rounding allowance of want
    (half a unit of its 7th digit, i.e. <= 5e-7 relative), floored at 0."""
    worst = 0.0
    for a, b in zip(got.flatten().tolist(), want.flatten().tolist()):
        half = 0.5 * 10.0 ** (math.floor(math.log10(abs(b))) - 6) if b else 0.0
        worst = max(worst, abs(a - b) - half)
    return worst


def streaming_decoder(name):
    """Over expected.json: (max |logit diff| beyond the 7-digit rounding, raw max |logit diff|,
    max |loglik diff| over sums and per-token values, per generation whether its tokens match)."""
    cfg, W, exp = case(name)
    s = stream_spec(cfg)
    worst_lg = raw_lg = 0.0
    for item in exp["sequences"]:
        lg = torch.stack(stream_run(s, W, item["input_ids"]))
        want = torch.tensor(item["logits"], dtype=torch.float64)
        worst_lg = max(worst_lg, past_rounding(lg, want))
        raw_lg = max(raw_lg, float((lg - want).abs().max()))
    worst_ll = 0.0
    for item in exp["loglik"]:
        ctx, cont = item["context"], item["continuation"]
        rows = stream_run(s, W, ctx + cont[:-1])
        per = [float(torch.log_softmax(rows[len(ctx) - 1 + j], 0)[t]) for j, t in enumerate(cont)]
        worst_ll = max([worst_ll, abs(sum(per) - item["sum"])] + [abs(a - b) for a, b in zip(per, item["per_token"])])
    e = cfg.get("eos_token_id")
    eos = set(e if isinstance(e, list) else ([] if e is None else [e]))
    gen_ok = [stream_generate(s, W, g["prompt"], g["max_new_tokens"], eos) == g["tokens"] for g in exp["generation"]]
    return worst_lg, raw_lg, worst_ll, gen_ok


def main():
    ok = True
    # logits in expected.json are rounded to 7 significant digits: compare with a relative slack
    results = {
        "bert (nn.TransformerEncoderLayer)": (bert_like("bert"), 1e-9),
        "roberta (nn.TransformerEncoderLayer)": (bert_like("roberta"), 1e-9),
        "gpt2 (nn.TransformerEncoderLayer, norm_first)": (gpt2(), 1e-5),
        "t5 (nn.MultiheadAttention)": (t5("t5"), 1e-5),
        "flan_t5 (nn.MultiheadAttention)": (t5("flan_t5"), 1e-5),
    }
    for n in ("llama", "llama_tied_bf16", "mistral", "qwen2", "llama3_rope_scaling"):
        results[f"{n} rope (complex rotation)"] = (rope_complex(n), 1e-12)
    # streaming decoder. Logits: each element may differ by its own 7-digit rounding (half a unit of the 7th
    # significant digit, <= 5e-7 relative) plus 1e-12 of float64 noise; the row shows the excess over that
    # allowance (raw max|diff| in brackets, ~5e-7 at these |logits| < 7). Logliks are stored in full float64.
    # Generation: the greedy tokens must be identical (shown as the number of differing generations).
    for n in NEW_DECODERS:
        lg, raw, ll, gen_ok = streaming_decoder(n)
        results[f"{n} logits beyond rounding [raw {raw:.2g}] (streaming)"] = (lg, 1e-12)
        results[f"{n} loglik sum, per token (streaming)"] = (ll, 1e-10)
        results[f"{n} generations differing (streaming)"] = (float(sum(not x for x in gen_ok)), 0.0)
    for k, (v, tol) in results.items():
        flag = "ok" if v <= tol else "MISMATCH"
        ok &= v <= tol
        print(f"{k:60s} max|diff| {v:.3g}  ({flag}, tol {tol:g})")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
