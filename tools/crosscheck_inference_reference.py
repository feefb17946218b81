"""Cross-checks hf_reference.py against second, differently built implementations (torch.nn
modules and a complex-number RoPE), on the committed inference fixtures.

Usage:  /usr/bin/python3 tools/crosscheck_inference_reference.py

    bert / roberta  encoder layers rebuilt as nn.TransformerEncoderLayer (post-LN, GELU erf)
    gpt2            blocks rebuilt as nn.TransformerEncoderLayer(norm_first=True, tanh GELU) with a
                    causal mask, Conv1D weights transposed into in_proj_weight
    llama family    RoPE as complex multiplication of (x_i, x_{i+d/2}) pairs by e^{i pos f_i}
    t5              attention rebuilt with nn.MultiheadAttention (q pre-multiplied by sqrt(d_kv) to
                    cancel its scaling; relative bias passed as a float attn_mask per head)
Also compares each expected.json against a fresh reference run.
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
    for k, (v, tol) in results.items():
        flag = "ok" if v <= tol else "MISMATCH"
        ok &= v <= tol
        print(f"{k:48s} max|diff| {v:.3g}  ({flag}, tol {tol:g})")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
