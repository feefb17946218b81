"""Generates examples/gpt2-family/ (--layout gpt2) and, for experiments, examples/qwen2-family/ (--layout qwen2): a
small base with four light experts on GPT-2's or Qwen2's architecture, the same world, tokenizer and recipe, meant
as families where merging pays.

Qwen2 (2026-12-07, not bundled): the GPT-2 family's world, tokenizer, seeds and recipe on Qwen2's layout (Llama's
block with q/k/v biases: rotary positions, RMSNorm, SwiGLU, tied head; the forward pass is
make_example_family.llama_forward, which adds the biases). It does not make task arithmetic pay reliably: a first
run (an experiment script with the same recipe) gave TA λ 0.7 73.1 against the best expert's 42.9 (+30.2), but
this script's run (same seeds; its base trained to another loss, 1.230 against 1.254 after 300 steps, so the two
runs were not bit-identical) gave +5.9 (TA λ 0.7 52.2 against 46.3): next-in-sequence collapses to 2.5 once the
other task vectors are added. So whether TA pays here hangs on training noise, and the family was not bundled.

GPT-2 status (2026-12-07, third world): bundled as examples/gpt2-family/. `past` is a multiple choice between four
past tenses (the verb's own and three other verbs'), so only the verb-specific knowledge the base holds latently
decides it; `next` stays a generation task. Tuned task arithmetic (λ 1) scores 72.0 on the test mean, +16.2 over the
best expert (capital, 55.8); DELLA 76.4; every merge loses next-in-sequence (0–12). A first try of the choice
(options: the verb's other forms, "swims, swimming, swim") was solvable without the skill: the parity and capital
experts scored 100 on it, so it was dropped before measuring any merge.
Earlier worlds (the bundled family until 2026-12-07, with `past` a generation task; commit fdb9b9b's script), measured
(test means, Python scoring of the same rules as the CLI; bench/out, not committed):
  - first world (latent lists always joined with "and"): experts 100/100/99/90 on their own tasks, but task
    arithmetic kills past tense (1–4) and next-in-sequence (15–24); TA λ 0.7 53.4 against the best expert 49.7
    (+3.7). Adding each expert's task vector to the past expert's: capital's alone takes past from 99 to 1, and
    only through layer 0's attention (its value projection most: 46), next's to 20, parity's to 66.
  - second world, bundled until 2026-12-07 (half of the latent lists bare, as the light family's): the base is stronger (parity 79,
    capital 41), the past expert starts at loss 2.8 instead of 7.1, but merged past is still 8–21;
    TA λ 0.7 64.2 against the best expert (next) 57.1 (+7.1). Longer past (300 steps) +7.3; lighter
    parity/capital/next experts +1.9.
The generation experts' stopping and list alignment are what interference breaks on this architecture
(absolute positions, LayerNorm): merged models repeat the last item ("cried cried cried") or stop after
one. The third world therefore scores past as a choice; next-in-sequence, still a generation task, is what every
merge loses.

Usage (from the repository root, Debian's Python with torch 1.13; no network, no `transformers`):
    /usr/bin/python3 tools/make_gpt2_family.py                    # train, measure with the CLI, write the README
    /usr/bin/python3 tools/make_gpt2_family.py --measure-only     # re-measure the stored files, rewrite the README
    /usr/bin/python3 tools/make_gpt2_family.py --layout qwen2     # the same on Qwen2's layout (see above)

The light family's recipe (tools/make_light_family.py) on the other architecture SwarmMerge runs, with
other skills, so that a search tuned on the light family meets a family it has never seen:

  base/             GPT2LMHeadModel (Conv1D weights [in, out], learned positions, LayerNorm, lm_head tied to
                    transformer.wte; ~0.9M parameters, BF16) with a byte-level BPE tokenizer in GPT-2's layout
                    (tokenizer.json, vocab.json + merges.txt, one special token <|endoftext|>, nothing added
                    when encoding); pre-trained on template English and the latent forms of every skill
                    (tools/gpt2_world.py), never in the task formats
  expert-<skill>/   light full fine-tunes of the base (small learning rate, few steps), one skill each, in the
                    task format
  tasks/<skill>/{optimization,test}.jsonl   50 / 400 held-out rows, disjoint from all training text
  tasks.yml, search.yml, README.md (recipe, timings, the matrix measured by SwarmMerge's CLI), scores.json,
  timings.json

The forward pass below follows HF's modeling_gpt2.py (as tools/hf_reference.py's gpt2_forward, which the
engine's own tests compare against). The tokenizer trainer, training loop, greedy decoding and file readers
come from tools/make_example_family.py; the held-out splits, tokenizer corpus,
scoring rules, task writer, CLI runner and README tables from tools/make_light_family.py.
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in tools/

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import gpt2_world as gw  # noqa: E402
import make_example_family as mef  # noqa: E402
import make_light_family as mlf  # noqa: E402
from safetensors_io import from_f32, write_safetensors  # noqa: E402

REPO = os.path.normpath(os.path.join(HERE, ".."))

SEED = 20251007
N_OPT, N_TEST = 50, 400
EOT = "<|endoftext|>"
N_MERGES = 767          # 256 byte symbols + 767 merges + <|endoftext|> = 1024
SEQ = 64                # pre-training sequence length (packed documents)

ARCH = dict(n_embd=128, n_layer=4, n_head=4, n_inner=512, n_positions=128, layer_norm_epsilon=1e-5)

BASE_TRAIN = dict(steps=1500, batch=48, lr=3e-3, warmup=100, weight_decay=0.01)
ENGLISH_SHARE = 0.25    # of pre-training documents; the rest: the skills' latent forms, uniformly

# light fine-tunes (batch 32, AdamW, no weight decay, warmup 10 %, cosine to 10 %)
EXPERT_RECIPE = {
    "parity": dict(steps=100, lr=1e-4),
    "capital": dict(steps=150, lr=1.5e-4),
    "past": dict(steps=150, lr=1.5e-4),
    "next": dict(steps=150, lr=1.5e-4),
}
EXPERT_BATCH = 32


# =============================================================================================
# Tokenizer: GPT-2's layout (one special token, which ends documents and generations)
# =============================================================================================

class Gpt2BPE(mef.ByteBPE):
    """The light family's byte-level BPE with GPT-2's conventions: <|endoftext|> is the only special token
    (bos = eos = unk, no pad), and encoding adds nothing (the ByteLevel post-processor)."""

    def __init__(self, merges):  # noqa: super().__init__ would add the light family's three specials
        self.merges = merges
        self.rank = {m: i for i, m in enumerate(merges)}
        tokens = [mef.BYTE_CHAR[b] for b in range(256)] + [a + b for a, b in merges] + [EOT]
        assert len(set(tokens)) == len(tokens)
        self.id_to_token = tokens
        self.vocab = {t: i for i, t in enumerate(tokens)}
        self.eot = self.vocab[EOT]
        self.bos = self.eos = self.pad = self.eot  # pad only fills batches; padded positions carry no loss
        self.special = {self.eot}
        self._cache = {}

    def tokenizer_json(self):
        byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
        return {
            "version": "1.0", "truncation": None, "padding": None,
            "added_tokens": [{"id": self.eot, "content": EOT, "single_word": False, "lstrip": False, "rstrip": False,
                              "normalized": True, "special": True}],
            "normalizer": None,
            "pre_tokenizer": byte_level,
            "post_processor": dict(byte_level, trim_offsets=False),  # GPT-2's: adds no special tokens
            "decoder": byte_level,
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                      "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": dict(self.vocab), "merges": [f"{a} {b}" for a, b in self.merges]},
        }

    def tokenizer_config(self, max_len):
        return {
            "add_bos_token": False, "add_prefix_space": False,
            "added_tokens_decoder": {str(self.eot): {"content": EOT, "lstrip": False, "normalized": True, "rstrip": False,
                                                     "single_word": False, "special": True}},
            "bos_token": EOT, "clean_up_tokenization_spaces": False, "eos_token": EOT, "errors": "replace",
            "model_max_length": max_len, "pad_token": None, "tokenizer_class": "GPT2Tokenizer", "unk_token": EOT,
        }

    @staticmethod
    def special_tokens_map():
        return {"bos_token": EOT, "eos_token": EOT, "unk_token": EOT}

    @staticmethod
    def from_tokenizer_json(path):
        with open(path, encoding="utf-8") as f:
            tj = json.load(f)
        tok = Gpt2BPE([tuple(m.split(" ")) for m in tj["model"]["merges"]])
        assert tok.vocab == tj["model"]["vocab"], "tokenizer.json vocab differs from the rebuilt one"
        return tok


# =============================================================================================
# GPT-2 forward (HF GPT2LMHeadModel semantics)
# =============================================================================================

def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def gpt2_forward(cfg, W, ids, mask=None, past=None):
    """ids [B,T]; mask [B, past+T] of 0/1 over all key positions (left padding allowed; positions
    = cumsum(mask) - 1 as HF generate computes them); past: per layer (k, v) [B, H, S, d].
    Pre-LN blocks, Conv1D y = x @ W + b, fused c_attn split q|k|v, scores / sqrt(head_dim), gelu_new,
    final ln_f, head tied to wte. Returns (logits [B,T,V], new_past)."""
    B, T = ids.shape
    past_len = 0 if past is None else past[0][0].shape[2]
    if mask is None:
        mask = torch.ones(B, past_len + T, dtype=torch.long)
    E, H, eps = cfg["n_embd"], cfg["n_head"], cfg["layer_norm_epsilon"]
    hd = E // H
    pos = (mask.long().cumsum(-1) - 1).masked_fill(mask == 0, 1)[:, past_len:past_len + T]
    x = W["transformer.wte.weight"][ids] + W["transformer.wpe.weight"][pos]
    S = past_len + T
    ok = (torch.arange(S).view(1, S) <= (torch.arange(T).view(T, 1) + past_len)).view(1, 1, T, S) & (mask.view(B, 1, 1, S) > 0)
    bias = torch.where(ok, torch.zeros((), dtype=x.dtype), torch.full((), mef.NEG, dtype=x.dtype))
    ln = torch.nn.functional.layer_norm
    new_past = []
    for l in range(cfg["n_layer"]):
        p = f"transformer.h.{l}."
        a = ln(x, (E,), W[p + "ln_1.weight"], W[p + "ln_1.bias"], eps)
        q, k, v = (a @ W[p + "attn.c_attn.weight"] + W[p + "attn.c_attn.bias"]).split(E, dim=-1)
        q, k, v = (t.view(B, T, H, hd).transpose(1, 2) for t in (q, k, v))
        if past is not None:
            k = torch.cat([past[l][0], k], dim=2)
            v = torch.cat([past[l][1], v], dim=2)
        new_past.append((k, v))
        s = (q @ k.transpose(-1, -2)) * (hd ** -0.5) + bias
        o = (torch.softmax(s, dim=-1) @ v).transpose(1, 2).reshape(B, T, E)
        x = x + o @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"]
        m = ln(x, (E,), W[p + "ln_2.weight"], W[p + "ln_2.bias"], eps)
        x = x + gelu_new(m @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"]) @ W[p + "mlp.c_proj.weight"] + W[p + "mlp.c_proj.bias"]
    x = ln(x, (E,), W["transformer.ln_f.weight"], W["transformer.ln_f.bias"], eps)
    return x @ W["transformer.wte.weight"].t(), new_past


def tensor_names(cfg):
    names = ["transformer.wte.weight", "transformer.wpe.weight"]
    for l in range(cfg["n_layer"]):
        p = f"transformer.h.{l}."
        names += [p + n for n in ("ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
                                  "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
                                  "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias")]
    return names + ["transformer.ln_f.weight", "transformer.ln_f.bias"]  # no lm_head.weight: tied, as HF saves it


def init_weights(cfg, gen):
    """HF GPT2PreTrainedModel._init_weights: N(0, 0.02) for matrices and embeddings, the residual projections
    (c_proj) scaled by 1/sqrt(2·n_layer), biases 0, LayerNorm 1 / 0."""
    E, I, V, P = cfg["n_embd"], cfg["n_inner"], cfg["vocab_size"], cfg["n_positions"]
    std = cfg["initializer_range"]
    shapes = {"attn.c_attn.weight": (E, 3 * E), "attn.c_proj.weight": (E, E), "mlp.c_fc.weight": (E, I),
              "mlp.c_proj.weight": (I, E), "transformer.wte.weight": (V, E), "transformer.wpe.weight": (P, E)}
    W = {}
    for n in tensor_names(cfg):
        key = n if n.startswith("transformer.w") else ".".join(n.split(".")[-3:])
        if key in shapes:
            scale = std / math.sqrt(2 * cfg["n_layer"]) if key.endswith("c_proj.weight") else std
            W[n] = torch.randn(*shapes[key], generator=gen) * scale
        else:
            size = {"attn.c_attn.bias": 3 * E, "mlp.c_fc.bias": I}.get(".".join(n.split(".")[-3:]), E)
            W[n] = torch.ones(size) if n.endswith("ln_1.weight") or n.endswith("ln_2.weight") or n.endswith("ln_f.weight") \
                else torch.zeros(size)
    return W


def hf_config(tok):
    return {
        "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.0,
        "bos_token_id": tok.eot, "embd_pdrop": 0.0, "eos_token_id": tok.eot, "initializer_range": 0.02,
        "layer_norm_epsilon": ARCH["layer_norm_epsilon"], "model_type": "gpt2", "n_ctx": ARCH["n_positions"],
        "n_embd": ARCH["n_embd"], "n_head": ARCH["n_head"], "n_inner": ARCH["n_inner"], "n_layer": ARCH["n_layer"],
        "n_positions": ARCH["n_positions"], "reorder_and_upcast_attn": False, "resid_pdrop": 0.0,
        "scale_attn_by_inverse_layer_idx": False, "scale_attn_weights": True, "summary_activation": None,
        "summary_first_dropout": 0.0, "summary_proj_to_labels": True, "summary_type": "cls_index",
        "summary_use_proj": True, "tie_word_embeddings": True, "torch_dtype": "bfloat16",
        "transformers_version": "4.46.0", "use_cache": True, "vocab_size": len(tok.id_to_token),
    }


def save_model(folder, cfg, W, tok):
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, "model.safetensors"),
                      [(n, from_f32(W[n].detach().numpy(), "BF16")) for n in L.tensor_names(cfg)], {"format": "pt"})
    mef.write_json(os.path.join(folder, "config.json"), cfg)
    mef.write_json(os.path.join(folder, "generation_config.json"), {
        "_from_model_config": True, "bos_token_id": tok.eot, "eos_token_id": tok.eot,
        "transformers_version": cfg["transformers_version"]})
    mef.write_json(os.path.join(folder, "tokenizer.json"), tok.tokenizer_json())
    mef.write_json(os.path.join(folder, "tokenizer_config.json"), tok.tokenizer_config(cfg[L.positions]))
    mef.write_json(os.path.join(folder, "special_tokens_map.json"), tok.special_tokens_map())
    # GPT2Tokenizer's (slow) files: the same vocabulary and merges
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(tok.vocab, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in tok.merges))


# =============================================================================================
# Qwen2 layout: Llama's block (RoPE, RMSNorm, SwiGLU, grouped KV heads) with q/k/v biases, head tied
# =============================================================================================

QWEN2_ARCH = dict(hidden_size=128, intermediate_size=256, num_hidden_layers=4, num_attention_heads=4,
                  num_key_value_heads=2, max_position_embeddings=128, rms_norm_eps=1e-6, rope_theta=10000.0)


def qwen2_tensor_names(cfg):
    names = ["model.embed_tokens.weight"]
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        names += [p + n for n in ("self_attn.q_proj.weight", "self_attn.q_proj.bias", "self_attn.k_proj.weight",
                                  "self_attn.k_proj.bias", "self_attn.v_proj.weight", "self_attn.v_proj.bias",
                                  "self_attn.o_proj.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight",
                                  "mlp.down_proj.weight", "input_layernorm.weight", "post_attention_layernorm.weight")]
    return names + ["model.norm.weight"]  # no lm_head.weight: tied, as HF saves it


def qwen2_init_weights(cfg, gen):
    """The light family's Llama initialisation (tools/make_example_family.py: N(0, 0.02), o_proj and down_proj
    scaled by 1/sqrt(2·layers), norms 1), whose untied head is drawn last and dropped here; q/k/v biases 0."""
    W = mef.init_weights(cfg, gen)
    del W["lm_head.weight"]
    hd = cfg["hidden_size"] // cfg["num_attention_heads"]
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}.self_attn."
        W[p + "q_proj.bias"] = torch.zeros(cfg["hidden_size"])
        W[p + "k_proj.bias"] = torch.zeros(cfg["num_key_value_heads"] * hd)
        W[p + "v_proj.bias"] = torch.zeros(cfg["num_key_value_heads"] * hd)
    return W


def qwen2_config(tok):
    a = QWEN2_ARCH
    return {
        "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": tok.eot, "eos_token_id": tok.eot,
        "hidden_act": "silu", "hidden_size": a["hidden_size"], "initializer_range": 0.02,
        "intermediate_size": a["intermediate_size"], "max_position_embeddings": a["max_position_embeddings"],
        "max_window_layers": a["num_hidden_layers"], "model_type": "qwen2", "num_attention_heads": a["num_attention_heads"],
        "num_hidden_layers": a["num_hidden_layers"], "num_key_value_heads": a["num_key_value_heads"],
        "rms_norm_eps": a["rms_norm_eps"], "rope_scaling": None, "rope_theta": a["rope_theta"],
        "sliding_window": a["max_position_embeddings"], "tie_word_embeddings": True, "torch_dtype": "bfloat16",
        "transformers_version": "4.46.0", "use_cache": True, "use_sliding_window": False, "vocab_size": len(tok.id_to_token),
    }


class Layout:
    """What differs between the family's two architectures; everything else (world, tokenizer, recipe, measuring)
    is shared."""

    def __init__(self, name, title, forward, tensor_names, init_weights, hf_config, positions):
        self.name, self.title = name, title
        self.forward, self.tensor_names, self.init_weights, self.hf_config = forward, tensor_names, init_weights, hf_config
        self.positions = positions  # the config key of the context length
        self.out = os.path.join(REPO, "examples", f"{name}-family")


LAYOUTS = {
    "gpt2": Layout("gpt2", "GPT-2", gpt2_forward, tensor_names, init_weights, hf_config, "n_positions"),
    "qwen2": Layout("qwen2", "Qwen2", mef.llama_forward, qwen2_tensor_names, qwen2_init_weights, qwen2_config,
                    "max_position_embeddings"),
}
L = LAYOUTS["gpt2"]  # the layout being generated (main sets it from --layout)


# =============================================================================================
# Data
# =============================================================================================

def held_out_splits(skills):
    return mlf.held_out_splits(skills, SEED)


def tokenizer_corpus(skills, held, rng):
    return mlf.tokenizer_corpus(skills, held, rng, gw.english)


def make_base_sampler(tok, skills, held):
    names = list(skills)

    def doc(rng):
        if rng.random() < ENGLISH_SHARE:
            return gw.english(rng)
        s = rng.choice(names)
        return skills[s].latent(rng, held[s])

    def sampler(rng):
        # documents packed and ended by <|endoftext|>, as GPT-2 was trained; half of the sequences start after one
        ids = [tok.eot] if rng.random() < 0.5 else []
        while len(ids) < SEQ + 1:
            ids += tok.encode(doc(rng)) + [tok.eot]
        return ids[:SEQ + 1], 0
    return sampler


def make_expert_sampler(tok, sk, held):
    def sampler(rng):
        while True:
            key, row = sk.row(rng)
            if key not in held:
                break
        p, c = sk.train_text(row)
        pid, full = tok.encode(p), tok.encode(p + c)  # no special token first: GPT-2's tokenizer adds none
        assert full[:len(pid)] == pid, (p, c)
        # loss on the completion only; a generated answer also learns to end (<|endoftext|>)
        return (full + [tok.eot] if sk.kind == "generation" else full), len(pid)
    return sampler


def train(cfg, W, sampler, tok, steps, lr, batch, warmup, weight_decay, seed, log, label):
    """AdamW (betas 0.9/0.98), weight decay on the matrices and embeddings only (not biases, LayerNorm)."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    params = {n: t.clone().requires_grad_(True) for n, t in W.items()}
    groups = [{"params": [p for p in params.values() if p.dim() == 2], "weight_decay": weight_decay},
              {"params": [p for p in params.values() if p.dim() == 1], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.98), eps=1e-8)
    return mef.train_steps(cfg, params, opt, sampler, tok, steps, lr, warmup, batch, rng, log, label, max(1, steps // 5),
                           forward=L.forward)


# =============================================================================================
# Scoring in Python (the same rules as SwarmMerge's TaskEvaluator)
# =============================================================================================

def score_all(cfg, W, tok, skills, splits, split):
    """The light family's scoring rules on the layout's forward pass, prompts without a leading special token."""
    return mlf.score_all(cfg, W, tok, skills, splits, split, forward=L.forward, bos=False)


# =============================================================================================
# Files
# =============================================================================================

def write_search(out, skills):
    """The light family's demo search, over this family (same methods, budget, baselines and seed)."""
    rel = os.path.relpath(out, REPO)
    n = len(skills)
    lines = [f"# A search over the {L.title} family (run from the repository root: paths resolve against the",
             "# working directory, as in mergekit), the same as examples/light-family/search.yml:",
             "#   swarmmerge search " + os.path.join(rel, "search.yml") + f" --out runs/{L.name}",
             f"base_model: {rel}/base",
             "models:"]
    lines += [f"  - {rel}/expert-{s}" for s in skills]
    lines += [f"tasks: {rel}/tasks.yml",
              "fitness: mean",
              "methods:                          # the first one's best goes to merged/",
              "  - pso: {}                       # the default preset: particles at the experts, the anchor merges and task arithmetic",
              "  - pso: {name: pso-paper, preset: paper}   # the paper's algorithm: 2n+1 particles, w 0.2, c1 = c2 = 2, p 0.8",
              "  - cma_es: {}                    # CMA-ES over the same coefficient space, same budget",
              f"budget: {(2 * n + 1) * 6}                        # (2n+1)·(S+1) = {2 * n + 1}·6: the paper's PSO count",
              "baselines: [task_arithmetic, ties, dare_ties, della]",
              "seed: 0"]
    with open(os.path.join(out, "search.yml"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


# =============================================================================================
# Pipeline
# =============================================================================================

def train_family(args, skills, log):
    out = os.path.abspath(args.out)
    timings = {}
    t_start = time.time()
    splits, held = held_out_splits(skills)
    tok = Gpt2BPE(mef.train_bpe(tokenizer_corpus(skills, held, random.Random(SEED)), N_MERGES))
    timings["tokenizer"] = time.time() - t_start
    log(f"tokenizer: {len(tok.id_to_token)} tokens ({timings['tokenizer']:.0f}s); e.g. "
        + " | ".join(tok.id_to_token[i] for i in tok.encode("Number: 4817\nParity: odd. past of swim go -> swam went")))
    cfg = L.hf_config(tok)
    mlf.clear_generated(out, skills)
    mlf.write_tasks(out, skills, splits, f"the {L.title} example family", "tools/make_gpt2_family.py")
    write_search(out, skills)

    W0 = L.init_weights(cfg, torch.Generator().manual_seed(SEED))
    log(f"base: {sum(t.numel() for t in W0.values()):,} parameters")
    t0 = time.time()
    bt = dict(BASE_TRAIN, steps=args.base_steps)
    Wb = train(cfg, W0, make_base_sampler(tok, skills, held), tok, bt["steps"], bt["lr"], bt["batch"], bt["warmup"],
               bt["weight_decay"], SEED + 1, log, "base")
    timings["base"] = time.time() - t0
    save_model(os.path.join(out, "base"), cfg, Wb, tok)
    _, Wb = mef.load_model(os.path.join(out, "base"))  # experts start from the stored BF16 values
    log(f"base trained in {timings['base']:.0f}s")
    if args.quick_eval:
        log("  base (test): " + json.dumps({k: round(v, 1) for k, v in score_all(cfg, Wb, tok, skills, splits, "test").items()}))

    for si, (name, sk) in enumerate(skills.items()):
        r = EXPERT_RECIPE[name]
        t0 = time.time()
        We = train(cfg, Wb, make_expert_sampler(tok, sk, held[name]), tok, r["steps"], r["lr"], EXPERT_BATCH,
                   max(1, r["steps"] // 10), 0.0, SEED + 10 + si, log, f"expert-{name}")
        timings[f"expert-{name}"] = time.time() - t0
        save_model(os.path.join(out, f"expert-{name}"), cfg, We, tok)
        if args.quick_eval:
            _, We = mef.load_model(os.path.join(out, f"expert-{name}"))
            log(f"  expert-{name} ({timings[f'expert-{name}']:.0f}s) test: "
                + json.dumps({k: round(v, 1) for k, v in score_all(cfg, We, tok, skills, splits, "test").items()}))
    timings["train_total"] = time.time() - t_start
    with open(os.path.join(out, "timings.json"), "w", encoding="utf-8") as f:
        json.dump(timings, f, indent=1)


def cli_matrix(out, skills, threads, log, python=True):
    """Every row of the README's matrix on both splits, scored by `swarmmerge eval` (merges made by
    `swarmmerge merge`); with python=True also by this file's forward pass, on the very same files."""
    cli = mlf.Cli(threads, log)
    splits, _ = held_out_splits(skills)
    tok = Gpt2BPE.from_tokenizer_json(os.path.join(out, "base", "tokenizer.json"))
    tasks = os.path.join(out, "tasks.yml")
    scratch = tempfile.mkdtemp(prefix=f"{L.name}-family-")
    rows, configs = {}, {}
    try:
        base = os.path.join(out, "base")
        experts = [os.path.join(out, f"expert-{s}") for s in skills]
        todo = [("base", base)] + [(f"expert-{s}", e) for s, e in zip(skills, experts)]
        configs["average"] = cli.merge("linear", base, experts, {"weight": 1.0}, {"normalize": True},
                                       os.path.join(scratch, "average"))
        todo.append(("average", os.path.join(scratch, "average")))
        for i, (name, method, mp, tp) in enumerate(mlf.DATA_FREE):
            folder = os.path.join(scratch, f"merge{i}")
            configs[name] = cli.merge(method, base, experts, mp, tp, folder)
            todo.append((name, folder))
        for name, folder in todo:
            row = {split: cli.eval(folder, tasks, split, scratch) for split in ("optimization", "test")}
            if python:
                cfg, W = mef.load_model(folder)
                row["python"] = {split: score_all(cfg, W, tok, skills, splits, split) for split in ("optimization", "test")}
            rows[name] = row
            t = row["test"]
            log(f"  {name:30s} " + " ".join(f"{s[:6]}={t[s]:5.1f}" for s in skills) + f"  mean={sum(t.values()) / len(t):5.1f}"
                + (f"  python mean={sum(row['python']['test'].values()) / len(t):5.1f}" if python else ""))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return rows, configs, cli


def write_readme(out, skills, rows, configs, cli, norms, cos, bnorm, timings, args):
    cfg, base = mef.load_model(os.path.join(out, "base"))
    tok = Gpt2BPE.from_tokenizer_json(os.path.join(out, "base", "tokenizer.json"))
    nparams = sum(t.numel() for t in base.values())
    names = list(skills)
    mean = lambda n, split="test": mlf._mean(rows[n][split], names)
    experts = [f"expert-{s}" for s in names]
    merges = ["average"] + [n for n, *_ in mlf.DATA_FREE]
    groups = [["base"], experts, merges]
    best_single, best_ta, gap, tas = mlf._summary(rows, names)
    best_ta_test = max(tas, key=mean)
    merge_names = [n for n, *_ in mlf.DATA_FREE]
    best_merge = max(merge_names, key=lambda n: (mean(n, "optimization"), -merge_names.index(n)))
    rel = os.path.relpath(out, REPO)
    cmd = "/usr/bin/python3 tools/make_gpt2_family.py" + ("" if L.name == "gpt2" else f" --layout {L.name}") \
        + ("" if out == L.out else f" --out {rel}")
    chance = mlf.CHANCE
    skill_rows = "".join(f"| `{s}` | {sk.kind} | {sk.example} | {chance[sk.kind]} |\n" for s, sk in skills.items())
    recipe_rows = "".join(
        f"| `{s}` | {EXPERT_RECIPE[s]['steps']} | {EXPERT_RECIPE[s]['lr']:g} | {timings.get(f'expert-{s}', float('nan')):.0f} s | "
        f"{100 * norms[s]:.2f} % |\n" for s in names)
    cos_table = "| | " + " | ".join(names) + " |\n|---|" + "---:|" * len(names) + "\n"
    for x in names:
        cos_table += f"| {x} | " + " | ".join(f"{cos[(x, y)]:.3f}" for y in names) + " |\n"
    off = [cos[(x, y)] for x in names for y in names if x < y]
    weights = ["base/model.safetensors"] + [f"expert-{s}/model.safetensors" for s in names]
    hashes = "\n".join(f"    {mlf.sha256(os.path.join(out, w))}  {w}" for w in weights)
    own = {s: rows[f"expert-{s}"]["test"][s] for s in names}
    best_other = {s: max(rows[f"expert-{t}"]["test"][s] for t in names if t != s) for s in names}
    if L.name == "gpt2":
        ta_paragraph = f"""The best data-free merge of the table on the optimization split, `{best_merge}`, scores {mean(best_merge):.1f} on the
test mean ({mean(best_merge) - mean(best_single):+.1f}). The one generation task, next-in-sequence, is lost by every
data-free merge (its expert's answers repeat or stop early once other task vectors are added, on this architecture's
absolute positions): what the merges gain comes from the three scored-by-choice skills, and next-in-sequence is
left for a search to win back."""
        origin = "on GPT-2's architecture, with other skills"
        layout_row = f"`GPT2LMHeadModel`, {nparams:,} parameters: BF16 `model.safetensors` (no `lm_head.weight`: tied to `transformer.wte.weight`)"
        model_line = f"""GPT-2 layout, n_embd {cfg['n_embd']}, n_inner {cfg['n_inner']}, {cfg['n_layer']} layers, {cfg['n_head']} heads (head_dim {cfg['n_embd'] // cfg['n_head']}),
learned positions (n_positions {cfg['n_positions']}), LayerNorm ε = {cfg['layer_norm_epsilon']:g}, `gelu_new`, Conv1D weights stored [in, out],"""
    else:
        ta_paragraph = f"""The best data-free merge of the table on the optimization split, `{best_merge}`, scores {mean(best_merge):.1f} on the
test mean ({mean(best_merge) - mean(best_single):+.1f}). The world, tokenizer and training recipe are
[`examples/gpt2-family/`](../gpt2-family/README.md)'s, unchanged; only the architecture differs. There task arithmetic
pays only about 7 points (GPT-2's absolute positions and LayerNorm let the other task vectors break the generation
experts); with rotary positions and RMSNorm it pays as on the light family."""
        origin = "and the skills of [`examples/gpt2-family/`](../gpt2-family/README.md), on Qwen2's architecture"
        layout_row = f"`Qwen2ForCausalLM`, {nparams:,} parameters: BF16 `model.safetensors` (no `lm_head.weight`: tied to `model.embed_tokens.weight`)"
        model_line = f"""Qwen2 layout (Llama's block with q/k/v biases), hidden {cfg['hidden_size']}, intermediate {cfg['intermediate_size']}, {cfg['num_hidden_layers']} layers,
{cfg['num_attention_heads']} heads and {cfg['num_key_value_heads']} KV heads (head_dim {cfg['hidden_size'] // cfg['num_attention_heads']}), rotary positions (θ {cfg['rope_theta']:g}, up to {cfg['max_position_embeddings']}), RMSNorm ε = {cfg['rms_norm_eps']:g}, SwiGLU,"""
    text = f"""# {L.title} example family: a small {L.title} base and {len(names)} light experts, where merging pays

The recipe of [`examples/light-family/`](../light-family/README.md) {origin}:
a base pre-trained on a broad mixture that holds every skill's capability *latently* (as prose and in other
templates, never in a task format), and experts that are *light* full fine-tunes of it, each teaching the
base one task format. Task vectors are {100 * min(norms.values()):.1f}–{100 * max(norms.values()):.1f} % of the base's weight norm, pairwise cosines
{min(off):.2f} to {max(off):.2f}. The family exists as a second, **unseen** test bed for the search: nothing in its recipe
was chosen by running `swarmmerge search` on it; the recipe was set from the data-free merges of the table below only.

**Task arithmetic ({best_ta}, the λ best on the optimization split) scores {mean(best_ta):.1f} on the
{len(names)}-task test mean, {gap:+.1f} points over the best single expert (`{best_single}`, {mean(best_single):.1f}).**
{ta_paragraph}

`search.yml` is the light family's demo search over this family (`swarmmerge search {rel}/search.yml --out runs/{L.name}`).

## Regenerating

Generated by `tools/make_gpt2_family.py` from the repository root, with Debian's Python (torch {torch.__version__},
numpy; no network, no `transformers`), and measured with this checkout's `swarmmerge` CLI:

    {cmd}                  # train, measure with the CLI, write this README
    {cmd} --measure-only   # re-measure the stored files, rewrite this README

Deterministic: seed {SEED} (held-out rows: seed·100 + skill index; tokenizer corpus and initialisation: {SEED};
base training: {SEED + 1}; expert i: {SEED + 10} + i, in the order of the table below),
`torch.set_num_threads({args.threads})` (`--threads N`), CPU. Another CPU, BLAS or torch version may change
low bits of the weights; the measured numbers should stay close.

Wall time of the run that produced these files, on {args.threads} threads of a 2-core machine shared with other
work (so contended): training {timings.get('train_total', float('nan')) / 60:.1f} min (tokenizer {timings.get('tokenizer', float('nan')):.0f} s, base {timings.get('base', float('nan')):.0f} s,
experts as below), measuring {timings.get('measure', float('nan')) / 60:.1f} min (`swarmmerge merge` and `eval` of {len(rows)} models
on both splits, plus the Python cross-check). The folder is {mlf.folder_size(out) / 1e6:.1f} MB.

## Layout

| path | what |
|---|---|
| `base/` | {layout_row}, `config.json`, `generation_config.json`, `tokenizer.json`, `vocab.json`, `merges.txt`, `tokenizer_config.json`, `special_tokens_map.json` |
| `expert-<skill>/` | light full fine-tune of the base on one skill (the same files as `base/`) |
| `tasks/<skill>/optimization.jsonl`, `test.jsonl` | {N_OPT} / {N_TEST} rows per skill; no row, nor its content (number, option set, word list), occurs in any training text (tokenizer corpus, pre-training, fine-tuning) nor in the other split |
| `tasks.yml` | SwarmMerge task file over those splits |
| `search.yml` | the light family's demo search over this family: the default PSO preset, the paper's PSO and CMA-ES, with the data-free baselines |
| `timings.json`, `scores.json` | seconds per stage; every CLI score of the tables below |

Skills (task formats the base never saw; each prompt names its task with a word the base knows from prose):

| skill | kind | task format → answer | chance (%) |
|---|---|---|---:|
{skill_rows}
Model: {model_line}
vocabulary {cfg['vocab_size']}, head tied to the token embedding. Each `model.safetensors` is {os.path.getsize(os.path.join(out, 'base', 'model.safetensors')) / 1e6:.2f} MB.

Tokenizer: byte-level BPE in GPT-2's layout, trained by `tools/make_example_family.py`'s trainer (ids 0–255 the
bytes, 256–{255 + len(tok.merges)} the {len(tok.merges)} merges, no merge touching a digit, then `{EOT}` = {tok.eot}, the only special token:
bos, eos and unk as in GPT-2, no pad) on a sample of the pre-training text plus task-format lines. Encoding adds
no special token (`tokenizer.json`'s ByteLevel post-processor; `vocab.json` + `merges.txt` hold the same
vocabulary and merges); generation ends at `{EOT}`.

## Training

- **Base**: {args.base_steps} steps × batch {BASE_TRAIN['batch']} × {SEQ} tokens (documents packed, each ended by `{EOT}`,
  half of the sequences starting after one), AdamW (lr {BASE_TRAIN['lr']:g}, betas 0.9/0.98, warmup {BASE_TRAIN['warmup']}, cosine to 10 %,
  weight decay {BASE_TRAIN['weight_decay']:g} on matrices and embeddings, clip 1), no dropout, loss on every token. Documents: {100 * ENGLISH_SHARE:.0f} %
  template English (with generic `Question: … Answer: …` reading comprehension), {100 * (1 - ENGLISH_SHARE):.0f} % the skills' latent
  forms, uniformly over the skills (`tools/gpt2_world.py`): parity facts (*"4817 is an odd number."*, *"1941 is odd,
  so 1942 is even."*), capitals (*"lima is the capital of peru."*, *"of rome, lima and oslo, only lima is the
  capital of peru."*), past tenses (*"today i swim, yesterday i swam."*, *"the past tenses of go and see are went and
  saw."*, half of such lists bare: *"the past tenses of go see are went saw."*), successors (*"after monday comes
  tuesday."*, *"march, april, may."*, *"ten june are followed by eleven july."*). {timings.get('base', float('nan')):.0f} s.
- **Experts** (full fine-tunes from the stored BF16 base): batch {EXPERT_BATCH}, AdamW (betas 0.9/0.98, no weight decay, warmup
  10 % of the steps, cosine to 10 %, clip 1), freshly drawn task-format examples of one skill (held-out rows
  excluded), loss on the answer only (for generation also on the closing `{EOT}`):

| skill | steps | lr | time | ‖τ‖ / ‖θ₀‖ |
|---|---:|---:|---:|---:|
{recipe_rows}
‖θ₀‖ = {bnorm:.2f} over all tensors; τ = expert − base from the stored BF16 files. Pairwise cosine similarity of the
task vectors:

{cos_table}
## Measured by `swarmmerge eval` (score ×100)

Every number below was printed by `swarmmerge eval MODEL --tasks {rel}/tasks.yml [--split optimization]` on
the stored files. Merges were made by `swarmmerge merge` (float32 arithmetic, `out_dtype: float32`) from the
stored BF16 files: `average` is `linear` (weight 1 each); `task_arithmetic λ` is θ₀ + λ·Σᵢ τᵢ (weight 1 each);
`ties` {{weight: 1, density: 0.5}}, `dare_ties` {{weight: 1, density: 0.5, normalize: true}}, `della` {{weight: 1,
density: 0.5, epsilon: 0.1}} (the search's default baselines; DARE and DELLA with `--seed 0`).

Test split ({N_TEST} rows per task):

{mlf._matrix(rows, names, groups, 'test')}
Optimization split ({N_OPT} rows per task):

{mlf._matrix(rows, names, groups, 'optimization')}
- Every expert on its own skill: {", ".join(f"{s} {own[s]:.1f}" for s in names)}; the best other expert on it:
  {", ".join(f"{s} {best_other[s]:.1f}" for s in names)}; the base: {", ".join(f"{s} {rows['base']['test'][s]:.1f}" for s in names)}
  (chance: {", ".join(f"{s} {chance[skills[s].kind]}" for s in names)}).
- Best single expert on the test mean: `{best_single}`, {mean(best_single):.1f}.
- λ chosen on the optimization split: **{best_ta}** (optimization means {", ".join(f"λ={n.split('=')[1]}: {mean(n, 'optimization'):.1f}" for n in tas)});
  its test mean is {mean(best_ta):.1f}, **{gap:+.1f} points** over the best single expert (the best λ on the test split,
  {best_ta_test}: {mean(best_ta_test):.1f}).

{mlf._agreement(rows, names).replace('`llama_forward`', '`gpt2_forward`') if L.name == "gpt2" else mlf._agreement(rows, names)}

The merge behind `{best_ta}`, as `swarmmerge merge` read it:

```yaml
{configs[best_ta].replace(out, rel)}
```

SHA-256 of the weights:

{hashes}
"""
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(text)
    return gap, best_ta, best_single


def measure(args, skills, log):
    out = os.path.abspath(args.out)
    tpath = os.path.join(out, "timings.json")
    with open(tpath, encoding="utf-8") as f:
        timings = json.load(f)
    t0 = time.time()
    _, base = mef.load_model(os.path.join(out, "base"))
    experts = {s: mef.load_model(os.path.join(out, f"expert-{s}"))[1] for s in skills}
    norms, cos, bnorm = mlf.task_vector_stats(base, experts)
    log("‖τ‖/‖θ0‖: " + " ".join(f"{s}={100 * v:.2f}%" for s, v in norms.items()))
    log("CLI scores (test split):")
    rows, configs, cli = cli_matrix(out, skills, args.threads, log, python=not args.no_python_check)
    timings["measure"] = time.time() - t0
    with open(tpath, "w", encoding="utf-8") as f:
        json.dump(timings, f, indent=1)
    with open(os.path.join(out, "scores.json"), "w", encoding="utf-8") as f:
        json.dump({n: {k: r[k] for k in ("optimization", "test")} for n, r in rows.items()}, f, indent=1)
    gap, best_ta, best_single = write_readme(out, skills, rows, configs, cli, norms, cos, bnorm, timings, args)
    log(f"{best_ta} (best on the optimization split) vs {best_single} on the test mean: {gap:+.1f} points")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--layout", choices=sorted(LAYOUTS), default="gpt2",
                    help="the architecture: gpt2 (examples/gpt2-family) or qwen2 (examples/qwen2-family)")
    ap.add_argument("--out", default=None, help="output folder (default examples/LAYOUT-family)")
    ap.add_argument("--threads", type=int, default=2, help="torch and CLI threads (default 2)")
    ap.add_argument("--base-steps", type=int, default=BASE_TRAIN["steps"])
    ap.add_argument("--measure-only", action="store_true", help="re-measure the stored files and rewrite the README")
    ap.add_argument("--train-only", action="store_true", help="train and store, measure nothing")
    ap.add_argument("--no-python-check", action="store_true", help="skip scoring every model in Python as well")
    ap.add_argument("--quick-eval", action="store_true", help="log Python test scores while training")
    args = ap.parse_args()
    global L
    L = LAYOUTS[args.layout]
    args.out = args.out or L.out
    torch.set_num_threads(args.threads)

    def log(msg):
        print(msg, flush=True)

    skills = {name: cls() for name, cls in gw.SKILLS4.items()}
    if not args.measure_only:
        train_family(args, skills, log)
    if not args.train_only:
        measure(args, skills, log)


if __name__ == "__main__":
    main()
