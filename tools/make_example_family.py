"""Generates examples/family/: a small, real model family for SwarmMerge's examples and demo.

Usage:  /usr/bin/python3 tools/make_example_family.py [--out examples/family] [--threads 1]
        /usr/bin/python3 tools/make_example_family.py --eval-only      # re-measure the stored files
        /usr/bin/python3 tools/make_example_family.py --skills 16 --out bench/out/family16
                                     # the 16-skill scaling family (not committed; see tools/README-family16.md)

What it builds (deterministically: fixed seeds, single-threaded torch on CPU):
  base/            a Llama-architecture decoder (LlamaForCausalLM, ~0.9M parameters, BF16 safetensors)
                   with a byte-level BPE tokenizer (tokenizer.json) trained here by a small pure-Python
                   BPE trainer; pre-trained on template English, "general skills" with correct answers
                   (copy, max, min, length, one-digit sums) and the four task formats with RANDOM answers
                   (it knows the formats, not the skills)
  expert-<skill>/  full fine-tunes of the base on one skill each (same architecture and tokenizer)
  tasks/<skill>/{optimization,test}.jsonl   50 / 200 held-out examples ({"prompt", "answer"})
  tasks.yml        SwarmMerge's task file over those splits (generation, exact match)
  README.md        the measured base / expert / average / task-arithmetic matrix on the test splits

Skills (digits 1-9 in the strings, so answers never have leading zeros):
  addition   "417+58="            -> "475"
  reverse    "reverse 38142 ="    -> " 24183"
  sort       "sort 3142 ="        -> " 1234"
  count      "count 3 in 3134323 =" -> " 4"
Each expert has its own number of fine-tuning steps (EXPERT_STEPS): addition needs the most.
Every training sequence is  [<|bos|>] prompt answer <|eos|>; <|bos|> is present on half of the
training sequences, so the models work with and without it (tokenizer.json's post-processor adds it).

The forward pass is written here (functional, HF LlamaForCausalLM semantics: RMSNorm, RoPE with
rotate_half, grouped-query causal attention, SwiGLU, untied lm_head); it follows the project's own
reference tools/hf_reference.py (branch `ref`). Weights are trained in float32, stored as BF16, and all
measurements use the stored BF16 values (decoded to float32), so what is measured is what is shipped.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import sys
import time
from collections import Counter

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # leave no __pycache__ in tools/

from safetensors_io import Tensor, from_f32, read_safetensors, to_f32, write_safetensors  # noqa: E402

REPO = os.path.normpath(os.path.join(HERE, ".."))
DEFAULT_OUT = os.path.join(REPO, "examples", "family")

SEED = 20250826
SKILLS = ["addition", "reverse", "sort", "count"]
N_OPT, N_TEST = 50, 200
MAX_NEW_TOKENS = 12

BOS, EOS, PAD = "<|bos|>", "<|eos|>", "<|pad|>"
N_MERGES = 125  # 256 byte symbols + merges + 3 specials = vocab_size

CONFIG = dict(
    hidden_size=128,
    intermediate_size=384,
    num_hidden_layers=4,
    num_attention_heads=4,
    num_key_value_heads=2,
    max_position_embeddings=128,
    rms_norm_eps=1e-6,
    rope_theta=10000.0,
)

# training schedule: (steps, batch, peak lr, warmup)
BASE_TRAIN = dict(steps=1200, batch=64, lr=3e-3, warmup=100, weight_decay=0.01)
EXPERT_TRAIN = dict(steps=500, batch=64, lr=1e-3, warmup=30, weight_decay=0.0)
EXPERT_STEPS = {"addition": 1500, "reverse": 500, "sort": 500, "count": 1000}

# The 16-skill scaling family (--skills 16 / --family 16): same architecture, tokenizer approach, base
# mixture and seeds scheme; written to --out (never examples/). None of these skills is one of the base's
# "general skills" (copy, max, min, length, one-digit sums), which the base already solves.
SKILLS16 = ["addition", "subtraction", "reverse", "sort", "descend", "count", "first", "last",
            "digitsum", "increment", "double", "parity", "rotate", "evens", "tail", "twice"]
EXPERT_STEPS16 = {"addition": 1500, "subtraction": 1500, "reverse": 400, "sort": 400, "descend": 400,
                  "count": 700, "first": 300, "last": 300, "digitsum": 800, "increment": 500, "double": 700,
                  "parity": 500, "rotate": 400, "evens": 700, "tail": 400, "twice": 400}
BASE_STEPS16 = 1500


# =============================================================================================
# Byte-level BPE (GPT-2 layout)
# =============================================================================================

def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


BYTE_CHAR = bytes_to_unicode()
CHAR_BYTE = {c: b for b, c in BYTE_CHAR.items()}

# GPT-2's pre-tokenizer pattern  's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
# with \p{L} ~ [^\W\d_] and \p{N} ~ \d (exact for ASCII, which is all this corpus holds).
GPT2_SPLIT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")


def pre_tokenize(text):
    return [("".join(BYTE_CHAR[b] for b in piece.encode("utf-8"))) for piece in GPT2_SPLIT.findall(text)]


def train_bpe(texts, n_merges):
    """Plain BPE over byte-level pre-tokens: repeatedly merge the most frequent adjacent pair
    (ties: the lexicographically smallest pair). Pairs touching a digit are never merged, so
    every digit stays its own token (arithmetic on digits stays learnable)."""
    words = Counter()
    for t in texts:
        words.update(pre_tokenize(t))
    seqs = {w: list(w) for w in words}
    merges = []
    digit = set("0123456789")
    for _ in range(n_merges):
        pairs = Counter()
        for w, f in words.items():
            s = seqs[w]
            for a, b in zip(s, s[1:]):
                pairs[(a, b)] += f
        best = None
        for (a, b), f in pairs.items():
            if f < 2 or (set(a) | set(b)) & digit:
                continue
            if best is None or f > best[1] or (f == best[1] and (a, b) < best[0]):
                best = ((a, b), f)
        if best is None:
            break
        (a, b), _ = best
        merges.append((a, b))
        for w in words:
            s = seqs[w]
            i, out = 0, []
            while i < len(s):
                if i + 1 < len(s) and s[i] == a and s[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            seqs[w] = out
    return merges


class ByteBPE:
    def __init__(self, merges):
        self.merges = merges
        self.rank = {m: i for i, m in enumerate(merges)}
        tokens = [BYTE_CHAR[b] for b in range(256)] + [a + b for a, b in merges] + [BOS, EOS, PAD]
        assert len(set(tokens)) == len(tokens)
        self.id_to_token = tokens
        self.vocab = {t: i for i, t in enumerate(tokens)}
        self.bos, self.eos, self.pad = self.vocab[BOS], self.vocab[EOS], self.vocab[PAD]
        self.special = {self.bos, self.eos, self.pad}
        self._cache = {}

    def _bpe(self, word):
        if word in self._cache:
            return self._cache[word]
        s = list(word)
        while len(s) > 1:
            ranked = [(self.rank.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(s, s[1:]))]
            r, i = min(ranked)
            if r == 1 << 30:
                break
            a, b = self.merges[r]
            out, j = [], 0
            while j < len(s):  # merge every occurrence of the pair, left to right
                if j + 1 < len(s) and s[j] == a and s[j + 1] == b:
                    out.append(a + b)
                    j += 2
                else:
                    out.append(s[j])
                    j += 1
            s = out
        ids = [self.vocab[t] for t in s]
        self._cache[word] = ids
        return ids

    def encode(self, text, bos=False):
        ids = [self.bos] if bos else []
        for w in pre_tokenize(text):
            ids.extend(self._bpe(w))
        return ids

    def decode(self, ids, skip_special=True):
        out = bytearray()
        for i in ids:
            if i in self.special:
                if skip_special:
                    continue
                out.extend(self.id_to_token[i].encode("utf-8"))
            else:
                out.extend(CHAR_BYTE[c] for c in self.id_to_token[i])
        return out.decode("utf-8", errors="replace")

    # --- Hugging Face files --------------------------------------------------------------------

    def added_tokens(self):
        return [
            {"id": self.vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for t in (BOS, EOS, PAD)
        ]

    def tokenizer_json(self):
        bos_item = {"SpecialToken": {"id": BOS, "type_id": 0}}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": self.added_tokens(),
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [bos_item, {"Sequence": {"id": "A", "type_id": 0}}],
                "pair": [bos_item, {"Sequence": {"id": "A", "type_id": 0}},
                         {"SpecialToken": {"id": BOS, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                "special_tokens": {BOS: {"id": BOS, "ids": [self.bos], "tokens": [BOS]}},
            },
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {
                "type": "BPE",
                "dropout": None,
                "unk_token": None,
                "continuing_subword_prefix": None,
                "end_of_word_suffix": None,
                "fuse_unk": False,
                "byte_fallback": False,
                "ignore_merges": False,
                "vocab": dict(self.vocab),
                "merges": [f"{a} {b}" for a, b in self.merges],
            },
        }

    def tokenizer_config(self, max_len):
        return {
            "added_tokens_decoder": {
                str(t["id"]): {k: t[k] for k in ("content", "lstrip", "normalized", "rstrip", "single_word", "special")}
                for t in self.added_tokens()
            },
            "bos_token": BOS,
            "clean_up_tokenization_spaces": False,
            "eos_token": EOS,
            "model_input_names": ["input_ids", "attention_mask"],
            "model_max_length": max_len,
            "pad_token": PAD,
            "tokenizer_class": "PreTrainedTokenizerFast",
        }

    @staticmethod
    def special_tokens_map():
        def tok(t):
            return {"content": t, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False}
        return {"bos_token": tok(BOS), "eos_token": tok(EOS), "pad_token": tok(PAD)}

    @staticmethod
    def from_tokenizer_json(path):
        with open(path, encoding="utf-8") as f:
            tj = json.load(f)
        merges = [tuple(m.split(" ")) for m in tj["model"]["merges"]]
        tok = ByteBPE(merges)
        assert tok.vocab == tj["model"]["vocab"], "tokenizer.json vocab differs from the rebuilt one"
        return tok


# =============================================================================================
# Text: template English and the four skills
# =============================================================================================

NAMES = ["anna", "ben", "clara", "david", "emma", "felix", "grace", "henry", "iris", "jack", "lena", "max", "nora", "oscar"]
NOUNS = ["cat", "dog", "bird", "fish", "horse", "child", "teacher", "farmer", "doctor", "king", "queen", "robot", "apple",
         "book", "house", "river", "tree", "garden", "ship", "stone", "letter", "song", "window", "table"]
ADJS = ["small", "big", "old", "young", "red", "green", "blue", "happy", "quiet", "bright", "dark", "cold", "warm", "strange"]
VERBS = ["sees", "likes", "finds", "takes", "reads", "paints", "follows", "watches", "builds", "opens", "keeps", "moves"]
PLACES = ["the park", "the city", "the forest", "the school", "the market", "the lake", "the hill", "the village"]
NUMWORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def english_sentence(rng):
    k = rng.randrange(6)
    n1, n2 = rng.choice(NOUNS), rng.choice(NOUNS)
    if k == 0:
        return f"the {rng.choice(ADJS)} {n1} {rng.choice(VERBS)} the {n2}."
    if k == 1:
        return f"{rng.choice(NAMES)} {rng.choice(VERBS)} a {rng.choice(ADJS)} {n1} in {rng.choice(PLACES)}."
    if k == 2:
        return f"{rng.choice(NAMES)} has {rng.choice(NUMWORDS)} {n1}s and {rng.choice(NUMWORDS)} {n2}s."
    if k == 3:
        return f"in {rng.choice(PLACES)}, the {n1} is {rng.choice(ADJS)} and the {n2} is {rng.choice(ADJS)}."
    if k == 4:
        return f"where is the {n1}? it is near the {rng.choice(ADJS)} {n2}."
    return f"{rng.choice(NAMES)} and {rng.choice(NAMES)} walk to {rng.choice(PLACES)} with a {n1}."


def english_doc(rng):
    return english_sentence(rng)


def digits(rng, n):
    return "".join(rng.choice("123456789") for _ in range(n))


def number(rng):
    nd = rng.choice([1, 2, 3])
    return rng.randrange(10 ** (nd - 1) if nd > 1 else 0, 10 ** nd)


def make_example(skill, rng):
    """(prompt, answer text appended to the prompt, answer as scored)."""
    if skill == "addition":  # not both one-digit (those are in the base's pre-training)
        while True:
            a, b = number(rng), number(rng)
            if max(a, b) >= 10:
                return f"{a}+{b}=", str(a + b)
    if skill == "reverse":
        s = digits(rng, rng.randint(3, 6))
        return f"reverse {s} =", " " + s[::-1]
    if skill == "sort":
        s = digits(rng, rng.randint(3, 6))
        return f"sort {s} =", " " + "".join(sorted(s))
    if skill == "count":
        n = rng.randint(4, 9)
        d = rng.choice("123456789")
        k = rng.randint(0, min(n, 5))
        others = [c for c in "123456789" if c != d]
        chars = [d] * k + [rng.choice(others) for _ in range(n - k)]
        rng.shuffle(chars)
        return f"count {d} in {''.join(chars)} =", f" {k}"
    # --- the further skills of the 16-skill family ---
    if skill == "subtraction":  # non-negative results, not both one-digit
        while True:
            a, b = number(rng), number(rng)
            if max(a, b) >= 10:
                a, b = max(a, b), min(a, b)
                return f"{a}-{b}=", str(a - b)
    if skill == "descend":
        s = digits(rng, rng.randint(3, 6))
        return f"descend {s} =", " " + "".join(sorted(s, reverse=True))
    if skill == "first":
        s = digits(rng, rng.randint(3, 6))
        return f"first {s} =", " " + s[0]
    if skill == "last":
        s = digits(rng, rng.randint(3, 6))
        return f"last {s} =", " " + s[-1]
    if skill == "digitsum":
        s = digits(rng, rng.randint(3, 6))
        return f"digitsum {s} =", f" {sum(int(c) for c in s)}"
    if skill == "increment":
        n = number(rng)
        return f"increment {n} =", f" {n + 1}"
    if skill == "double":
        n = number(rng)
        return f"double {n} =", f" {2 * n}"
    if skill == "parity":
        n = number(rng)
        return f"parity {n} =", " even" if n % 2 == 0 else " odd"
    if skill == "rotate":  # first digit moved to the end
        s = digits(rng, rng.randint(3, 6))
        return f"rotate {s} =", " " + s[1:] + s[0]
    if skill == "evens":  # how many even digits
        s = digits(rng, rng.randint(3, 8))
        return f"evens {s} =", f" {sum(c in '2468' for c in s)}"
    if skill == "tail":  # drop the first digit
        s = digits(rng, rng.randint(3, 6))
        return f"tail {s} =", " " + s[1:]
    if skill == "twice":
        s = digits(rng, rng.randint(2, 4))
        return f"twice {s} =", " " + s + s
    raise ValueError(skill)


def general_example(rng):
    """Pre-training "general skills" with correct answers: circuits the experts can build on
    (copying, extremes, one-digit sums, length), none of which solves a skill."""
    k = rng.randrange(5)
    s = digits(rng, rng.randint(3, 6))
    if k == 0:
        return f"copy {s} = {s}"
    if k == 1:
        return f"max {s} = {max(s)}"
    if k == 2:
        return f"min {s} = {min(s)}"
    if k == 3:
        t = digits(rng, rng.randint(1, 9))
        return f"length {t} = {len(t)}"
    a, b = rng.randrange(10), rng.randrange(10)
    return f"{a}+{b}={a + b}"


def noisy_answer(skill, answer, rng):
    """A random answer of the task's shape (the base sees the formats, not the skills)."""
    a = answer.strip()
    if skill in SKILLS16 and skill not in ("addition", "reverse", "sort", "count"):
        if skill == "parity":
            return rng.choice([" even", " odd"])
        if skill == "evens":
            return f" {rng.randint(0, 5)}"
        if skill == "subtraction":
            return digits(rng, max(1, len(a) + rng.choice([-1, 0, 0, 1])))
        return " " + digits(rng, len(a))
    if skill == "count":
        return f" {rng.randint(0, 5)}"
    n = max(1, len(a) + rng.choice([-1, 0, 0, 1])) if skill == "addition" else len(a)
    s = digits(rng, n)
    return s if skill == "addition" else " " + s


def held_out_splits(seed):
    """Per skill: 50 optimization + 200 test examples, all distinct prompts."""
    splits = {}
    for si, skill in enumerate(SKILLS):
        rng = random.Random(seed * 100 + si)
        seen, rows = set(), []
        while len(rows) < N_OPT + N_TEST:
            p, a = make_example(skill, rng)
            if p in seen:
                continue
            seen.add(p)
            rows.append({"prompt": p, "answer": a.strip()})
        splits[skill] = {"optimization": rows[:N_OPT], "test": rows[N_OPT:]}
    return splits


# =============================================================================================
# Llama forward (HF LlamaForCausalLM semantics; follows tools/hf_reference.py on branch `ref`)
# =============================================================================================

NEG = -1.0e30


def rms_norm(x, w, eps):
    var = (x * x).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + eps))


def rotate_half(x):
    d = x.shape[-1] // 2
    return torch.cat([-x[..., d:], x[..., :d]], dim=-1)


def llama_forward(cfg, W, ids, mask=None, past=None):
    """Llama's forward pass, and Qwen2's when W holds q/k/v biases. ids [B,T]; mask [B, past+T] of 0/1 over all key positions (left padding allowed; positions
    = cumsum(mask) - 1 as HF generate computes them); past: per layer (k, v) [B, kv, S, d].
    Returns (logits [B,T,V], new_past)."""
    B, T = ids.shape
    past_len = 0 if past is None else past[0][0].shape[2]
    if mask is None:
        mask = torch.ones(B, past_len + T, dtype=torch.long)
    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg["hidden_size"] // H
    eps = cfg["rms_norm_eps"]
    pos = (mask.long().cumsum(-1) - 1).masked_fill(mask == 0, 1)[:, past_len:past_len + T]
    x = W["model.embed_tokens.weight"][ids]
    inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    freqs = pos.to(torch.float64).unsqueeze(-1) * inv.view(1, 1, -1)
    emb = torch.cat([freqs, freqs], dim=-1)
    cos, sin = emb.cos().to(x.dtype).unsqueeze(1), emb.sin().to(x.dtype).unsqueeze(1)
    S = past_len + T
    ok = (torch.arange(S).view(1, S) <= (torch.arange(T).view(T, 1) + past_len)).view(1, 1, T, S) & (mask.view(B, 1, 1, S) > 0)
    bias = torch.where(ok, torch.zeros((), dtype=x.dtype), torch.full((), NEG, dtype=x.dtype))
    rep = H // KV
    new_past = []
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        a = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        q, k, v = (a @ W[p + f"self_attn.{n}_proj.weight"].t() for n in "qkv")
        if p + "self_attn.q_proj.bias" in W:  # Qwen2: q/k/v projections with biases, otherwise Llama's block
            q, k, v = (x_ + W[p + f"self_attn.{n}_proj.bias"] for x_, n in zip((q, k, v), "qkv"))
        q = q.view(B, T, H, hd).transpose(1, 2)
        k = k.view(B, T, KV, hd).transpose(1, 2)
        v = v.view(B, T, KV, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past is not None:
            k = torch.cat([past[l][0], k], dim=2)
            v = torch.cat([past[l][1], v], dim=2)
        new_past.append((k, v))
        kr, vr = (k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)) if rep > 1 else (k, v)
        s = (q @ kr.transpose(-1, -2)) * (hd ** -0.5) + bias
        o = (torch.softmax(s, dim=-1) @ vr).transpose(1, 2).reshape(B, T, H * hd)
        x = x + o @ W[p + "self_attn.o_proj.weight"].t()
        m = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        g = torch.nn.functional.silu(m @ W[p + "mlp.gate_proj.weight"].t()) * (m @ W[p + "mlp.up_proj.weight"].t())
        x = x + g @ W[p + "mlp.down_proj.weight"].t()
    x = rms_norm(x, W["model.norm.weight"], eps)
    head = W["lm_head.weight"] if "lm_head.weight" in W else W["model.embed_tokens.weight"]
    return x @ head.t(), new_past


def tensor_names(cfg):
    names = ["model.embed_tokens.weight"]
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        names += [p + "self_attn.q_proj.weight", p + "self_attn.k_proj.weight", p + "self_attn.v_proj.weight",
                  p + "self_attn.o_proj.weight", p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight",
                  p + "mlp.down_proj.weight", p + "input_layernorm.weight", p + "post_attention_layernorm.weight"]
    names += ["model.norm.weight", "lm_head.weight"]
    return names


def init_weights(cfg, gen):
    E, I, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    hd = E // cfg["num_attention_heads"]
    kv = cfg["num_key_value_heads"] * hd
    shapes = {"self_attn.q_proj": (E, E), "self_attn.k_proj": (kv, E), "self_attn.v_proj": (kv, E),
              "self_attn.o_proj": (E, E), "mlp.gate_proj": (I, E), "mlp.up_proj": (I, E), "mlp.down_proj": (E, I)}
    W = {}
    std = cfg["initializer_range"]
    for n in tensor_names(cfg):
        if n.endswith("layernorm.weight") or n == "model.norm.weight":
            W[n] = torch.ones(E)
        elif n == "model.embed_tokens.weight" or n == "lm_head.weight":
            W[n] = torch.randn(V, E, generator=gen) * std
        else:
            kind = n.split(".")[-3] + "." + n.split(".")[-2]
            scale = std / math.sqrt(2 * cfg["num_hidden_layers"]) if kind in ("self_attn.o_proj", "mlp.down_proj") else std
            W[n] = torch.randn(*shapes[kind], generator=gen) * scale
    return W


def bf16_round(W):
    """The values a reader of the BF16 file sees (round to nearest even), as float32 tensors."""
    return {n: torch.from_numpy(to_f32(from_f32(t.detach().numpy(), "BF16")).copy()) for n, t in W.items()}


# =============================================================================================
# Training
# =============================================================================================

def batch_tensors(seqs, tok):
    """seqs: list of (ids, loss_from) -> (inp, tgt, weight) right-padded."""
    L = max(len(s) for s, _ in seqs)
    inp = torch.full((len(seqs), L - 1), tok.pad, dtype=torch.long)
    tgt = torch.full((len(seqs), L - 1), tok.pad, dtype=torch.long)
    wt = torch.zeros(len(seqs), L - 1)
    for i, (s, start) in enumerate(seqs):
        n = len(s)
        inp[i, :n - 1] = torch.tensor(s[:-1])
        tgt[i, :n - 1] = torch.tensor(s[1:])
        wt[i, max(0, start - 1):n - 1] = 1.0
    return inp, tgt, wt


def train(cfg, W, sampler, sched, seed, log, label):
    """AdamW with linear warmup and cosine decay; sampler(rng) -> (ids, loss_from)."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    params = {n: t.clone().requires_grad_(True) for n, t in W.items()}
    decay = [p for n, p in params.items() if not n.endswith("norm.weight")]
    nodecay = [p for n, p in params.items() if n.endswith("norm.weight")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": sched["weight_decay"]},
                             {"params": nodecay, "weight_decay": 0.0}], lr=sched["lr"], betas=(0.9, 0.98), eps=1e-8)
    return train_steps(cfg, params, opt, sampler, TOK, sched["steps"], sched["lr"], sched["warmup"], sched["batch"], rng, log, label, 100)


def train_steps(cfg, params, opt, sampler, tok, steps, lr, warmup, batch, rng, log, label, every, weights=None,
                forward=None):
    """The training loop the family generators share: linear warmup then cosine decay to 10 % of lr, the loss
    weighted by the batch's mask, gradients clipped at 1; weights(params) gives the forward pass's weights
    (default: params themselves), forward(cfg, W, ids) -> (logits, past) the architecture (default: Llama's).
    Returns the trained params, detached."""
    forward = forward or llama_forward
    t0 = time.time()
    run = None
    for step in range(steps):
        cur = lr * (step + 1) / warmup if step < warmup else \
            lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup))))
        for g in opt.param_groups:
            g["lr"] = cur
        inp, tgt, wt = batch_tensors([sampler(rng) for _ in range(batch)], tok)
        logits, _ = forward(cfg, params if weights is None else weights(params), inp)
        loss_tok = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), reduction="none")
        loss = (loss_tok * wt.reshape(-1)).sum() / wt.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(params.values()), 1.0)
        opt.step()
        run = loss.item() if run is None else 0.95 * run + 0.05 * loss.item()
        if (step + 1) % every == 0 or step + 1 == steps:
            log(f"  [{label}] step {step + 1}/{steps} loss {run:.4f} lr {cur:.2e} ({time.time() - t0:.0f}s)")
    return {n: p.detach().clone() for n, p in params.items()}


TOK: ByteBPE = None  # set in main


def make_base_sampler(tok, held):
    def sampler(rng):
        bos = rng.random() < 0.5
        r = rng.random()
        if r < 0.3:
            return tok.encode(english_doc(rng), bos=bos) + [tok.eos], 0
        if r < 0.75:
            return tok.encode(general_example(rng), bos=bos) + [tok.eos], 0
        skill = rng.choice(SKILLS)
        while True:
            p, a = make_example(skill, rng)
            if p not in held[skill]:
                break
        return tok.encode(p + noisy_answer(skill, a, rng), bos=bos) + [tok.eos], 0
    return sampler


def make_expert_sampler(tok, held, skill):
    def sampler(rng):
        bos = rng.random() < 0.5
        while True:
            p, a = make_example(skill, rng)
            if p not in held[skill]:
                break
        pid = tok.encode(p, bos=bos)
        full = tok.encode(p + a, bos=bos)
        assert full[:len(pid)] == pid, (p, a)
        return full + [tok.eos], len(pid)  # loss on the answer and <|eos|> only
    return sampler


# =============================================================================================
# Evaluation (greedy, as SwarmMerge's generation task scores it)
# =============================================================================================

def normalize_answer(text):
    """SwarmMerge's AnswerNormalizer with normalize=true: trim, lower-case, collapse whitespace,
    drop a trailing '.', numbers canonicalised."""
    t = re.sub(r"\s+", " ", text.strip().lower()).rstrip(".")
    num = t.replace(",", "").lstrip("$")
    if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", num):
        from decimal import Decimal
        d = Decimal(num).normalize()
        s = format(d, "f")
        return "0" if s in ("-0", "0") else s
    return t


@torch.no_grad()
def generate(cfg, W, tok, prompts, bos=True, max_new=MAX_NEW_TOKENS, stop=("\n",), batch=256, forward=None):
    """Greedy decoding, left-padded batches; forward as in train_steps (default: Llama's)."""
    forward = forward or llama_forward
    outs = []
    for b0 in range(0, len(prompts), batch):
        enc = [tok.encode(p, bos=bos) for p in prompts[b0:b0 + batch]]
        B, L = len(enc), max(len(e) for e in enc)
        ids = torch.full((B, L), tok.pad, dtype=torch.long)
        mask = torch.zeros(B, L, dtype=torch.long)
        for i, e in enumerate(enc):  # left padding
            ids[i, L - len(e):] = torch.tensor(e)
            mask[i, L - len(e):] = 1
        logits, past = forward(cfg, W, ids, mask)
        gen = [[] for _ in range(B)]
        done = [False] * B
        for _ in range(max_new):
            nxt = logits[:, -1].argmax(-1)
            for i in range(B):
                if not done[i]:
                    t = int(nxt[i])
                    if t == tok.eos:
                        done[i] = True
                    else:
                        gen[i].append(t)
                        if any(s in tok.decode(gen[i]) for s in stop):
                            done[i] = True
            if all(done):
                break
            mask = torch.cat([mask, torch.ones(B, 1, dtype=torch.long)], dim=1)
            logits, past = forward(cfg, W, nxt.view(B, 1), mask, past)
        for g in gen:
            text = tok.decode(g)
            for s in stop:
                if s in text:
                    text = text[:text.index(s)]
            outs.append(text)
    return outs


def accuracy(cfg, W, tok, rows, bos=True):
    outs = generate(cfg, W, tok, [r["prompt"] for r in rows], bos=bos)
    return sum(normalize_answer(o) == normalize_answer(r["answer"]) for o, r in zip(outs, rows)) / len(rows), outs


# =============================================================================================
# Files
# =============================================================================================

def hf_config(tok):
    c = {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": tok.bos,
        "eos_token_id": tok.eos,
        "head_dim": CONFIG["hidden_size"] // CONFIG["num_attention_heads"],
        "hidden_act": "silu",
        "hidden_size": CONFIG["hidden_size"],
        "initializer_range": 0.02,
        "intermediate_size": CONFIG["intermediate_size"],
        "max_position_embeddings": CONFIG["max_position_embeddings"],
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": CONFIG["num_attention_heads"],
        "num_hidden_layers": CONFIG["num_hidden_layers"],
        "num_key_value_heads": CONFIG["num_key_value_heads"],
        "pad_token_id": tok.pad,
        "pretraining_tp": 1,
        "rms_norm_eps": CONFIG["rms_norm_eps"],
        "rope_scaling": None,
        "rope_theta": CONFIG["rope_theta"],
        "tie_word_embeddings": False,
        "torch_dtype": "bfloat16",
        "transformers_version": "4.46.0",
        "use_cache": True,
        "vocab_size": len(tok.id_to_token),
    }
    return c


def write_json(path, obj, indent=2):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=indent, ensure_ascii=False)
        f.write("\n")


def save_model(folder, cfg, W, tok):
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, "model.safetensors"),
                      [(n, from_f32(W[n].detach().numpy(), "BF16")) for n in tensor_names(cfg)], {"format": "pt"})
    write_json(os.path.join(folder, "config.json"), cfg)
    write_json(os.path.join(folder, "generation_config.json"), {
        "_from_model_config": True, "bos_token_id": tok.bos, "eos_token_id": tok.eos,
        "pad_token_id": tok.pad, "transformers_version": cfg["transformers_version"]})
    write_json(os.path.join(folder, "tokenizer.json"), tok.tokenizer_json())
    write_json(os.path.join(folder, "tokenizer_config.json"), tok.tokenizer_config(cfg["max_position_embeddings"]))
    write_json(os.path.join(folder, "special_tokens_map.json"), tok.special_tokens_map())


def load_model(folder):
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    tensors, _ = read_safetensors(os.path.join(folder, "model.safetensors"))
    return cfg, {n: torch.from_numpy(to_f32(t).copy()) for n, t in tensors.items()}


def write_tasks(out, splits, title="the bundled example family"):
    lines = [f"# SwarmMerge task file for {title} (generated by tools/make_example_family.py).",
             "# Paths are relative to this file. Prompts are the raw text; answers are scored after trimming.",
             "tasks:"]
    for skill in SKILLS:
        d = os.path.join(out, "tasks", skill)
        os.makedirs(d, exist_ok=True)
        for split in ("optimization", "test"):
            with open(os.path.join(d, f"{split}.jsonl"), "w", encoding="utf-8") as f:
                for r in splits[skill][split]:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
        lines += [f"  - name: {skill}",
                  "    kind: generation",
                  f"    optimization: tasks/{skill}/optimization.jsonl",
                  f"    test: tasks/{skill}/test.jsonl",
                  '    prompt: "{prompt}"',
                  "    label: answer",
                  "    metric: exact_match",
                  f"    max_new_tokens: {MAX_NEW_TOKENS}",
                  '    stop: ["\\n"]',
                  "    normalize: true"]
    with open(os.path.join(out, "tasks.yml"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


# =============================================================================================
# Main
# =============================================================================================

def measure(out, tok, splits, log, split="test"):
    """Scores base, experts, average, task arithmetic (lambda 1 and 0.5) on every skill."""
    models = {}
    cfg, base = load_model(os.path.join(out, "base"))
    models["base"] = base
    experts = {}
    for s in SKILLS:
        _, experts[s] = load_model(os.path.join(out, f"expert-{s}"))
        models[f"expert-{s}"] = experts[s]
    names = list(base)
    models["average"] = {n: sum(experts[s][n] for s in SKILLS) / len(SKILLS) for n in names}
    for lam in (1.0, 0.5):
        models[f"task_arithmetic λ={lam:g}"] = {n: base[n] + lam * sum(experts[s][n] - base[n] for s in SKILLS) for n in names}
    results = {}
    for name, W in models.items():
        row = {}
        for bos in (True, False):
            for s in SKILLS:
                acc, outs = accuracy(cfg, W, tok, splits[s][split], bos=bos)
                row[(s, bos)] = acc
        results[name] = row
        log(f"  {name:26s} " + " ".join(f"{s}={row[(s, True)]:.3f}/{row[(s, False)]:.3f}" for s in SKILLS))
    return results


def file_sizes(out):
    total, rows = 0, []
    for root, _, files in os.walk(out):
        for f in sorted(files):
            total += os.path.getsize(os.path.join(root, f))
    for d in ["base"] + [f"expert-{s}" for s in SKILLS]:
        rows.append((d, os.path.getsize(os.path.join(out, d, "model.safetensors"))))
    return total, rows


def sha256(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_readme(out, tok, results, timings, total, args):
    cfg = hf_config(tok)
    nparams = sum(int(np.prod(t.shape)) for t in load_model(os.path.join(out, "base"))[1].values())
    size, msizes = file_sizes(out)

    def table(bos):
        head = "| model | " + " | ".join(SKILLS) + " | mean |\n|---|" + "---:|" * (len(SKILLS) + 1) + "\n"
        body = ""
        for name, row in results.items():
            vals = [100 * row[(s, bos)] for s in SKILLS]
            body += f"| {name} | " + " | ".join(f"{v:.1f}" for v in vals) + f" | {sum(vals) / len(vals):.1f} |\n"
        return head + body

    own = [100 * results[f"expert-{s}"][(s, True)] for s in SKILLS]
    avg = [100 * results["average"][(s, True)] for s in SKILLS]
    hashes = "\n".join(f"    {sha256(os.path.join(out, d, 'model.safetensors'))}  {d}/model.safetensors" for d, _ in msizes)
    text = f"""# Example family: a small Llama base and four skill experts

**The hard case.** These experts are heavy full fine-tunes whose task vectors interfere: every data-free
merge falls back to about base level, and a search can at best find the best single expert. SwarmMerge's
benchmarks keep it to check that a search does not fall below that. The family where merging pays, and the
one `swarmmerge demo` runs, is [`examples/light-family/`](../light-family/README.md).

Generated by `tools/make_example_family.py` (run from the repository root with Debian's Python, which
has torch; no network, no `transformers`):

    /usr/bin/python3 tools/make_example_family.py          # ~{total / 60:.0f} min on one CPU thread
    /usr/bin/python3 tools/make_example_family.py --eval-only   # re-measure the stored files

Everything is deterministic: seed {SEED} (data, BPE corpus, initialisation; the base trains with
seed {SEED + 1}, expert i with seed {SEED + 10}+i), `torch.set_num_threads({args.threads})`, torch 1.13 on CPU.
Another CPU, BLAS or torch version may change the low bits of the weights (the measured numbers should
stay close). The whole folder is {size / 1e6:.1f} MB.

## Layout

| folder | what |
|---|---|
| `base/` | `LlamaForCausalLM`, {nparams:,} parameters, BF16 `model.safetensors`, `config.json`, `generation_config.json`, `tokenizer.json`, `tokenizer_config.json`, `special_tokens_map.json` |
| `expert-addition/` | full fine-tune of the base on addition: `417+58=` → `475` |
| `expert-reverse/` | … on reversing digits: `reverse 38142 =` → ` 24183` |
| `expert-sort/` | … on sorting digits: `sort 3142 =` → ` 1234` |
| `expert-count/` | … on counting a digit: `count 3 in 3134323 =` → ` 4` |
| `tasks/<skill>/optimization.jsonl`, `test.jsonl` | {N_OPT} / {N_TEST} held-out rows `{{"prompt", "answer"}}` per skill, disjoint from each other and from all training data |
| `tasks.yml` | SwarmMerge task file: generation, exact match after normalisation, `max_new_tokens: {MAX_NEW_TOKENS}`, stop `"\\n"` |

Model: hidden {cfg['hidden_size']}, intermediate {cfg['intermediate_size']}, {cfg['num_hidden_layers']} layers,
{cfg['num_attention_heads']} heads with {cfg['num_key_value_heads']} key/value heads (grouped-query attention, head_dim {cfg['head_dim']}),
RoPE θ = {cfg['rope_theta']:g}, RMSNorm ε = {cfg['rms_norm_eps']:g}, untied `lm_head`, vocabulary {cfg['vocab_size']},
max_position_embeddings {cfg['max_position_embeddings']}. Each `model.safetensors` is {msizes[0][1] / 1e6:.2f} MB.

Tokenizer: byte-level BPE in GPT-2 layout (`ByteLevel` pre-tokenizer with GPT-2's regex,
`add_prefix_space: false`; `ByteLevel` decoder), ids 0–255 = the 256 byte symbols in byte order,
256–{255 + len(tok.merges)} = the {len(tok.merges)} merges in rank order (trained here; no merge touches a digit, so digits are
single tokens), then `<|bos|>` = {tok.bos}, `<|eos|>` = {tok.eos}, `<|pad|>` = {tok.pad} (in `model.vocab` and in
`added_tokens`, special). The post-processor (`TemplateProcessing`) prepends `<|bos|>`; generation
ends at `<|eos|>` (`generation_config.json`). Every training sequence was
`[<|bos|>] prompt answer <|eos|>` with `<|bos|>` on half of them, so the models answer with or without it.

## Training

- Base: {BASE_TRAIN['steps'] if args.base_steps == BASE_TRAIN['steps'] else args.base_steps} steps × batch {BASE_TRAIN['batch']}, AdamW (lr {BASE_TRAIN['lr']:g}, warmup {BASE_TRAIN['warmup']}, cosine to 10 %,
  weight decay {BASE_TRAIN['weight_decay']:g}), on 30 % template English sentences, 45 % "general skills" with correct
  answers (`copy 3142 = 3142`, `max 3142 = 4`, `min 3142 = 1`, `length 31425 = 5`, one-digit sums `3+5=8`) and
  25 % lines in the four task formats whose answers are random digits of the right shape (the base knows the
  formats, not the skills; the addition task never has two one-digit operands). {timings.get('base', float('nan')):.0f} s.
- Experts: {", ".join(f"{k} {args.expert_steps or v}" for k, v in EXPERT_STEPS.items())} steps × batch {EXPERT_TRAIN['batch']} from the stored BF16 base, AdamW (lr {EXPERT_TRAIN['lr']:g}, warmup {EXPERT_TRAIN['warmup']}, cosine
  to 10 %), loss on the answer and `<|eos|>` only, on freshly drawn examples of one skill (held-out prompts
  excluded). {", ".join(f"{k[7:]} {v:.0f} s" for k, v in timings.items() if k.startswith("expert-"))}.
- Total wall time of the run that produced these files, evaluation included: {total:.0f} s (one thread of a
  shared 2-core machine).

## Measured: exact match (%) on the test splits

Greedy decoding of the stored BF16 weights (float32 compute), at most {MAX_NEW_TOKENS} new tokens, stop at `<|eos|>`
or `"\\n"`, answers compared after SwarmMerge's normalisation. `average` = mean of the four experts;
`task_arithmetic λ` = θ₀ + λ Σ (θᵢ − θ₀), computed in float32 from the BF16 files.

With `<|bos|>` (as `tokenizer.json` encodes):

{table(True)}
Without `<|bos|>`:

{table(False)}
Each expert scores {min(own):.0f}–{max(own):.0f} % on its own skill; plain averaging keeps
{min(avg):.0f}–{max(avg):.0f} % (mean {sum(own) / len(own) - sum(avg) / len(avg):.0f} points below the experts), close to the base (the
experts' task vectors are large and interfere: each skill was learned in fine-tuning, not merely
elicited). This is a hard case for data-free merging; how much of the gap a data-driven search
(PSO-Merging, CMA-ES) recovers is what the example is for, and is not measured here.

SHA-256 of the weights:

{hashes}
"""
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(text)


# =============================================================================================
# The 16-skill scaling family (--skills 16)
# =============================================================================================

FAMILY16_EXAMPLES = {
    "addition": ("417+58=", "475"), "subtraction": ("417-58=", "359"),
    "reverse": ("reverse 38142 =", " 24183"), "sort": ("sort 3142 =", " 1234"),
    "descend": ("descend 3142 =", " 4321"), "count": ("count 3 in 3134323 =", " 4"),
    "first": ("first 38142 =", " 3"), "last": ("last 38142 =", " 2"),
    "digitsum": ("digitsum 3142 =", " 10"), "increment": ("increment 399 =", " 400"),
    "double": ("double 417 =", " 834"), "parity": ("parity 417 =", " odd"),
    "rotate": ("rotate 38142 =", " 81423"), "evens": ("evens 38142 =", " 3"),
    "tail": ("tail 38142 =", " 8142"), "twice": ("twice 314 =", " 314314"),
}


def measure16(out, tok, splits, log, split="test"):
    """Base, experts and their plain average on every skill (with <|bos|>), and each model's own
    skill without <|bos|>. Returns {model: {(skill, bos): accuracy}}."""
    cfg, base = load_model(os.path.join(out, "base"))
    models = {"base": base}
    for s in SKILLS:
        models[f"expert-{s}"] = load_model(os.path.join(out, f"expert-{s}"))[1]
    models["average"] = {n: sum(models[f"expert-{s}"][n] for s in SKILLS) / len(SKILLS) for n in base}
    results = {}
    for name, W in models.items():
        row = {}
        for s in SKILLS:
            row[(s, True)] = accuracy(cfg, W, tok, splits[s][split], bos=True)[0]
        for s in SKILLS:
            if name in ("base", "average", f"expert-{s}"):
                row[(s, False)] = accuracy(cfg, W, tok, splits[s][split], bos=False)[0]
        results[name] = row
        log(f"  {name:18s} " + " ".join(f"{s}={100 * row[(s, True)]:.0f}" for s in SKILLS))
    return results


def write_readme16(out, tok, results, timings, args, steps):
    cfg = hf_config(tok)
    nparams = sum(int(np.prod(t.shape)) for t in load_model(os.path.join(out, "base"))[1].values())
    size, _ = file_sizes(out)
    own = {s: results[f"expert-{s}"][(s, True)] for s in SKILLS}
    weak = [s for s in SKILLS if own[s] < 0.6]
    skills_table = "| skill | example prompt → answer | fine-tuning steps | expert (bos / no bos) | base (bos / no bos) | average of 16 |\n|---|---|---:|---:|---:|---:|\n"
    for s in SKILLS:
        p, a = FAMILY16_EXAMPLES[s]
        e, b, v = results[f"expert-{s}"], results["base"], results["average"]
        skills_table += (f"| {s} | `{p}` → `{a}` | {steps[s]} | {100 * e[(s, True)]:.1f} / {100 * e[(s, False)]:.1f} "
                         f"| {100 * b[(s, True)]:.1f} / {100 * b[(s, False)]:.1f} | {100 * v[(s, True)]:.1f} |\n")
    mean = lambda xs: sum(xs) / len(xs)
    skills_table += (f"| **mean** | | | {100 * mean([own[s] for s in SKILLS]):.1f} | "
                     f"{100 * mean([results['base'][(s, True)] for s in SKILLS]):.1f} | "
                     f"{100 * mean([results['average'][(s, True)] for s in SKILLS]):.1f} |\n")
    short = {s: s[:5] for s in SKILLS}
    full = "| model | " + " | ".join(short[s] for s in SKILLS) + " |\n|---|" + "---:|" * len(SKILLS) + "\n"
    for name, row in results.items():
        full += f"| {name} | " + " | ".join(f"{100 * row[(s, True)]:.0f}" for s in SKILLS) + " |\n"
    t = timings
    expert_time = sum(v for k, v in t.items() if k.startswith("expert-"))
    cmd = "/usr/bin/python3 tools/make_example_family.py --skills 16 --out " + os.path.relpath(out, REPO)
    text = f"""# 16-skill scaling family (generated; not committed)

Generated by `tools/make_example_family.py` from the repository root (Debian's Python with torch 1.13, CPU):

    {cmd}

Same construction as `examples/family/` (see its README): a Llama-architecture base ({nparams:,} parameters,
hidden {cfg['hidden_size']}, {cfg['num_hidden_layers']} layers, {cfg['num_attention_heads']} heads / {cfg['num_key_value_heads']} key/value heads, vocabulary {cfg['vocab_size']}, BF16 safetensors) with a
byte-level BPE `tokenizer.json` trained here on this family's corpus (digits stay single tokens), and
16 full fine-tunes `expert-<skill>/`, one per skill. Deterministic: seed {SEED} for data, tokenizer corpus and
initialisation, base training seed {SEED + 1}, expert i (order below) seed {SEED + 10}+i, `torch.set_num_threads({args.threads})`.

- Base: {args.base_steps} steps × batch {BASE_TRAIN['batch']} (AdamW lr {BASE_TRAIN['lr']:g}, warmup {BASE_TRAIN['warmup']}, cosine), 30 % template English,
  45 % "general skills" with correct answers (copy, max, min, length, one-digit sums: none of them is a skill
  here) and 25 % lines in the 16 task formats with random answers of the right shape.
  {t.get('base', float('nan')):.0f} s.
- Experts: per-skill steps (table) × batch {EXPERT_TRAIN['batch']} from the stored BF16 base (AdamW lr {EXPERT_TRAIN['lr']:g}, warmup {EXPERT_TRAIN['warmup']},
  cosine), loss on the answer and `<|eos|>` only, held-out prompts excluded. {expert_time:.0f} s in all.
- Tasks: `tasks/<skill>/optimization.jsonl` ({N_OPT} rows) and `test.jsonl` ({N_TEST} rows), `tasks.yml`
  (generation, exact match, `max_new_tokens: {MAX_NEW_TOKENS}`, stop `"\\n"`, `normalize: true`). Digits 1-9 in the
  digit strings; numbers 0-999.
- Total training + tokenizer + evaluation time: {t.get('total', float('nan')):.0f} s (one thread; shared 2-core machine). Folder: {size / 1e6:.1f} MB.

## Measured: exact match (%) on the test splits

Greedy decoding of the stored BF16 weights, at most {MAX_NEW_TOKENS} new tokens, SwarmMerge's normalisation.
`average` = plain mean of the 16 experts.

{skills_table}
{"Every expert reaches ≥ 60 % on its own skill." if not weak else "Below 60 % on its own skill: " + ", ".join(f"{s} ({100 * own[s]:.1f} %)" for s in weak) + "."}
`parity` is a two-answer task, so the base's random-answer guess already scores about half of it.

All models on all skills (with `<|bos|>`; columns are the first five letters of the skill names):

{full}"""
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(text)


def main16(args, log):
    """The 16-skill family: same pipeline as main() over SKILLS16, into --out (never examples/)."""
    global TOK, SKILLS
    SKILLS = list(SKILLS16)
    out = os.path.abspath(args.out)
    if out == os.path.abspath(DEFAULT_OUT) or out.startswith(os.path.join(REPO, "examples") + os.sep):
        sys.exit("--skills 16 writes a benchmark family: give --out outside examples/ (e.g. bench/out/family16)")
    t_start = time.time()
    steps = {s: args.expert_steps or EXPERT_STEPS16[s] for s in SKILLS}
    timings_path = os.path.join(out, "timings.json")
    splits = held_out_splits(SEED)
    held = {s: {r["prompt"] for sp in splits[s].values() for r in sp} for s in SKILLS}

    if args.eval_only:
        TOK = ByteBPE.from_tokenizer_json(os.path.join(out, "base", "tokenizer.json"))
        measure16(out, TOK, splits, log)
        return

    rng = random.Random(SEED)
    corpus = [english_doc(rng) for _ in range(3000)]
    corpus += [general_example(rng) for _ in range(1000)]
    for skill in SKILLS:
        for _ in range(500):
            p, a = make_example(skill, rng)
            corpus.append(p + a)
    TOK = ByteBPE(train_bpe(corpus, N_MERGES))
    tok = TOK
    t_tok = time.time() - t_start
    log(f"tokenizer: {len(tok.id_to_token)} tokens, {len(tok.merges)} merges; e.g. "
        + " | ".join(tok.id_to_token[i] for i in tok.encode("descend 38142 = 84321. parity 417 = odd. the small cat sees the dog.")))
    cfg = hf_config(tok)

    timings = {}
    if not args.skip_base:
        if os.path.isdir(out):
            shutil.rmtree(out)
        os.makedirs(out)
        write_tasks(out, splits, title="the 16-skill scaling family")
        gen = torch.Generator().manual_seed(SEED)
        W0 = init_weights(cfg, gen)
        log(f"base: {sum(t.numel() for t in W0.values())} parameters")
        t0 = time.time()
        Wb = train(cfg, W0, make_base_sampler(tok, held), dict(BASE_TRAIN, steps=args.base_steps), SEED + 1, log, "base")
        timings["base"] = time.time() - t0
        log(f"base trained in {timings['base']:.0f}s")
        save_model(os.path.join(out, "base"), cfg, Wb, tok)
    else:
        with open(os.path.join(out, "base", "tokenizer.json"), encoding="utf-8") as f:
            assert json.load(f) == json.loads(json.dumps(tok.tokenizer_json())), "stored tokenizer differs"
        if os.path.exists(timings_path):
            with open(timings_path, encoding="utf-8") as f:
                timings = json.load(f)
    cfg, Wb = load_model(os.path.join(out, "base"))

    only = SKILLS if args.skills in ("16", None) else args.skills.split(",")
    for si, skill in enumerate(SKILLS):
        if skill not in only:
            continue
        t0 = time.time()
        We = train(cfg, Wb, make_expert_sampler(tok, held, skill), dict(EXPERT_TRAIN, steps=steps[skill]),
                   SEED + 10 + si, log, skill)
        timings[f"expert-{skill}"] = time.time() - t0
        save_model(os.path.join(out, f"expert-{skill}"), cfg, We, tok)
        _, Ws = load_model(os.path.join(out, f"expert-{skill}"))
        acc = accuracy(cfg, Ws, tok, splits[skill]["test"])[0]
        log(f"expert-{skill} trained in {timings[f'expert-{skill}']:.0f}s; own-skill test accuracy {100 * acc:.1f} %")
        with open(timings_path, "w", encoding="utf-8") as f:
            json.dump(timings, f, indent=1)

    log("test-split accuracy (%, with <|bos|>):")
    t0 = time.time()
    results = measure16(out, tok, splits, log)
    timings["tokenizer + evaluation"] = t_tok + time.time() - t0
    timings["total"] = sum(v for k, v in timings.items() if k != "total")
    with open(timings_path, "w", encoding="utf-8") as f:
        json.dump(timings, f, indent=1)
    log(f"total {time.time() - t_start:.0f}s")
    write_readme16(out, tok, results, timings, args, steps)


def main():
    global TOK
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--eval-only", action="store_true")
    ap.add_argument("--base-steps", type=int, default=None, help=f"default {BASE_TRAIN['steps']} ({BASE_STEPS16} for --skills 16)")
    ap.add_argument("--expert-steps", type=int, default=0, help="0: EXPERT_STEPS per skill")
    ap.add_argument("--skills", default=None,
                    help="experts to train, comma-separated (others must exist); default: all of the family. "
                         "'16' alone selects the 16-skill scaling family (= --family 16)")
    ap.add_argument("--family", type=int, choices=(4, 16), default=4,
                    help="4: examples/family (default); 16: the 16-skill scaling family, into --out outside examples/")
    ap.add_argument("--skip-base", action="store_true", help="reuse the stored base")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    def log(msg):
        print(msg, flush=True)

    if args.skills == "16" or args.family == 16:
        if args.out == DEFAULT_OUT:
            sys.exit("--skills 16 needs --out DIR (outside examples/), e.g. --out bench/out/family16")
        if args.base_steps is None:
            args.base_steps = BASE_STEPS16
        main16(args, log)
        return
    if args.skills is None:
        args.skills = ",".join(SKILLS)
    if args.base_steps is None:
        args.base_steps = BASE_TRAIN["steps"]
    out = os.path.abspath(args.out)
    t_start = time.time()
    timings = {}

    splits = held_out_splits(SEED)
    held = {s: {r["prompt"] for sp in splits[s].values() for r in sp} for s in SKILLS}

    if args.eval_only:
        TOK = ByteBPE.from_tokenizer_json(os.path.join(out, "base", "tokenizer.json"))
        measure(out, TOK, splits, log)
        return

    # tokenizer: trained on a sample of the pre-training text
    rng = random.Random(SEED)
    corpus = [english_doc(rng) for _ in range(3000)]
    corpus += [general_example(rng) for _ in range(1000)]
    for skill in SKILLS:
        for _ in range(500):
            p, a = make_example(skill, rng)
            corpus.append(p + a)
    TOK = ByteBPE(train_bpe(corpus, N_MERGES))
    tok = TOK
    log(f"tokenizer: {len(tok.id_to_token)} tokens, {len(tok.merges)} merges; e.g. "
        + " | ".join(tok.id_to_token[i] for i in tok.encode("reverse 38142 = 24183. the small cat sees the dog.")))
    cfg = hf_config(tok)

    if not args.skip_base:
        if os.path.isdir(out):
            shutil.rmtree(out)
        os.makedirs(out)
        write_tasks(out, splits)
        gen = torch.Generator().manual_seed(SEED)
        W0 = init_weights(cfg, gen)
        log(f"base: {sum(t.numel() for t in W0.values())} parameters")
        sched = dict(BASE_TRAIN, steps=args.base_steps)
        t0 = time.time()
        Wb = train(cfg, W0, make_base_sampler(tok, held), sched, SEED + 1, log, "base")
        timings["base"] = time.time() - t0
        log(f"base trained in {timings['base']:.0f}s")
        save_model(os.path.join(out, "base"), cfg, Wb, tok)
    _, Wb = load_model(os.path.join(out, "base"))  # fine-tune from the stored BF16 base

    for si, skill in enumerate(SKILLS):
        if skill not in args.skills.split(","):
            continue
        sched = dict(EXPERT_TRAIN, steps=args.expert_steps or EXPERT_STEPS[skill])
        t0 = time.time()
        We = train(cfg, Wb, make_expert_sampler(tok, held, skill), sched, SEED + 10 + si, log, skill)
        timings[f"expert-{skill}"] = time.time() - t0
        log(f"expert-{skill} trained in {timings[f'expert-{skill}']:.0f}s")
        save_model(os.path.join(out, f"expert-{skill}"), cfg, We, tok)

    log("test-split accuracy (with <|bos|> / without):")
    results = measure(out, tok, splits, log)
    total = time.time() - t_start
    log(f"total {total:.0f}s")
    write_readme(out, tok, results, timings, total, args)


if __name__ == "__main__":
    main()
