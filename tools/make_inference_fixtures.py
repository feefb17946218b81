"""Generates tests/SwarmMerge.Tests/Fixtures/inference/<case>/{config.json,model.safetensors,expected.json}
from the independent PyTorch references in hf_reference.py.

Usage:  /usr/bin/python3 tools/make_inference_fixtures.py [case ...]     (Debian python: torch + numpy)

Every case is a tiny random-weight checkpoint in exact Hugging Face save_pretrained layout
(sorted config.json keys, tensor names as HF stores them, tied duplicates dropped). The
expected values are computed in float64 from the weights as read back from the written file
(so BF16/F16 cases use exactly the stored values). Before a case is written its reference is
checked for self-consistency (padded batch == unpadded, KV cache == full recompute, greedy top-1
margins > 1e-3). See tools/README-inference-fixtures.md.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # leave no __pycache__ in tools/

import hf_reference as R  # noqa: E402
from safetensors_io import Tensor, from_f32, read_safetensors, to_f32, write_safetensors  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", "tests", "SwarmMerge.Tests", "Fixtures", "inference"))
TRANSFORMERS_VERSION = "4.46.3"
VOCAB = 512
HIDDEN = 64
LAYERS = 2
HEADS = 4
MAX_POS = 128
MIN_MARGIN = 1e-3
DTYPE_NAME = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}

torch.set_num_threads(1)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

class Init:
    """Deterministic weight drawing (torch CPU generator, float32 values)."""

    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def normal(self, shape, std, mean=0.0):
        return (torch.randn(*shape, generator=self.g) * std + mean).float()


def write_config(path, cfg):
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(cfg, indent=2, sort_keys=True) + "\n")  # HF: to_json_string(sort_keys=True)


def save_checkpoint(d, cfg, tensors, dtype):
    """tensors: dict name -> float32 torch tensor. Written sorted by name (all tensors share one
    dtype, so this is also the order the `safetensors` library writes), metadata {"format":"pt"}."""
    os.makedirs(d, exist_ok=True)
    write_config(os.path.join(d, "config.json"), cfg)
    items = [(n, from_f32(tensors[n].numpy(), dtype)) for n in sorted(tensors)]
    write_safetensors(os.path.join(d, "model.safetensors"), items, {"format": "pt"})


def load_f64(d):
    """Reads the checkpoint as an engine would and casts every tensor to float64."""
    tensors, meta = read_safetensors(os.path.join(d, "model.safetensors"))
    assert meta == {"format": "pt"}
    return {n: torch.from_numpy(to_f32(t).astype(np.float64)) for n, t in tensors.items()}


def r7(x):
    """Round to 7 significant digits for JSON (the values are float64; 7 digits keep a relative
    error ≤ 5e-7, far below any float32 engine tolerance, and keep the files small)."""
    return [float("%.7g" % v) for v in x]


def top2_margin(row):
    v, _ = torch.topk(row, 2)
    return float(v[0] - v[1])


def maxdiff(a, b):
    return float((a - b).abs().max())


def draw_ids(g, n, lo, hi):
    return torch.randint(lo, hi, (n,), generator=g).tolist()


# ---------------------------------------------------------------------------------------------
# Architectures: configs and weights
# ---------------------------------------------------------------------------------------------

def gpt2_case(seed, dtype="F32"):
    inner = 128
    cfg = {
        "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
        "bos_token_id": 511, "embd_pdrop": 0.1, "eos_token_id": 511, "initializer_range": 0.02,
        "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_embd": HIDDEN, "n_head": HEADS,
        "n_inner": inner, "n_layer": LAYERS, "n_positions": MAX_POS, "reorder_and_upcast_attn": False,
        "resid_pdrop": 0.1, "scale_attn_by_inverse_layer_idx": False, "scale_attn_weights": True,
        "summary_activation": None, "summary_first_dropout": 0.1, "summary_proj_to_labels": True,
        "summary_type": "cls_index", "summary_use_proj": True, "torch_dtype": DTYPE_NAME[dtype],
        "transformers_version": TRANSFORMERS_VERSION, "use_cache": True, "vocab_size": VOCAB,
    }
    I = Init(seed)
    E = HIDDEN
    t = {"transformer.wte.weight": I.normal((VOCAB, E), 0.3),
         "transformer.wpe.weight": I.normal((MAX_POS, E), 0.3),
         "transformer.ln_f.weight": I.normal((E,), 0.1, 1.0),
         "transformer.ln_f.bias": I.normal((E,), 0.1)}
    for l in range(LAYERS):
        p = f"transformer.h.{l}."
        t[p + "ln_1.weight"] = I.normal((E,), 0.1, 1.0)
        t[p + "ln_1.bias"] = I.normal((E,), 0.1)
        t[p + "attn.c_attn.weight"] = I.normal((E, 3 * E), 0.15)  # Conv1D: [in, out]
        t[p + "attn.c_attn.bias"] = I.normal((3 * E,), 0.1)
        t[p + "attn.c_proj.weight"] = I.normal((E, E), 0.15)
        t[p + "attn.c_proj.bias"] = I.normal((E,), 0.1)
        t[p + "ln_2.weight"] = I.normal((E,), 0.1, 1.0)
        t[p + "ln_2.bias"] = I.normal((E,), 0.1)
        t[p + "mlp.c_fc.weight"] = I.normal((E, inner), 0.15)
        t[p + "mlp.c_fc.bias"] = I.normal((inner,), 0.1)
        t[p + "mlp.c_proj.weight"] = I.normal((inner, E), 0.15)
        t[p + "mlp.c_proj.bias"] = I.normal((E,), 0.1)
    return cfg, t


def llama_family_case(seed, model_type, dtype, kv, inter, tied, rope_theta, rms_eps, head_dim=None,
                      rope_scaling=None, bos=1, eos=2):
    arch = {"llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM", "qwen2": "Qwen2ForCausalLM"}[model_type]
    cfg = {
        "architectures": [arch], "attention_dropout": 0.0, "bos_token_id": bos, "eos_token_id": eos,
        "hidden_act": "silu", "hidden_size": HIDDEN, "initializer_range": 0.02, "intermediate_size": inter,
        "max_position_embeddings": MAX_POS, "model_type": model_type, "num_attention_heads": HEADS,
        "num_hidden_layers": LAYERS, "num_key_value_heads": kv, "rms_norm_eps": rms_eps,
        "rope_theta": rope_theta, "tie_word_embeddings": tied, "torch_dtype": DTYPE_NAME[dtype],
        "transformers_version": TRANSFORMERS_VERSION, "use_cache": True, "vocab_size": VOCAB,
    }
    hd = head_dim or HIDDEN // HEADS
    if model_type == "llama":  # LlamaConfig (4.46) serialises these
        cfg.update({"attention_bias": False, "head_dim": hd, "mlp_bias": False, "pretraining_tp": 1,
                    "rope_scaling": rope_scaling})
    elif model_type == "mistral":  # MistralConfig (4.46): head_dim, sliding_window; no rope_scaling
        cfg.update({"head_dim": hd, "sliding_window": None})
        assert rope_scaling is None
    else:  # Qwen2Config (4.46): no head_dim attribute (always hidden/heads)
        assert head_dim is None and rope_scaling is None
        cfg.update({"max_window_layers": LAYERS, "rope_scaling": None, "sliding_window": MAX_POS,
                    "use_sliding_window": False})
    I = Init(seed)
    E = HIDDEN
    t = {"model.embed_tokens.weight": I.normal((VOCAB, E), 0.3),
         "model.norm.weight": I.normal((E,), 0.1, 1.0)}
    if not tied:
        t["lm_head.weight"] = I.normal((VOCAB, E), 0.3)
    def biases(p):
        t[p + "self_attn.q_proj.bias"] = I.normal((HEADS * hd,), 0.2)
        t[p + "self_attn.k_proj.bias"] = I.normal((kv * hd,), 0.2)
        t[p + "self_attn.v_proj.bias"] = I.normal((kv * hd,), 0.2)

    for l in range(LAYERS):
        llama_layer(I, t, f"model.layers.{l}.", E, HEADS, kv, hd, inter, 0.15, biases if model_type == "qwen2" else None)
    return cfg, t


def llama_layer(I, t, p, E, H, KV, hd, inter, out_std, between=None):
    """Draws one Llama-style layer's weights, in this order: norms, q/k/v/o, `between(p)` (extra
    attention tensors), MLP; o_proj and down_proj with std `out_std`."""
    t[p + "input_layernorm.weight"] = I.normal((E,), 0.1, 1.0)
    t[p + "post_attention_layernorm.weight"] = I.normal((E,), 0.1, 1.0)
    t[p + "self_attn.q_proj.weight"] = I.normal((H * hd, E), 0.15)
    t[p + "self_attn.k_proj.weight"] = I.normal((KV * hd, E), 0.15)
    t[p + "self_attn.v_proj.weight"] = I.normal((KV * hd, E), 0.15)
    t[p + "self_attn.o_proj.weight"] = I.normal((E, H * hd), out_std)
    if between is not None:
        between(p)
    t[p + "mlp.gate_proj.weight"] = I.normal((inter, E), 0.15)
    t[p + "mlp.up_proj.weight"] = I.normal((inter, E), 0.15)
    t[p + "mlp.down_proj.weight"] = I.normal((E, inter), out_std)


# The newer decoders are smaller (vocab 96, hidden 32), so that their fixtures stay small; their
# other sizes keep the ratios of the released configs named in each case.
SMALL_VOCAB = 96
SMALL_HIDDEN = 32


def qwen3_case(seed, sliding=False):
    """Qwen3-0.6B scaled down: explicit head_dim with heads * head_dim = 2 * hidden, GQA 2:1,
    intermediate 3 * hidden, tied head, rope_theta 1e6, q_norm / k_norm over head_dim. With
    `sliding`: use_sliding_window, sliding_window 4 and max_window_layers 1 (layer 0 full, layer 1
    sliding), the per-layer pattern Qwen2Config / Qwen3Config derive."""
    V, E, H, KV, hd, inter = SMALL_VOCAB, SMALL_HIDDEN, 4, 2, 16, 96
    cfg = {
        "architectures": ["Qwen3ForCausalLM"], "attention_bias": False, "attention_dropout": 0.0, "bos_token_id": 1,
        "eos_token_id": 2, "head_dim": hd, "hidden_act": "silu", "hidden_size": E, "initializer_range": 0.02,
        "intermediate_size": inter, "max_position_embeddings": MAX_POS, "max_window_layers": LAYERS,
        "model_type": "qwen3", "num_attention_heads": H, "num_hidden_layers": LAYERS, "num_key_value_heads": KV,
        "rms_norm_eps": 1e-06, "rope_scaling": None, "rope_theta": 1000000.0, "sliding_window": None,
        "tie_word_embeddings": True, "torch_dtype": "bfloat16", "transformers_version": "4.51.0", "use_cache": True,
        "use_sliding_window": False, "vocab_size": V,
    }
    if sliding:
        cfg.update({"use_sliding_window": True, "sliding_window": 4, "max_window_layers": 1})
    I = Init(seed)
    t = {"model.embed_tokens.weight": I.normal((V, E), 0.3), "model.norm.weight": I.normal((E,), 0.1, 1.0)}
    def qk_norms(p):
        t[p + "self_attn.q_norm.weight"] = I.normal((hd,), 0.3, 1.0)
        t[p + "self_attn.k_norm.weight"] = I.normal((hd,), 0.3, 1.0)

    for l in range(LAYERS):
        llama_layer(I, t, f"model.layers.{l}.", E, H, KV, hd, inter, 0.3, qk_norms)
    return cfg, t


def phi3_case(seed, longrope=False):
    """Phi-3 scaled down: fused qkv_proj and gate_up_proj, GQA 2:1 (Phi-3-medium's 40:10), no
    head_dim key, intermediate ~2.7 * hidden (Phi-3-mini), sliding_window 6 (half the longest
    sequence, as 2047 of Phi-3-mini's 4096), partial_rotary_factor 0.75 (Phi-4-mini), untied head.
    With `longrope`: Phi-3-mini-128k / Phi-4-mini's rope_scaling longrope scaled down, original
    context 8 of max_position_embeddings 32 (so the 5-token sequence runs on the short factors and
    the 9- and 12-token ones, and generations past 8 tokens, on the long ones; attention factor
    sqrt(1 + ln 4 / ln 8))."""
    V, E, H, KV, inter = SMALL_VOCAB, SMALL_HIDDEN, 4, 2, 88
    hd = E // H
    cfg = {
        "architectures": ["Phi3ForCausalLM"], "attention_bias": False, "attention_dropout": 0.0, "bos_token_id": 1,
        "embd_pdrop": 0.0, "eos_token_id": 2, "hidden_act": "silu", "hidden_size": E, "initializer_range": 0.02,
        "intermediate_size": inter, "max_position_embeddings": MAX_POS, "model_type": "phi3",
        "num_attention_heads": H, "num_hidden_layers": LAYERS, "num_key_value_heads": KV,
        "original_max_position_embeddings": MAX_POS, "pad_token_id": V - 1, "partial_rotary_factor": 0.75,
        "resid_pdrop": 0.0, "rms_norm_eps": 1e-05, "rope_scaling": None, "rope_theta": 10000.0, "sliding_window": 6,
        "tie_word_embeddings": False, "torch_dtype": "bfloat16", "transformers_version": "4.46.3", "use_cache": True,
        "vocab_size": V,
    }
    if longrope:
        cfg.update({"max_position_embeddings": 32, "original_max_position_embeddings": 8,
                    "rope_scaling": dict(LONGROPE_SCALING)})
    I = Init(seed)
    t = {"model.embed_tokens.weight": I.normal((V, E), 0.3), "model.norm.weight": I.normal((E,), 0.1, 1.0),
         "lm_head.weight": I.normal((V, E), 0.3)}
    for l in range(LAYERS):
        p = f"model.layers.{l}."
        t[p + "input_layernorm.weight"] = I.normal((E,), 0.1, 1.0)
        t[p + "post_attention_layernorm.weight"] = I.normal((E,), 0.1, 1.0)
        t[p + "self_attn.qkv_proj.weight"] = I.normal(((H + 2 * KV) * hd, E), 0.2)
        t[p + "self_attn.o_proj.weight"] = I.normal((E, H * hd), 0.2)
        t[p + "mlp.gate_up_proj.weight"] = I.normal((2 * inter, E), 0.15)
        t[p + "mlp.down_proj.weight"] = I.normal((E, inter), 0.15)
    return cfg, t


def gemma_case(seed, model_type):
    """gemma2: Gemma-2 scaled down (GQA 2:1, explicit head_dim, intermediate 4 * hidden, layer 0
    sliding and layer 1 full, query_pre_attn_scalar 24 != head_dim as in the 27B, soft-capping on
    attention scores and logits, no tie_word_embeddings key: tied by default).
    gemma3_text: Gemma-3 scaled down (1B's MQA, head_dim 16, 4B's intermediate 4 * hidden, three layers with
    sliding_window_pattern 3: two sliding then one full, q_norm / k_norm, rope_local_base_freq 1e4 for
    sliding layers and rope_theta 1e6 with 4B-style linear rope_scaling for the full one, no
    soft-capping). Soft-caps and windows are small so that they change these random models' logits."""
    g3 = model_type == "gemma3_text"
    V, E, H = SMALL_VOCAB, SMALL_HIDDEN, 4
    KV, hd, inter, layers = (1, 16, 128, 3) if g3 else (2, 16, 128, LAYERS)
    cfg = {
        "architectures": ["Gemma3ForCausalLM" if g3 else "Gemma2ForCausalLM"], "attention_bias": False,
        "attention_dropout": 0.0, "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": [1, 7],
        "head_dim": hd, "hidden_activation": "gelu_pytorch_tanh", "hidden_size": E, "initializer_range": 0.02,
        "intermediate_size": inter, "max_position_embeddings": MAX_POS, "model_type": model_type,
        "num_attention_heads": H, "num_hidden_layers": layers, "num_key_value_heads": KV, "pad_token_id": 0,
        "rms_norm_eps": 1e-06, "torch_dtype": "bfloat16", "use_cache": True, "vocab_size": V,
    }
    if g3:
        cfg.update({"attn_logit_softcapping": None, "final_logit_softcapping": None, "query_pre_attn_scalar": hd,
                    "rope_local_base_freq": 10000.0, "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
                    "rope_theta": 1000000.0, "sliding_window": 4, "sliding_window_pattern": 3,
                    "transformers_version": "4.50.0"})
    else:
        cfg.update({"attn_logit_softcapping": 1.5, "final_logit_softcapping": 1.5, "hidden_act": "gelu_pytorch_tanh",
                    "query_pre_attn_scalar": 24, "rope_theta": 10000.0, "sliding_window": 5,
                    "transformers_version": "4.42.4"})
    I = Init(seed)
    # a small embedding (it is scaled by sqrt(hidden) and tied to the head), or greedy decoding repeats the input
    t = {"model.embed_tokens.weight": I.normal((V, E), 0.12), "model.norm.weight": I.normal((E,), 0.1)}
    for l in range(layers):
        p = f"model.layers.{l}."
        for n in ("input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm",
                  "post_feedforward_layernorm"):
            t[p + n + ".weight"] = I.normal((E,), 0.1)  # Gemma norms scale by 1 + weight
        t[p + "self_attn.q_proj.weight"] = I.normal((H * hd, E), 0.2)
        t[p + "self_attn.k_proj.weight"] = I.normal((KV * hd, E), 0.2)
        t[p + "self_attn.v_proj.weight"] = I.normal((KV * hd, E), 0.2)
        t[p + "self_attn.o_proj.weight"] = I.normal((E, H * hd), 0.2)
        if g3:
            t[p + "self_attn.q_norm.weight"] = I.normal((hd,), 0.3)
            t[p + "self_attn.k_norm.weight"] = I.normal((hd,), 0.3)
        t[p + "mlp.gate_proj.weight"] = I.normal((inter, E), 0.15)
        t[p + "mlp.up_proj.weight"] = I.normal((inter, E), 0.15)
        t[p + "mlp.down_proj.weight"] = I.normal((E, inter), 0.15)
    return cfg, t


def _encoder_layers(I, t, prefix, inter):
    E = HIDDEN
    for l in range(LAYERS):
        p = f"{prefix}encoder.layer.{l}."
        for n in ("query", "key", "value"):
            t[p + f"attention.self.{n}.weight"] = I.normal((E, E), 0.15)
            t[p + f"attention.self.{n}.bias"] = I.normal((E,), 0.1)
        t[p + "attention.output.dense.weight"] = I.normal((E, E), 0.15)
        t[p + "attention.output.dense.bias"] = I.normal((E,), 0.1)
        t[p + "attention.output.LayerNorm.weight"] = I.normal((E,), 0.1, 1.0)
        t[p + "attention.output.LayerNorm.bias"] = I.normal((E,), 0.1)
        t[p + "intermediate.dense.weight"] = I.normal((inter, E), 0.15)
        t[p + "intermediate.dense.bias"] = I.normal((inter,), 0.1)
        t[p + "output.dense.weight"] = I.normal((E, inter), 0.15)
        t[p + "output.dense.bias"] = I.normal((E,), 0.1)
        t[p + "output.LayerNorm.weight"] = I.normal((E,), 0.1, 1.0)
        t[p + "output.LayerNorm.bias"] = I.normal((E,), 0.1)


def bert_case(seed, dtype="F32"):
    inter, labels = 128, 3
    cfg = {
        "architectures": ["BertForSequenceClassification"], "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": HIDDEN,
        "id2label": {str(i): f"LABEL_{i}" for i in range(labels)}, "initializer_range": 0.02,
        "intermediate_size": inter, "label2id": {f"LABEL_{i}": i for i in range(labels)},
        "layer_norm_eps": 1e-12, "max_position_embeddings": MAX_POS, "model_type": "bert",
        "num_attention_heads": HEADS, "num_hidden_layers": LAYERS, "pad_token_id": 0,
        "position_embedding_type": "absolute", "problem_type": "single_label_classification",
        "torch_dtype": DTYPE_NAME[dtype], "transformers_version": TRANSFORMERS_VERSION,
        "type_vocab_size": 2, "use_cache": True, "vocab_size": VOCAB,
    }
    I = Init(seed)
    E = HIDDEN
    t = {"bert.embeddings.word_embeddings.weight": I.normal((VOCAB, E), 0.5),
         "bert.embeddings.position_embeddings.weight": I.normal((MAX_POS, E), 0.3),
         "bert.embeddings.token_type_embeddings.weight": I.normal((2, E), 0.3),
         "bert.embeddings.LayerNorm.weight": I.normal((E,), 0.1, 1.0),
         "bert.embeddings.LayerNorm.bias": I.normal((E,), 0.1)}
    t["bert.embeddings.word_embeddings.weight"][0] = 0.0  # nn.Embedding(padding_idx=pad_token_id) row
    _encoder_layers(I, t, "bert.", inter)
    t["bert.pooler.dense.weight"] = I.normal((E, E), 0.3)
    t["bert.pooler.dense.bias"] = I.normal((E,), 0.1)
    t["classifier.weight"] = I.normal((labels, E), 0.5)
    t["classifier.bias"] = I.normal((labels,), 0.1)
    return cfg, t


def roberta_case(seed, dtype="F32"):
    inter, labels, max_pos = 128, 2, MAX_POS + 2  # RoBERTa: positions start at pad_token_id + 1 = 2
    names = ["NEGATIVE", "POSITIVE"]
    cfg = {
        "architectures": ["RobertaForSequenceClassification"], "attention_probs_dropout_prob": 0.1,
        "bos_token_id": 0, "classifier_dropout": None, "eos_token_id": 2, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "hidden_size": HIDDEN, "id2label": {str(i): n for i, n in enumerate(names)},
        "initializer_range": 0.02, "intermediate_size": inter, "label2id": {n: i for i, n in enumerate(names)},
        "layer_norm_eps": 1e-05, "max_position_embeddings": max_pos, "model_type": "roberta",
        "num_attention_heads": HEADS, "num_hidden_layers": LAYERS, "pad_token_id": 1,
        "position_embedding_type": "absolute", "torch_dtype": DTYPE_NAME[dtype],
        "transformers_version": TRANSFORMERS_VERSION, "type_vocab_size": 1, "use_cache": True,
        "vocab_size": VOCAB,
    }
    I = Init(seed)
    E = HIDDEN
    t = {"roberta.embeddings.word_embeddings.weight": I.normal((VOCAB, E), 0.5),
         "roberta.embeddings.position_embeddings.weight": I.normal((max_pos, E), 0.3),
         "roberta.embeddings.token_type_embeddings.weight": I.normal((1, E), 0.3),
         "roberta.embeddings.LayerNorm.weight": I.normal((E,), 0.1, 1.0),
         "roberta.embeddings.LayerNorm.bias": I.normal((E,), 0.1)}
    t["roberta.embeddings.word_embeddings.weight"][1] = 0.0  # padding_idx rows
    t["roberta.embeddings.position_embeddings.weight"][1] = 0.0
    _encoder_layers(I, t, "roberta.", inter)
    t["classifier.dense.weight"] = I.normal((E, E), 0.3)
    t["classifier.dense.bias"] = I.normal((E,), 0.1)
    t["classifier.out_proj.weight"] = I.normal((labels, E), 0.5)
    t["classifier.out_proj.bias"] = I.normal((labels,), 0.1)
    return cfg, t


def t5_case(seed, gated, dtype="F32"):
    d_ff = 128
    d_kv = 8 if gated else 16  # flan-t5-small style: heads * d_kv (32) != d_model (64)
    cfg = {
        "architectures": ["T5ForConditionalGeneration"], "classifier_dropout": 0.0, "d_ff": d_ff, "d_kv": d_kv,
        "d_model": HIDDEN, "decoder_start_token_id": 0, "dense_act_fn": "gelu_new" if gated else "relu",
        "dropout_rate": 0.1, "eos_token_id": 1, "feed_forward_proj": "gated-gelu" if gated else "relu",
        "initializer_factor": 1.0, "is_encoder_decoder": True, "is_gated_act": gated,
        "layer_norm_epsilon": 1e-06, "model_type": "t5", "num_decoder_layers": LAYERS, "num_heads": HEADS,
        "num_layers": LAYERS, "pad_token_id": 0, "relative_attention_max_distance": 128,
        "relative_attention_num_buckets": 32, "torch_dtype": DTYPE_NAME[dtype],
        "transformers_version": TRANSFORMERS_VERSION, "use_cache": True, "vocab_size": VOCAB,
    }
    if gated:
        cfg["tie_word_embeddings"] = False  # T5Config default is True, so HF writes it only when False
    I = Init(seed)
    E, inner = HIDDEN, HEADS * d_kv
    # classic (tied) T5: a smaller embedding and larger sublayer outputs, otherwise the residual
    # stream is dominated by the input token's embedding and greedy decoding just repeats it
    s_emb, s_out = (1.0, 0.15) if gated else (0.5, 0.3)
    t = {"shared.weight": I.normal((VOCAB, E), s_emb),
         "encoder.final_layer_norm.weight": I.normal((E,), 0.1, 1.0),
         "decoder.final_layer_norm.weight": I.normal((E,), 0.1, 1.0)}
    if gated:
        t["lm_head.weight"] = I.normal((VOCAB, E), 0.3)

    def attn(p):
        t[p + "q.weight"] = I.normal((inner, E), 0.1)
        t[p + "k.weight"] = I.normal((inner, E), 0.1)
        t[p + "v.weight"] = I.normal((inner, E), 0.15)
        t[p + "o.weight"] = I.normal((E, inner), s_out)

    def ff(p):
        if gated:
            t[p + "DenseReluDense.wi_0.weight"] = I.normal((d_ff, E), 0.15)
            t[p + "DenseReluDense.wi_1.weight"] = I.normal((d_ff, E), 0.15)
        else:
            t[p + "DenseReluDense.wi.weight"] = I.normal((d_ff, E), 0.15)
        t[p + "DenseReluDense.wo.weight"] = I.normal((E, d_ff), s_out)

    for stack, n_sub in (("encoder", 2), ("decoder", 3)):
        for l in range(LAYERS):
            p = f"{stack}.block.{l}."
            attn(p + "layer.0.SelfAttention.")
            if l == 0:
                t[p + "layer.0.SelfAttention.relative_attention_bias.weight"] = I.normal((32, HEADS), 1.0)
            if stack == "decoder":
                attn(p + "layer.1.EncDecAttention.")
            ff(p + f"layer.{n_sub - 1}.")
            for s in range(n_sub):
                t[p + f"layer.{s}.layer_norm.weight"] = I.normal((E,), 0.1, 1.0)
    return cfg, t


# ---------------------------------------------------------------------------------------------
# Expected values
# ---------------------------------------------------------------------------------------------

def eos_set(cfg):
    e = cfg.get("eos_token_id")
    return set(e if isinstance(e, list) else ([] if e is None else [e]))


def dec_logits(cfg, W, ids):
    return R.decoder_forward(cfg, W, torch.tensor([ids]))[0][0]


def greedy_decoder(cfg, W, prompt, n_new):
    """Greedy with a KV cache; stops after an eos token (included). Returns tokens, margins and
    the max difference of every cached step's logits against a full recompute. Phi-3 with
    rope_scaling: the step whose input first reaches original_max_position_embeddings + 1 tokens
    runs without the cache (Phi3ForCausalLM.prepare_inputs_for_generation drops it there, so no
    short-factor key stays in a long run's cache)."""
    eos = eos_set(cfg)
    recompute_at = (cfg.get("original_max_position_embeddings", 4096) + 1
                    if cfg["model_type"] == "phi3" and cfg.get("rope_scaling") else None)
    logits, past = R.decoder_forward(cfg, W, torch.tensor([prompt]))
    row = logits[0, -1]
    toks, margins, cache_diff = [], [], 0.0
    for _ in range(n_new):
        margins.append(top2_margin(row))
        nxt = int(row.argmax())
        toks.append(nxt)
        if nxt in eos or len(toks) == n_new:
            break
        if len(prompt) + len(toks) == recompute_at:
            logits, past = R.decoder_forward(cfg, W, torch.tensor([prompt + toks]))
        else:
            logits, past = R.decoder_forward(cfg, W, torch.tensor([[nxt]]), None, past)
        row = logits[0, -1]
        full = dec_logits(cfg, W, prompt + toks)[-1]
        cache_diff = max(cache_diff, maxdiff(row, full))
    return toks, margins, cache_diff


def check_decoder_padding(cfg, W, seqs, singles):
    """Left- and right-padded batch of all sequences vs the unpadded runs."""
    B, L = len(seqs), max(len(s) for s in seqs)
    worst = 0.0
    for side in ("left", "right"):
        ids = torch.full((B, L), 3, dtype=torch.long)
        mask = torch.zeros((B, L), dtype=torch.long)
        for b, s in enumerate(seqs):
            sl = slice(L - len(s), L) if side == "left" else slice(0, len(s))
            ids[b, sl] = torch.tensor(s)
            mask[b, sl] = 1
        out = R.decoder_forward(cfg, W, ids, mask)[0]
        for b, s in enumerate(seqs):
            sl = slice(L - len(s), L) if side == "left" else slice(0, len(s))
            worst = max(worst, maxdiff(out[b, sl], singles[b]))
    return worst


def decoder_expected(cfg, W, seed, ablations=None, min_distinct=1):
    """min_distinct: the first generation must produce that many different tokens (tiny random models
    tend to repeat one token, which would exercise the cache and the sliding window less)."""
    eos = eos_set(cfg)
    specials = eos | {cfg.get("bos_token_id"), cfg.get("pad_token_id")}
    lo, hi = 3, cfg["vocab_size"] - 1
    for attempt in range(50):
        g = torch.Generator().manual_seed(seed * 1000 + attempt)

        def draw(n):
            while True:
                s = draw_ids(g, n, lo, hi)
                if not specials.intersection(s):
                    return s

        seqs = [draw(5), draw(9), draw(12)]
        prompts = [draw(4), draw(7)]
        ctxs = [draw(4), draw(7), draw(5)]
        conts = [draw(3), draw(5), None]  # third continuation = greedy continuation (is_greedy true)
        gens = [greedy_decoder(cfg, W, p, 8) for p in prompts]
        g3 = greedy_decoder(cfg, W, ctxs[2], 4)
        margins = [m for gtok in gens for m in gtok[1]] + g3[1]
        if (min(margins) > MIN_MARGIN and not any(eos.intersection(x[0]) for x in gens + [g3])
                and len(set(gens[0][0])) >= min_distinct):
            break
    else:
        raise RuntimeError("could not draw inputs with greedy margins > 1e-3")
    conts[2] = g3[0]
    # look for a second prompt whose greedy continuation stops at an eos token (tests the stop rule)
    g = torch.Generator().manual_seed(seed * 7919)
    for attempt in range(3000):
        p = draw(7)
        r = greedy_decoder(cfg, W, p, 8)
        if eos.intersection(r[0]) and min(r[1]) > MIN_MARGIN:
            prompts[1], gens[1] = p, r
            margins = [m for gtok in gens for m in gtok[1]] + g3[1]
            break
    singles = [dec_logits(cfg, W, s) for s in seqs]
    checks = {"padded_batch_vs_unpadded_maxdiff": check_decoder_padding(cfg, W, seqs, singles),
              "kv_cache_vs_full_maxdiff": max(x[2] for x in gens + [g3])}
    # float32 run of the same reference (information for the engine's tolerance)
    W32 = {k: v.float() for k, v in W.items()}
    checks["float32_vs_float64_logits_maxdiff"] = max(
        maxdiff(R.decoder_forward(cfg, W32, torch.tensor([s]))[0][0].double(), singles[i]) for i, s in enumerate(seqs))
    logliks = []
    for ctx, cont in zip(ctxs, conts):
        # the run is context + continuation without its last token, as lm-evaluation-harness feeds it (its logits are
        # never used); the same thing for a causal model, except that longrope picks its factors by the run's length
        lg = dec_logits(cfg, W, ctx + cont[:-1])
        lp = torch.log_softmax(lg, dim=-1)
        per, greedy = [], True
        for j, tok in enumerate(cont):
            row = len(ctx) - 1 + j
            per.append(float(lp[row, tok]))
            greedy = greedy and int(lg[row].argmax()) == tok
        logliks.append({"context": ctx, "continuation": cont, "sum": float(sum(per)), "per_token": per,
                        "is_greedy": greedy})
    assert logliks[2]["is_greedy"] and not logliks[0]["is_greedy"]
    # what each feature does to the logits of the longest sequence (it must matter, or the case would not test it)
    for what, change in (ablations or {}).items():
        diff = maxdiff(dec_logits(dict(cfg, **change), W, seqs[2]), singles[2])
        assert diff > 1e-2, (what, diff)
        checks[f"without_{what}_logits_maxdiff"] = diff
    spread = float(torch.cat(singles).std())
    exp = {
        "sequences": [{"input_ids": s, "logits": [r7(r.tolist()) for r in lg]} for s, lg in zip(seqs, singles)],
        "loglik": logliks,
        "generation": [{"prompt": p, "max_new_tokens": 8, "tokens": x[0], "hit_eos": bool(eos.intersection(x[0]))}
                       for p, x in zip(prompts, gens)],
        "note": ("generation: greedy, HF generate semantics: only the new tokens are listed; decoding stops after "
                 "a token in eos_token_id (int or list), which is then included as the last token; hit_eos "
                 "tells whether that happened. No bos token is prepended anywhere: input_ids/prompt/context are "
                 "fed exactly as listed."),
        "min_greedy_margin": min(margins),
        "logits_std": spread,
        "self_checks": checks,
    }
    return exp


def encoder_expected(cfg, W, seed):
    fn = R.ENCODERS[cfg["model_type"]]
    g = torch.Generator().manual_seed(seed)
    is_bert = cfg["model_type"] == "bert"
    pad = cfg["pad_token_id"]
    items = []
    if is_bert:  # [CLS]=2 ... [SEP]=3 style framing (ids arbitrary; the tokenizer comes later)
        a = [2] + draw_ids(g, 4, 5, VOCAB) + [3]
        b = [2] + draw_ids(g, 7, 5, VOCAB) + [3]
        c1, c2 = draw_ids(g, 5, 5, VOCAB), draw_ids(g, 4, 5, VOCAB)
        c = [2] + c1 + [3] + c2 + [3]
        tts = [[0] * len(a), [0] * len(b), [0] * (len(c1) + 2) + [1] * (len(c2) + 1)]
        inputs = [a, b, c]
    else:  # <s>=0 ... </s>=2, pair: <s> A </s></s> B </s>
        a = [0] + draw_ids(g, 4, 3, VOCAB) + [2]
        b = [0] + draw_ids(g, 7, 3, VOCAB) + [2]
        c1, c2 = draw_ids(g, 5, 3, VOCAB), draw_ids(g, 4, 3, VOCAB)
        c = [0] + c1 + [2, 2] + c2 + [2]
        inputs = [a, b, c]
        tts = [[0] * len(x) for x in inputs]
    singles = []
    for ids, tt in zip(inputs, tts):
        assert pad not in ids
        lg = fn(cfg, W, torch.tensor([ids]), None, torch.tensor([tt]))[0]
        singles.append(lg)
        items.append({"input_ids": ids, "token_type_ids": tt, "logits": lg.tolist(),
                      "label": int(lg.argmax()), "top2_margin": top2_margin(lg) if lg.numel() > 1 else None})
    # right-padded batch (pad id in the pad slots, as a tokenizer would produce)
    L = max(len(x) for x in inputs)
    ids = torch.full((3, L), pad, dtype=torch.long)
    tt = torch.zeros((3, L), dtype=torch.long)
    mask = torch.zeros((3, L), dtype=torch.long)
    for i, (x, y) in enumerate(zip(inputs, tts)):
        ids[i, :len(x)] = torch.tensor(x)
        tt[i, :len(y)] = torch.tensor(y)
        mask[i, :len(x)] = 1
    out = fn(cfg, W, ids, mask, tt)
    W32 = {k: v.float() for k, v in W.items()}
    checks = {"padded_batch_vs_unpadded_maxdiff": max(maxdiff(out[i], singles[i]) for i in range(3)),
              "float32_vs_float64_logits_maxdiff": max(
                  maxdiff(fn(cfg, W32, torch.tensor([x]), None, torch.tensor([y]))[0].double(), singles[i])
                  for i, (x, y) in enumerate(zip(inputs, tts)))}
    return {"classification": items, "self_checks": checks}


def t5_greedy(cfg, W, inp, n_new):
    enc = R.t5_encode(cfg, W, torch.tensor([inp]))
    start = cfg["decoder_start_token_id"]
    eos = eos_set(cfg)
    logits, past = R.t5_decode(cfg, W, torch.tensor([[start]]), enc)
    row = logits[0, -1]
    toks, margins, cache_diff = [], [], 0.0
    while True:
        margins.append(top2_margin(row))
        nxt = int(row.argmax())
        toks.append(nxt)
        if nxt in eos or len(toks) == n_new:
            break
        logits, past = R.t5_decode(cfg, W, torch.tensor([[nxt]]), enc, None, None, past)
        row = logits[0, -1]
        full = R.t5_decode(cfg, W, torch.tensor([[start] + toks]), enc)[0][0, -1]
        cache_diff = max(cache_diff, maxdiff(row, full))
    return toks, margins, cache_diff


def t5_expected(cfg, W, seed):
    eos = cfg["eos_token_id"]
    start = cfg["decoder_start_token_id"]
    for attempt in range(50):
        g = torch.Generator().manual_seed(seed * 1000 + attempt)
        inputs = [draw_ids(g, n, 2, VOCAB) + [eos] for n in (5, 8, 11)]
        labels = [draw_ids(g, n, 2, VOCAB) + [eos] for n in (3, 5, 7)]
        gen_inputs = [draw_ids(g, n, 2, VOCAB) + [eos] for n in (6, 9)]
        gens = [t5_greedy(cfg, W, x, 8) for x in gen_inputs]
        margins = [m for x in gens for m in x[1]]
        if min(margins) > MIN_MARGIN:
            break
    else:
        raise RuntimeError("could not draw inputs with greedy margins > 1e-3")
    # look for a second generation input whose greedy output stops at eos (tests the stop rule)
    g = torch.Generator().manual_seed(seed * 7919)
    for attempt in range(3000):
        x = draw_ids(g, 9, 2, VOCAB) + [eos]
        r = t5_greedy(cfg, W, x, 8)
        if eos in r[0] and min(r[1]) > MIN_MARGIN:
            gen_inputs[1], gens[1] = x, r
            margins = [m for x in gens for m in x[1]]
            break
    items, singles = [], []
    for inp, lab in zip(inputs, labels):
        enc = R.t5_encode(cfg, W, torch.tensor([inp]))
        lg = R.t5_decode(cfg, W, torch.tensor([[start] + lab[:-1]]), enc)[0][0]
        singles.append(lg)
        lp = torch.log_softmax(lg, dim=-1)
        ll = float(sum(lp[j, t] for j, t in enumerate(lab)))
        items.append({"input_ids": inp, "labels": lab, "decoder_input_ids": [start] + lab[:-1],
                      "logits": [r7(r.tolist()) for r in lg], "loglik_sum": ll})
    # padded batch: encoder inputs right-padded with pad 0 (mask), decoder inputs right-padded
    Li, Ld = max(map(len, inputs)), max(map(len, labels))
    ids = torch.zeros((3, Li), dtype=torch.long)
    im = torch.zeros((3, Li), dtype=torch.long)
    dids = torch.zeros((3, Ld), dtype=torch.long)
    dm = torch.zeros((3, Ld), dtype=torch.long)
    for i, (x, y) in enumerate(zip(inputs, labels)):
        ids[i, :len(x)] = torch.tensor(x)
        im[i, :len(x)] = 1
        dids[i, :len(y)] = torch.tensor([start] + y[:-1])
        dm[i, :len(y)] = 1
    enc = R.t5_encode(cfg, W, ids, im)
    out = R.t5_decode(cfg, W, dids, enc, im, dm)[0]
    W32 = {k: v.float() for k, v in W.items()}
    f32diff = 0.0
    for i, (x, y) in enumerate(zip(inputs, labels)):
        e32 = R.t5_encode(cfg, W32, torch.tensor([x]))
        f32diff = max(f32diff, maxdiff(R.t5_decode(cfg, W32, torch.tensor([[start] + y[:-1]]), e32)[0][0].double(),
                                       singles[i]))
    checks = {"padded_batch_vs_unpadded_maxdiff": max(maxdiff(out[i, :len(y)], singles[i])
                                                      for i, y in enumerate(labels)),
              "kv_cache_vs_full_maxdiff": max(x[2] for x in gens),
              "float32_vs_float64_logits_maxdiff": f32diff}
    hit = [eos in x[0] for x in gens]
    return {
        "seq2seq": items,
        "generation": [{"input_ids": x, "max_new_tokens": 8, "tokens": gtok[0], "hit_eos": h}
                       for x, gtok, h in zip(gen_inputs, gens, hit)],
        "note": ("generation: greedy from decoder_start_token_id 0 (not included in tokens); decoding stops "
                 "after eos (1), which is then included as the last token; hit_eos tells whether that "
                 f"happened (here: {hit})."),
        "min_greedy_margin": min(margins),
        "logits_std": float(torch.cat(singles).std()),
        "self_checks": checks,
    }


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------

LLAMA3_SCALING = {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                  "original_max_position_embeddings": 64, "rope_type": "llama3"}

# three factors for the 6 rotated dims of the phi3 cases (rotary dims / 2, as Phi3Config requires)
LONGROPE_SCALING = {"long_factor": [1.0, 3.0, 9.0], "short_factor": [1.0, 1.15, 1.3], "type": "longrope"}

CASES = {
    "gpt2": (lambda: gpt2_case(101), "F32", "decoder",
             "GPT2LMHeadModel: Conv1D [in,out] weights, learned positions, gelu_new, tied head (no lm_head.weight)"),
    "llama": (lambda: llama_family_case(102, "llama", "F32", kv=2, inter=176, tied=False, rope_theta=10000.0,
                                        rms_eps=1e-5), "F32", "decoder",
              "LlamaForCausalLM: GQA 4 heads / 2 kv heads, untied lm_head, rope_theta 1e4"),
    "llama_tied_bf16": (lambda: llama_family_case(103, "llama", "BF16", kv=4, inter=128, tied=True,
                                                  rope_theta=10000.0, rms_eps=1e-6), "BF16", "decoder",
                        "LlamaForCausalLM stored BF16, tie_word_embeddings true (no lm_head.weight), MHA (kv=heads)"),
    "mistral": (lambda: llama_family_case(104, "mistral", "F16", kv=1, inter=160, tied=False, rope_theta=1e6,
                                          rms_eps=1e-5, head_dim=32), "F16", "decoder",
                "MistralForCausalLM stored F16, 1 kv head (MQA), explicit head_dim 32 != hidden/heads (Mistral-Nemo "
                "style), rope_theta 1e6, sliding_window null"),
    "qwen2": (lambda: llama_family_case(105, "qwen2", "BF16", kv=2, inter=128, tied=True, rope_theta=1e6,
                                        rms_eps=1e-6, bos=511, eos=511), "BF16", "decoder",
              "Qwen2ForCausalLM stored BF16: q/k/v biases, tied head, no head_dim field"),
    "llama3_rope_scaling": (lambda: llama_family_case(106, "llama", "BF16", kv=2, inter=128, tied=False,
                                                      rope_theta=500000.0, rms_eps=1e-5, rope_scaling=LLAMA3_SCALING,
                                                      bos=0, eos=[1, 2]), "BF16", "decoder",
                            "Llama 3.1 style: rope_scaling llama3 (original_max_position_embeddings 64 so all "
                            "three frequency bands occur), eos_token_id a list"),
    "bert": (lambda: bert_case(107), "F32", "encoder",
             "BertForSequenceClassification, 3 labels, pooler + classifier, a sentence pair with token types"),
    "roberta": (lambda: roberta_case(108), "F32", "encoder",
                "RobertaForSequenceClassification, 2 labels, padding_idx positions, classifier.dense/out_proj"),
    "t5": (lambda: t5_case(109, gated=False), "F32", "t5",
           "T5ForConditionalGeneration classic: relu FF, tied head with d_model^-0.5 rescale"),
    "flan_t5": (lambda: t5_case(110, gated=True), "F32", "t5",
                "T5ForConditionalGeneration Flan-T5 style: gated-gelu FF, untied lm_head, heads*d_kv != d_model"),
    "qwen3": (lambda: qwen3_case(111), "BF16", "decoder",
              "Qwen3ForCausalLM (Qwen3-0.6B ratios): q_norm/k_norm over head_dim before RoPE, head_dim 16 with "
              "heads*head_dim = 2*hidden, GQA 4/2, tied head"),
    "qwen3_sliding": (lambda: qwen3_case(115, sliding=True), "BF16", "decoder",
                      "Qwen3ForCausalLM with use_sliding_window: sliding_window 4, max_window_layers 1, so layer 0 "
                      "attends fully and layer 1 to the last 4 positions"),
    "phi3": (lambda: phi3_case(112), "BF16", "decoder",
             "Phi3ForCausalLM: fused qkv_proj (q|k|v, GQA 4/2) and gate_up_proj (gate|up), partial_rotary_factor "
             "0.75, sliding_window 6 on every layer, untied head"),
    "phi3_longrope": (lambda: phi3_case(116, longrope=True), "BF16", "decoder",
                      "Phi3ForCausalLM as phi3 with rope_scaling longrope: original_max_position_embeddings 8 of "
                      "32, short factors up to 8 positions, long factors beyond, cos/sin scaled by "
                      "sqrt(1 + ln 4 / ln 8)"),
    "gemma2": (lambda: gemma_case(113, "gemma2"), "BF16", "decoder",
               "Gemma2ForCausalLM: sqrt(hidden) embedding scale, (1 + w) norms before and after attention and MLP, "
               "query_pre_attn_scalar 24, attention soft-cap 1.5, final soft-cap 1.5, layer 0 sliding (window 5), "
               "tied by default"),
    "gemma3_text": (lambda: gemma_case(114, "gemma3_text"), "BF16", "decoder",
                    "Gemma3ForCausalLM: q_norm/k_norm, sliding_window_pattern 3 (window 4), local RoPE base 1e4 on "
                    "sliding layers, rope_theta 1e6 with linear scaling 8 on the full layer, MQA, tied head"),
}

# Features of the newer cases switched off one at a time: each must change the logits.
ABLATIONS = {
    "phi3": {"sliding_window": {"sliding_window": None}, "partial_rotary": {"partial_rotary_factor": 1.0}},
    "qwen3_sliding": {"sliding_window": {"use_sliding_window": False}, "full_layers": {"max_window_layers": 0}},
    "phi3_longrope": {"longrope": {"rope_scaling": None},
                      "long_factor": {"rope_scaling": dict(LONGROPE_SCALING, long_factor=LONGROPE_SCALING["short_factor"])},
                      "attention_factor": {"rope_scaling": dict(LONGROPE_SCALING, attention_factor=1.0)}},
    "gemma2": {"attention_softcap": {"attn_logit_softcapping": None}, "final_softcap": {"final_logit_softcapping": None},
               "sliding_window": {"sliding_window": None}},
    "gemma3_text": {"sliding_window": {"sliding_window": None}, "rope_scaling": {"rope_scaling": None},
                    "local_rope_base": {"rope_local_base_freq": 1000000.0}},
}


def build(name):
    make, dtype, family, desc = CASES[name]
    cfg, tensors = make()
    seed = {"gpt2": 101, "llama": 102, "llama_tied_bf16": 103, "mistral": 104, "qwen2": 105,
            "llama3_rope_scaling": 106, "bert": 107, "roberta": 108, "t5": 109, "flan_t5": 110, "qwen3": 111,
            "phi3": 112, "gemma2": 113, "gemma3_text": 114, "qwen3_sliding": 115, "phi3_longrope": 116}[name]
    d = os.path.join(ROOT, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    save_checkpoint(d, cfg, tensors, dtype)
    W = load_f64(d)
    # the stored values are what the reference uses (BF16/F16 rounding included)
    for n, t in tensors.items():
        exp = torch.from_numpy(to_f32(from_f32(t.numpy(), dtype)).astype(np.float64))
        assert torch.equal(W[n], exp), n
    assert set(W) == set(tensors)
    if family == "decoder":
        exp = decoder_expected(cfg, W, seed, ABLATIONS.get(name), min_distinct=3 if name in ABLATIONS or name == "qwen3" else 1)
    elif family == "encoder":
        exp = encoder_expected(cfg, W, seed)
    else:
        exp = t5_expected(cfg, W, seed)
    exp = {"case": name, "description": desc, "storage_dtype": dtype,
           "reference": "tools/hf_reference.py, float64 from the stored weights", **exp}
    with open(os.path.join(d, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(exp, f, separators=(",", ":"))
        f.write("\n")
    size = sum(os.path.getsize(os.path.join(d, x)) for x in os.listdir(d))
    print(f"{name:22s} {dtype:5s} {len(W):3d} tensors  {size / 1024:7.1f} KiB  "
          f"margin {exp.get('min_greedy_margin', float('nan')):.4g}  checks {exp['self_checks']}")


def main(argv):
    names = argv or list(CASES)
    for n in names:
        build(n)
    total = 0
    for dp, _, fs in os.walk(ROOT):
        total += sum(os.path.getsize(os.path.join(dp, f)) for f in fs)
    print(f"fixtures folder {ROOT}: {total / 1024 / 1024:.2f} MiB")


if __name__ == "__main__":
    main(sys.argv[1:])
