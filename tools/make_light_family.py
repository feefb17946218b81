"""Generates examples/light-family/: a small Llama base with four *light* experts, where merging pays.

Usage (from the repository root, Debian's Python with torch 1.13; no network, no `transformers`):
    /usr/bin/python3 tools/make_light_family.py                    # train, measure, write the README
    /usr/bin/python3 tools/make_light_family.py --measure-only     # re-measure the stored files, rewrite the README
    /usr/bin/python3 tools/make_light_family.py --skills 16 --out bench/out/light16   # 16-skill scaling family

Where examples/family/ (tools/make_example_family.py) is the hard case - heavy full fine-tunes whose task
vectors interfere - this family is built the way merging is meant to work:

  base/             a Llama-architecture decoder (LlamaForCausalLM, ~0.7M parameters, BF16), byte-level BPE
                    tokenizer trained here; pre-trained on a broad mixture: template English and the
                    capabilities of every skill written as prose or in other templates
                    (tools/light_world.py), never in the task formats
  expert-<skill>/   light full fine-tunes of the base (small learning rate, few steps), one skill each, in the
                    task format; each skill gets the steps and learning rate it needs
  lora-<skill>/     PEFT LoRA adapters of the same base (r 8, alpha 16, all linear projections), PEFT's layout
  tasks/<skill>/{optimization,test}.jsonl   50 / 400 held-out rows, disjoint from all training text
  tasks.yml         SwarmMerge task file (classification, multiple choice, generation)
  README.md         recipe, timings, and the matrix measured by SwarmMerge's CLI (swarmmerge eval / merge)

The CLI measurement needs the .NET SDK (./swarmmerge builds it); --no-cli prints the Python forward pass's
scores instead and writes no README. Shared pieces (tokenizer trainer, Llama forward, file writers) come from
tools/make_example_family.py, unchanged.
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in tools/

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import light_world as lw  # noqa: E402
import make_example_family as mef  # noqa: E402
from safetensors_io import from_f32, write_safetensors  # noqa: E402

REPO = os.path.normpath(os.path.join(HERE, ".."))
DEFAULT_OUT = os.path.join(REPO, "examples", "light-family")

SEED = 20250901
N_OPT, N_TEST = 50, 400
N_MERGES = 765          # 256 byte symbols + 765 merges + 3 specials = 1024 (the words of the world are single tokens)
SEQ = 64                # pre-training sequence length (packed documents)

ARCH = dict(hidden_size=128, intermediate_size=256, num_hidden_layers=4, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=128, rms_norm_eps=1e-6, rope_theta=10000.0)

BASE_TRAIN = dict(steps=1600, batch=48, lr=3e-3, warmup=100, weight_decay=0.01)
ENGLISH_SHARE = 0.25    # of pre-training documents; the rest: the skills' latent forms, uniformly

# light fine-tunes: each skill what it needs (batch 32, AdamW, no weight decay, warmup 10 %, cosine to 10 %)
EXPERT_RECIPE = {
    "sentiment": dict(steps=100, lr=1e-4),
    "category": dict(steps=150, lr=1.5e-4),
    "plural": dict(steps=150, lr=1.5e-4),
    "antonym": dict(steps=200, lr=1.5e-4),
}
LORA_R, LORA_ALPHA = 8, 16
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
LORA_RECIPE = {
    "sentiment": dict(steps=100, lr=2e-3),
    "category": dict(steps=150, lr=2e-3),
    "plural": dict(steps=150, lr=2e-3),
    "antonym": dict(steps=200, lr=2e-3),
}
EXPERT_BATCH = 32
LORA_DTYPE = "BF16"

# the 16-skill scaling family (--skills 16): a larger vocabulary (its world has more words), a longer
# pre-training, one light expert per skill (LoRA experts only with --lora)
N_MERGES16 = 1021       # vocabulary 1280
BASE_STEPS16 = 1600
EXPERT_RECIPE16 = {
    "sentiment": dict(steps=100, lr=1e-4), "samekind": dict(steps=150, lr=1.5e-4),
    "larger": dict(steps=150, lr=1.5e-4), "plurality": dict(steps=100, lr=1e-4),
    "category": dict(steps=200, lr=1.5e-4), "opposite": dict(steps=150, lr=1.5e-4),
    "largest": dict(steps=200, lr=1.5e-4), "after": dict(steps=150, lr=1.5e-4),
    "plural": dict(steps=150, lr=1.5e-4), "antonym": dict(steps=200, lr=1.5e-4),
    "upper": dict(steps=150, lr=1.5e-4), "singular": dict(steps=150, lr=1.5e-4),
    "past": dict(steps=150, lr=1.5e-4), "words": dict(steps=120, lr=1.5e-4),
    "kinds": dict(steps=150, lr=1.5e-4), "initials": dict(steps=200, lr=2e-4),
}
LORA_RECIPE16 = {s: dict(steps=r["steps"], lr=10 * r["lr"]) for s, r in EXPERT_RECIPE16.items()}


# =============================================================================================
# Data
# =============================================================================================

def held_out_splits(skills, seed=SEED):
    """Per skill: N_OPT optimization + N_TEST test rows with distinct keys (skill i drawn with seed·100 + i)."""
    splits, keys = {}, {}
    for si, (name, sk) in enumerate(skills.items()):
        rng = random.Random(seed * 100 + si)
        seen, rows = set(), []
        while len(rows) < N_OPT + N_TEST:
            key, row = sk.row(rng)
            if key in seen:
                continue
            seen.add(key)
            rows.append(row)
        splits[name] = {"optimization": rows[:N_OPT], "test": rows[N_OPT:]}
        keys[name] = seen
    return splits, keys


def tokenizer_corpus(skills, held, rng, english=lw.english):
    """A sample of the pre-training text (ENGLISH: the world's generic sentences) plus task-format lines
    (held-out rows excluded)."""
    corpus = [english(rng) for _ in range(3000)]
    for name, sk in skills.items():
        corpus += [sk.latent(rng, held[name]) for _ in range(600)]
        n = 0
        while n < 200:
            key, row = sk.row(rng)
            if key not in held[name]:
                p, c = sk.train_text(row)
                corpus.append(p + c)
                n += 1
    return corpus


def make_base_sampler(tok, skills, held):
    names = list(skills)

    def doc(rng):
        if rng.random() < ENGLISH_SHARE:
            return lw.english(rng)
        s = rng.choice(names)
        return skills[s].latent(rng, held[s])

    def sampler(rng):
        ids = [tok.bos] if rng.random() < 0.5 else []
        while len(ids) < SEQ + 1:
            ids += tok.encode(doc(rng)) + [tok.eos]
        return ids[:SEQ + 1], 0
    return sampler


def make_expert_sampler(tok, sk, held):
    def sampler(rng):
        bos = rng.random() < 0.5
        while True:
            key, row = sk.row(rng)
            if key not in held:
                break
        p, c = sk.train_text(row)
        pid = tok.encode(p, bos=bos)
        full = tok.encode(p + c, bos=bos)
        assert full[:len(pid)] == pid, (p, c)
        # loss on the completion only; a generated answer also learns to end (<|eos|>), a scored label
        # word or choice does not need to
        return (full + [tok.eos] if sk.kind == "generation" else full), len(pid)
    return sampler


# =============================================================================================
# Training (full or LoRA)
# =============================================================================================

def lora_names(cfg):
    out = []
    for l in range(cfg["num_hidden_layers"]):
        for m in LORA_TARGETS:
            sub = "self_attn" if m.endswith("proj") and m[0] in "qkvo" else "mlp"
            out.append(f"model.layers.{l}.{sub}.{m}.weight")
    return out


def lora_init(cfg, W, gen):
    """PEFT's default init: A ~ kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)), B = 0."""
    P = {}
    for n in lora_names(cfg):
        out_f, in_f = W[n].shape
        bound = 1.0 / math.sqrt(in_f)
        P[n + ":A"] = (torch.rand(LORA_R, in_f, generator=gen) * 2 - 1) * bound
        P[n + ":B"] = torch.zeros(out_f, LORA_R)
    return P


def lora_apply(W, P, scale=LORA_ALPHA / LORA_R):
    out = dict(W)
    for n in W:
        if n + ":A" in P:
            out[n] = W[n] + scale * (P[n + ":B"] @ P[n + ":A"])
    return out


def train(cfg, W, sampler, tok, steps, lr, batch, warmup, weight_decay, seed, log, label, lora=False):
    """AdamW (betas 0.9/0.98), linear warmup, cosine decay to 10 %, gradient clipping at 1.
    lora=False: all weights train. lora=True: W is frozen and LoRA factors train; returns them."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    if lora:
        params = {n: t.requires_grad_(True) for n, t in lora_init(cfg, W, torch.Generator().manual_seed(seed)).items()}
        groups = [{"params": list(params.values()), "weight_decay": 0.0}]
    else:
        params = {n: t.clone().requires_grad_(True) for n, t in W.items()}
        groups = [{"params": [p for n, p in params.items() if not n.endswith("norm.weight")], "weight_decay": weight_decay},
                  {"params": [p for n, p in params.items() if n.endswith("norm.weight")], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.98), eps=1e-8)
    return mef.train_steps(cfg, params, opt, sampler, tok, steps, lr, warmup, batch, rng, log, label, max(1, steps // 5),
                           (lambda P: lora_apply(W, P)) if lora else None)


# =============================================================================================
# Scoring in Python (the same rules as SwarmMerge's TaskEvaluator)
# =============================================================================================

@torch.no_grad()
def loglikelihoods(cfg, W, tok, requests, batch=128, forward=mef.llama_forward, bos=True):
    """Sum of log-probabilities of each continuation (encoded alone, no specials) after its context
    (encoded as the family's tokenizer does: with <|bos|> for the light family), as SwarmMerge's
    CausalTextScorer."""
    out = []
    for b0 in range(0, len(requests), batch):
        enc = []
        for ctx, cont in requests[b0:b0 + batch]:
            c, t = tok.encode(ctx, bos=bos), tok.encode(cont)
            enc.append((c + t, len(c)))
        L = max(len(s) for s, _ in enc)
        ids = torch.full((len(enc), L), tok.pad, dtype=torch.long)
        for i, (s, _) in enumerate(enc):
            ids[i, :len(s)] = torch.tensor(s)
        logp = torch.log_softmax(forward(cfg, W, ids)[0].double(), dim=-1)
        for i, (s, n) in enumerate(enc):
            out.append(sum(float(logp[i, j - 1, s[j]]) for j in range(n, len(s))))
    return out


def score(cfg, W, tok, sk, rows, forward=mef.llama_forward, bos=True):
    """Task score ×100 on rows (FORWARD: the architecture's forward pass; BOS: whether prompts start with it)."""
    ll = lambda reqs: loglikelihoods(cfg, W, tok, reqs, forward=forward, bos=bos)
    if sk.kind == "generation":
        outs = mef.generate(cfg, W, tok, [r["prompt"] for r in rows], bos=bos, max_new=sk.max_new, stop=("\n",),
                            forward=forward)
        return 100.0 * sum(mef.normalize_answer(o) == mef.normalize_answer(r["answer"]) for o, r in zip(outs, rows)) / len(rows)
    if sk.kind == "classification":
        labels = sk.labels
        reqs = [(sk.train_text(r)[0], " " + lab) for r in rows for lab in labels]
        scores = ll(reqs)
        k = len(labels)
        pred = [labels[int(np.argmax(scores[i * k:(i + 1) * k]))] for i in range(len(rows))]
        return 100.0 * sum(p == r["label"] for p, r in zip(pred, rows)) / len(rows)
    if sk.kind == "multiple_choice":
        reqs = [(sk.train_text(r)[0], f" {r[f'c{j}']}") for r in rows for j in range(4)]
        scores = ll(reqs)
        pred = [int(np.argmax(scores[i * 4:(i + 1) * 4])) for i in range(len(rows))]
        return 100.0 * sum(p == r["label"] for p, r in zip(pred, rows)) / len(rows)
    raise ValueError(sk.kind)


def score_all(cfg, W, tok, skills, splits, split, forward=mef.llama_forward, bos=True):
    return {s: score(cfg, W, tok, sk, splits[s][split], forward, bos) for s, sk in skills.items()}


# =============================================================================================
# Files
# =============================================================================================

def hf_config(tok):
    cfg = mef.hf_config(tok)
    cfg.update({k: ARCH[k] for k in ARCH})
    cfg["head_dim"] = ARCH["hidden_size"] // ARCH["num_attention_heads"]
    cfg["vocab_size"] = len(tok.id_to_token)
    return cfg


def write_tasks(out, skills, splits, title, tool="tools/make_light_family.py"):
    lines = [f"# SwarmMerge task file for {title} (generated by {tool}).",
             "# Paths are relative to this file.",
             "tasks:"]
    for name, sk in skills.items():
        d = os.path.join(out, "tasks", name)
        os.makedirs(d, exist_ok=True)
        for split in ("optimization", "test"):
            with open(os.path.join(d, f"{split}.jsonl"), "w", encoding="utf-8") as f:
                for r in splits[name][split]:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
        lines += sk.task_yaml()
    with open(os.path.join(out, "tasks.yml"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def write_search(out, skills):
    """The demo search (`swarmmerge demo` runs examples/light-family/search.yml)."""
    rel = os.path.relpath(out, REPO)
    n = len(skills)
    lines = [f"# The demo search on {os.path.basename(out)} (run from the repository root: paths resolve against the",
             "# working directory, as in mergekit). `swarmmerge demo` runs exactly this:",
             "#   swarmmerge search " + os.path.join(rel, "search.yml") + " --out runs/light",
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


def peft_adapter_config(base_path):
    """adapter_config.json exactly as PEFT 0.17.1's LoraConfig.save_pretrained writes it
    (dataclasses.asdict of the config minus runtime_config, json.dumps(indent=2, sort_keys=True))."""
    cfg = {
        "task_type": "CAUSAL_LM", "peft_type": "LORA", "auto_mapping": None,
        "base_model_name_or_path": base_path, "revision": None, "inference_mode": True,
        "r": LORA_R, "target_modules": sorted(LORA_TARGETS), "exclude_modules": None,
        "lora_alpha": LORA_ALPHA, "lora_dropout": 0.0, "fan_in_fan_out": False, "bias": "none",
        "use_rslora": False, "modules_to_save": None, "init_lora_weights": True,
        "layers_to_transform": None, "layers_pattern": None, "rank_pattern": {}, "alpha_pattern": {},
        "megatron_config": None, "megatron_core": "megatron.core", "trainable_token_indices": None,
        "loftq_config": {}, "eva_config": None, "corda_config": None, "use_dora": False,
        "use_qalora": False, "qalora_group_size": 16, "layer_replication": None, "lora_bias": False,
        "target_parameters": None,
    }
    return json.dumps(cfg, indent=2, sort_keys=True)


def save_lora(folder, cfg, P, base_path):
    """PEFT layout: adapter_config.json + adapter_model.safetensors with
    base_model.model.<module>.lora_A.weight [r, in] and .lora_B.weight [out, r] (BF16, as PEFT saves an
    adapter of a BF16 model)."""
    os.makedirs(folder, exist_ok=True)
    tensors = []
    for n in lora_names(cfg):
        mod = n[:-len(".weight")]
        tensors.append((f"base_model.model.{mod}.lora_A.weight", from_f32(P[n + ":A"].numpy(), LORA_DTYPE)))
        tensors.append((f"base_model.model.{mod}.lora_B.weight", from_f32(P[n + ":B"].numpy(), LORA_DTYPE)))
    tensors.sort(key=lambda x: x[0])  # safetensors' save_file writes tensors sorted by name
    write_safetensors(os.path.join(folder, "adapter_model.safetensors"), tensors, {"format": "pt"})
    with open(os.path.join(folder, "adapter_config.json"), "w", encoding="utf-8") as f:
        f.write(peft_adapter_config(base_path))


def load_lora(folder, cfg):
    from safetensors_io import read_safetensors, to_f32
    tensors, _ = read_safetensors(os.path.join(folder, "adapter_model.safetensors"))
    with open(os.path.join(folder, "adapter_config.json"), encoding="utf-8") as f:
        ac = json.load(f)
    P = {}
    for n in lora_names(cfg):
        mod = n[:-len(".weight")]
        P[n + ":A"] = torch.from_numpy(to_f32(tensors[f"base_model.model.{mod}.lora_A.weight"]).copy())
        P[n + ":B"] = torch.from_numpy(to_f32(tensors[f"base_model.model.{mod}.lora_B.weight"]).copy())
    return P, ac["lora_alpha"] / ac["r"]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def folder_size(out):
    return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(out) for f in fs)


# =============================================================================================
# Task vectors
# =============================================================================================

def flat(W, names):
    return torch.cat([W[n].reshape(-1).double() for n in names])


def task_vector_stats(base, experts):
    names = list(base)
    b = flat(base, names)
    taus = {s: flat(W, names) - b for s, W in experts.items()}
    norms = {s: float(t.norm() / b.norm()) for s, t in taus.items()}
    cos = {(s, t): float(taus[s] @ taus[t] / (taus[s].norm() * taus[t].norm())) for s in taus for t in taus}
    return norms, cos, float(b.norm())


# =============================================================================================
# Pipeline
# =============================================================================================

def build_skills(n):
    if n == 4:
        return {name: cls() for name, cls in lw.SKILLS4.items()}
    return {name: cls() for name, cls in lw.SKILLS16.items()}


def clear_generated(out, skills):
    """Removes what an earlier run wrote into OUT, and nothing else (the folder's hand-written configs stay)."""
    os.makedirs(out, exist_ok=True)
    for name in ["base", "tasks", *(f"{kind}-{s}" for kind in ("expert", "lora") for s in skills)]:
        shutil.rmtree(os.path.join(out, name), ignore_errors=True)
    for name in ["tasks.yml", "search.yml", "README.md", "timings.json", "scores.json"]:
        if os.path.exists(os.path.join(out, name)):
            os.remove(os.path.join(out, name))


def train_family(args, skills, recipe, lora_recipe, log):
    out = os.path.abspath(args.out)
    timings = {}
    t_start = time.time()
    splits, held = held_out_splits(skills)
    rng = random.Random(SEED)
    tok = mef.ByteBPE(mef.train_bpe(tokenizer_corpus(skills, held, rng), N_MERGES if args.skills == 4 else N_MERGES16))
    mef.TOK = tok
    timings["tokenizer"] = time.time() - t_start
    log(f"tokenizer: {len(tok.id_to_token)} tokens ({timings['tokenizer']:.0f}s); e.g. "
        + " | ".join(tok.id_to_token[i] for i in tok.encode("Review: the soup was tasty.\nSentiment: positive. plural of fox knife >> foxes knives")))
    cfg = hf_config(tok)

    clear_generated(out, skills)
    write_tasks(out, skills, splits, args.title)
    write_search(out, skills)

    W0 = mef.init_weights(cfg, torch.Generator().manual_seed(SEED))
    log(f"base: {sum(t.numel() for t in W0.values()):,} parameters")
    t0 = time.time()
    bt = dict(BASE_TRAIN, steps=args.base_steps)
    Wb = train(cfg, W0, make_base_sampler(tok, skills, held), tok, bt["steps"], bt["lr"], bt["batch"], bt["warmup"],
               bt["weight_decay"], SEED + 1, log, "base")
    timings["base"] = time.time() - t0
    mef.save_model(os.path.join(out, "base"), cfg, Wb, tok)
    _, Wb = mef.load_model(os.path.join(out, "base"))
    log(f"base trained in {timings['base']:.0f}s")
    if args.quick_eval:
        log("  base (test): " + json.dumps({k: round(v, 1) for k, v in score_all(cfg, Wb, tok, skills, splits, "test").items()}))

    for si, (name, sk) in enumerate(skills.items()):
        r = recipe[name]
        t0 = time.time()
        We = train(cfg, Wb, make_expert_sampler(tok, sk, held[name]), tok, r["steps"], r["lr"], EXPERT_BATCH,
                   max(1, r["steps"] // 10), 0.0, SEED + 10 + si, log, f"expert-{name}")
        timings[f"expert-{name}"] = time.time() - t0
        mef.save_model(os.path.join(out, f"expert-{name}"), cfg, We, tok)
        if args.quick_eval:
            _, We = mef.load_model(os.path.join(out, f"expert-{name}"))
            log(f"  expert-{name} ({timings[f'expert-{name}']:.0f}s) own test {score(cfg, We, tok, sk, splits[name]['test']):.1f}")
        if not args.no_lora:
            r = lora_recipe[name]
            t0 = time.time()
            P = train(cfg, Wb, make_expert_sampler(tok, sk, held[name]), tok, r["steps"], r["lr"], EXPERT_BATCH,
                      max(1, r["steps"] // 10), 0.0, SEED + 40 + si, log, f"lora-{name}", lora=True)
            timings[f"lora-{name}"] = time.time() - t0
            save_lora(os.path.join(out, f"lora-{name}"), cfg, P, os.path.relpath(os.path.join(out, "base"), REPO))
            if args.quick_eval:
                P, sc = load_lora(os.path.join(out, f"lora-{name}"), cfg)
                log(f"  lora-{name} ({timings[f'lora-{name}']:.0f}s) own test {score(cfg, lora_apply(Wb, P, sc), tok, sk, splits[name]['test']):.1f}")
    timings["train_total"] = time.time() - t_start
    with open(os.path.join(out, "timings.json"), "w", encoding="utf-8") as f:
        json.dump(timings, f, indent=1)
    return timings


def python_matrix(out, skills, log):
    """Scores (×100) of base, experts, folded LoRA experts, average and task arithmetic on both splits,
    from the stored files, in Python."""
    splits, _ = held_out_splits(skills)
    tok = mef.ByteBPE.from_tokenizer_json(os.path.join(out, "base", "tokenizer.json"))
    mef.TOK = tok
    cfg, base = mef.load_model(os.path.join(out, "base"))
    experts = {s: mef.load_model(os.path.join(out, f"expert-{s}"))[1] for s in skills}
    models = {"base": base}
    models.update({f"expert-{s}": W for s, W in experts.items()})
    for s in skills:
        if os.path.isdir(os.path.join(out, f"lora-{s}")):
            P, sc = load_lora(os.path.join(out, f"lora-{s}"), cfg)
            models[f"lora-{s}"] = lora_apply(base, P, sc)
    models["average"] = {n: sum(experts[s][n] for s in skills) / len(skills) for n in base}
    for lam in (0.3, 0.5, 0.7, 1.0):
        models[f"task_arithmetic λ={lam:g}"] = {n: base[n] + lam * sum(experts[s][n] - base[n] for s in skills) for n in base}
    res = {}
    for name, W in models.items():
        res[name] = {split: score_all(cfg, W, tok, skills, splits, split) for split in ("optimization", "test")}
        t = res[name]["test"]
        log(f"  {name:24s} " + " ".join(f"{s}={v:5.1f}" for s, v in t.items()) + f"  mean={sum(t.values()) / len(t):5.1f}"
            + f"  (opt mean {sum(res[name]['optimization'].values()) / len(t):5.1f})")
    norms, cos, bnorm = task_vector_stats(base, experts)
    log("  ‖τ‖/‖θ0‖: " + " ".join(f"{s}={100 * v:.2f}%" for s, v in norms.items()))
    log("  cos: " + " ".join(f"{a[:4]}/{b[:4]}={v:.3f}" for (a, b), v in cos.items() if a < b))
    return res, norms, cos


DATA_FREE = [  # (row name, merge_method, per-model parameters, top-level parameters)
    *[(f"task_arithmetic λ={lam:g}", "task_arithmetic", {"weight": 1.0}, {"lambda": lam}) for lam in (0.3, 0.5, 0.7, 1.0)],
    ("ties (density 0.5)", "ties", {"weight": 1.0, "density": 0.5}, {}),
    ("dare_ties (density 0.5)", "dare_ties", {"weight": 1.0, "density": 0.5}, {"normalize": True}),
    ("della (density 0.5, ε 0.1)", "della", {"weight": 1.0, "density": 0.5, "epsilon": 0.1}, {}),
]


class Cli:
    """Runs SwarmMerge's CLI from this checkout (./swarmmerge builds it once; then the built dll)."""

    def __init__(self, threads, log):
        self.threads, self.log = threads, log
        build = subprocess.run([os.path.join(REPO, "swarmmerge"), "--version"], cwd=REPO, capture_output=True, text=True)
        if build.returncode != 0:
            raise RuntimeError("could not build the CLI:\n" + build.stdout + build.stderr)
        self.version = build.stdout.strip()
        self.dll = os.path.join(REPO, "src", "SwarmMerge.Cli", "bin", "Release", "net10.0", "SwarmMerge.Cli.dll")
        self.seconds = 0.0

    def run(self, *args):
        t0 = time.time()
        r = subprocess.run(["dotnet", self.dll, *args], cwd=REPO, capture_output=True, text=True)
        self.seconds += time.time() - t0
        if r.returncode != 0:
            raise RuntimeError(f"swarmmerge {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        return r.stdout

    def eval(self, model, tasks, split, scratch):
        path = os.path.join(scratch, "scores.json")
        self.run("eval", model, "--tasks", tasks, "--split", split, "--json", path, "--threads", str(self.threads))
        with open(path, encoding="utf-8") as f:
            return json.load(f)["scores"]

    def merge(self, method, base, experts, model_params, top_params, out):
        lines = [f"merge_method: {method}", f"base_model: {base}", "models:"]
        for e in experts:
            lines += [f"  - model: {e}", f"    parameters: {json.dumps(model_params)}"]
        if top_params:
            lines.append(f"parameters: {json.dumps(top_params)}")
        lines += ["dtype: float32", "out_dtype: float32", "tokenizer_source: base"]
        cfg = out + ".yml"
        with open(cfg, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        self.run("merge", cfg, "--out", out, "--threads", str(self.threads), "--overwrite")
        return "\n".join(lines)


def fold_lora(out, skill, folder):
    """base + (alpha/r)·B·A, stored dense (F32, so the folded weights are exact) with the base's other files."""
    cfg, base = mef.load_model(os.path.join(out, "base"))
    P, sc = load_lora(os.path.join(out, f"lora-{skill}"), cfg)
    W = lora_apply(base, P, sc)
    shutil.copytree(os.path.join(out, "base"), folder)
    write_safetensors(os.path.join(folder, "model.safetensors"),
                      [(n, from_f32(W[n].numpy(), "F32")) for n in mef.tensor_names(cfg)], {"format": "pt"})


LORA_TA = [0.3, 0.5, 0.7, 1.0]


def cli_matrix(out, skills, threads, log, python=True, expert_splits=("optimization", "test")):
    """Every row of the README's matrix, scored by `swarmmerge eval` (merges made by `swarmmerge merge`);
    with python=True also by this file's forward pass, on the very same files. Base, experts and LoRA
    experts are scored on expert_splits, merges on both splits."""
    cli = Cli(threads, log)
    splits, _ = held_out_splits(skills)
    tok = mef.ByteBPE.from_tokenizer_json(os.path.join(out, "base", "tokenizer.json"))
    mef.TOK = tok
    tasks = os.path.join(out, "tasks.yml")
    scratch = tempfile.mkdtemp(prefix="light-family-")
    rows, configs = {}, {}
    both = ("optimization", "test")
    try:
        base = os.path.join(out, "base")
        todo = [("base", base, expert_splits)]
        todo += [(f"expert-{s}", os.path.join(out, f"expert-{s}"), expert_splits) for s in skills]
        folded = []
        for s in skills:
            if os.path.isdir(os.path.join(out, f"lora-{s}")):
                folded.append(os.path.join(scratch, f"lora-{s}"))
                fold_lora(out, s, folded[-1])
                todo.append((f"lora-{s} (folded)", folded[-1], expert_splits))
        experts = [os.path.join(out, f"expert-{s}") for s in skills]
        configs["average"] = cli.merge("linear", base, experts, {"weight": 1.0}, {"normalize": True},
                                       os.path.join(scratch, "average"))
        todo.append(("average", os.path.join(scratch, "average"), both))
        for i, (name, method, mp, tp) in enumerate(DATA_FREE):
            folder = os.path.join(scratch, f"merge{i}")
            configs[name] = cli.merge(method, base, experts, mp, tp, folder)
            todo.append((name, folder, both))
        if len(folded) == len(skills):
            for lam in LORA_TA:
                name = f"LoRA task_arithmetic λ={lam:g}"
                folder = os.path.join(scratch, f"lora-ta-{lam:g}")
                configs[name] = cli.merge("task_arithmetic", base, folded, {"weight": 1.0}, {"lambda": lam}, folder)
                todo.append((name, folder, both))
        for name, folder, which in todo:
            row = {split: cli.eval(folder, tasks, split, scratch) for split in which}
            if python:
                cfg, W = mef.load_model(folder)
                row["python"] = {split: score_all(cfg, W, tok, skills, splits, split) for split in which}
            rows[name] = row
            t = row["test"]
            log(f"  {name:30s} " + " ".join(f"{s[:6]}={t[s]:5.1f}" for s in skills) + f"  mean={sum(t.values()) / len(t):5.1f}"
                + (f"  python mean={sum(row['python']['test'].values()) / len(t):5.1f}" if python else ""))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return rows, configs, cli


CHANCE = {"classification": 50, "multiple_choice": 25, "generation": 0}


def _mean(d, names):
    return sum(d[s] for s in names) / len(names)


def _matrix(rows, names, groups, split, short=False):
    cols = [s[:5] if short else s for s in names]
    text = "| model | " + " | ".join(cols) + " | mean |\n|---|" + "---:|" * (len(names) + 1) + "\n"
    for group in groups:
        for n in group:
            if n in rows and split in rows[n]:
                v = rows[n][split]
                text += f"| {n} | " + " | ".join(f"{v[s]:.{0 if short else 1}f}" for s in names) + f" | **{_mean(v, names):.1f}** |\n"
    return text


def _agreement(rows, names):
    checked = [(n, r) for n, r in rows.items() if "python" in r]
    if not checked:
        return "(The Python cross-check was not run for these numbers: `--no-python-check`.)"
    cells, diffs = 0, []
    for n, r in checked:
        for split in r["python"]:
            for s in names:
                cells += 1
                if abs(r["python"][split][s] - r[split][s]) > 1e-9:
                    diffs.append(f"`{n}` {s} ({split}): Python {r['python'][split][s]:.2f}, CLI {r[split][s]:.2f}")
    if not diffs:
        return (f"Cross-check: this script's own forward pass (`llama_forward`, greedy decoding, summed log-likelihoods, "
                f"the same normalisation) scored the very same files; it agrees with the CLI in all {cells} cells "
                f"(every model above, every task, both splits).")
    return (f"Cross-check: this script's own forward pass scored the very same files; it agrees with the CLI in "
            f"{cells - len(diffs)} of {cells} cells and differs in {len(diffs)}: " + "; ".join(diffs) +
            ". (Float32 sums in another order can flip a near-tie between two tokens or choices.)")


def _summary(rows, names):
    mean = lambda n, split="test": _mean(rows[n][split], names)
    experts = [f"expert-{s}" for s in names]
    best_single = max(experts, key=mean)
    tas = [n for n, *_ in DATA_FREE if n.startswith("task_arithmetic")]
    best_ta = max(tas, key=lambda n: (mean(n, "optimization"), -tas.index(n)))
    return best_single, best_ta, mean(best_ta) - mean(best_single), tas


def write_readme(out, skills, recipe, lora_recipe, rows, configs, cli, norms, cos, bnorm, lora_norms, timings, args):
    cfg, base = mef.load_model(os.path.join(out, "base"))
    tok = mef.ByteBPE.from_tokenizer_json(os.path.join(out, "base", "tokenizer.json"))
    nparams = sum(t.numel() for t in base.values())
    names = list(skills)
    mean = lambda n, split="test": _mean(rows[n][split], names)
    experts = [f"expert-{s}" for s in names]
    loras = [f"lora-{s} (folded)" for s in names]
    merges = ["average"] + [n for n, *_ in DATA_FREE]
    lora_merges = [f"LoRA task_arithmetic λ={lam:g}" for lam in LORA_TA]
    groups = [["base"], experts, loras, merges, lora_merges]
    best_single, best_ta, gap, tas = _summary(rows, names)
    lora_tas = [n for n in lora_merges if n in rows]
    best_lora_ta = max(lora_tas, key=lambda n: (mean(n, "optimization"), -lora_tas.index(n))) if lora_tas else None
    best_lora = max([n for n in loras if n in rows], key=mean) if lora_tas else None
    rel = os.path.relpath(out, REPO)
    cmd = "/usr/bin/python3 tools/make_light_family.py" + ("" if out == DEFAULT_OUT else f" --out {rel}")

    skill_rows = "".join(f"| `{s}` | {sk.kind} | {sk.example} | {CHANCE[sk.kind]} |\n" for s, sk in skills.items())
    recipe_rows = "".join(
        f"| `{s}` | {recipe[s]['steps']} | {recipe[s]['lr']:g} | {timings.get(f'expert-{s}', float('nan')):.0f} s | "
        f"{100 * norms[s]:.2f} % | {lora_recipe[s]['steps']} | {lora_recipe[s]['lr']:g} | {timings.get(f'lora-{s}', float('nan')):.0f} s | "
        f"{100 * lora_norms.get(s, float('nan')):.2f} % |\n" for s in names)
    cos_table = "| | " + " | ".join(names) + " |\n|---|" + "---:|" * len(names) + "\n"
    for x in names:
        cos_table += f"| {x} | " + " | ".join(f"{cos[(x, y)]:.3f}" for y in names) + " |\n"
    off = [cos[(x, y)] for x in names for y in names if x < y]
    weights = ["base/model.safetensors"] + [f"expert-{s}/model.safetensors" for s in names] + \
              [f"lora-{s}/adapter_model.safetensors" for s in names if os.path.isdir(os.path.join(out, f"lora-{s}"))]
    hashes = "\n".join(f"    {sha256(os.path.join(out, w))}  {w}" for w in weights)
    ta_cfg = configs[best_ta].replace(out, rel)
    size = folder_size(out)
    own = {s: rows[f"expert-{s}"]["test"][s] for s in names}
    lora_line = ""
    if best_lora_ta:
        lora_line = (f"- The same with the folded LoRA experts: best single `{best_lora}` {mean(best_lora):.1f}; "
                     f"λ chosen on the optimization split **{best_lora_ta}**, test mean {mean(best_lora_ta):.1f} "
                     f"(**{mean(best_lora_ta) - mean(best_lora):+.1f}**).\n")
    text = f"""# Light example family: a small Llama base and {len(names)} light experts, where merging pays

Where [`examples/family/`](../family/README.md) is the **hard case** (heavy full fine-tunes whose task vectors
interfere, so every data-free merge falls back to base level and a search can at best find the best single
expert), this family is built the way merging is meant to work: a base pre-trained on a broad mixture that
holds every skill's capability *latently* (as prose and in other templates, never in a task format), and
experts that are *light* fine-tunes of it (small learning rate, few steps), each teaching the base one task
format. Their task vectors are small ({100 * min(norms.values()):.1f}–{100 * max(norms.values()):.1f} % of the base's weight norm) and nearly
orthogonal (pairwise cosines {min(off):.2f} to {max(off):.2f}), and adding them up keeps most of every skill:

**Task arithmetic ({best_ta}, the λ best on the optimization split) scores {mean(best_ta):.1f} on the
{len(names)}-task test mean, {gap:+.1f} points over the best single expert (`{best_single}`, {mean(best_single):.1f}).**
The experts are heterogeneous (different skills, difficulties, training lengths and learning rates), and
the skills do not survive a uniform merge equally well (table below), so per-expert weights have room to
do better than one λ for all.

`search.yml` is the demo's search over this family (`swarmmerge demo`, or `swarmmerge search {rel}/search.yml --out runs/light`).

## Regenerating

Generated by `tools/make_light_family.py` from the repository root, with Debian's Python (torch {torch.__version__},
numpy; no network, no `transformers`), and measured with this checkout's `swarmmerge` CLI:

    {cmd}                  # train, measure with the CLI, write this README
    {cmd} --measure-only   # re-measure the stored files, rewrite this README

Deterministic: seed {SEED} (held-out rows: seed·100 + skill index; tokenizer corpus and initialisation: {SEED};
base training: {SEED + 1}; expert i: {SEED + 10} + i; LoRA expert i: {SEED + 40} + i, in the order of the table below),
`torch.set_num_threads({args.threads})` (`--threads N`), CPU. Another CPU, BLAS or torch version may change
low bits of the weights; the measured numbers should stay close.

Wall time of the run that produced these files, on one thread of a 2-core machine shared with other
builds (so partly contended): training {timings.get('train_total', float('nan')) / 60:.1f} min (tokenizer {timings.get('tokenizer', float('nan')):.0f} s, base {timings.get('base', float('nan')):.0f} s,
experts and LoRA experts as below), measuring {timings.get('measure', float('nan')) / 60:.1f} min (`swarmmerge merge` and `eval` of {len(rows)} models
on both splits, plus the Python cross-check). The folder is {size / 1e6:.1f} MB.

## Layout

| path | what |
|---|---|
| `base/` | `LlamaForCausalLM`, {nparams:,} parameters: BF16 `model.safetensors`, `config.json`, `generation_config.json`, `tokenizer.json`, `tokenizer_config.json`, `special_tokens_map.json` |
| `expert-<skill>/` | light full fine-tune of the base on one skill (the same files as `base/`) |
| `lora-<skill>/` | PEFT LoRA adapter of the base on one skill, in PEFT's layout: `adapter_config.json` (every field PEFT 0.17's `LoraConfig` writes, `base_model_name_or_path: {os.path.relpath(os.path.join(out, 'base'), REPO)}`), `adapter_model.safetensors` (BF16, `base_model.model.model.layers.{{i}}.{{self_attn,mlp}}.{{proj}}.lora_A.weight` [r, in] and `lora_B.weight` [out, r]) |
| `tasks/<skill>/optimization.jsonl`, `test.jsonl` | {N_OPT} / {N_TEST} rows per skill; no row, nor its content (review text, option set, word list), occurs in any training text (tokenizer corpus, pre-training, fine-tuning) nor in the other split |
| `tasks.yml` | SwarmMerge task file over those splits |
| `search.yml` | the demo's search (`swarmmerge demo`): the default PSO preset, the paper's PSO and CMA-ES, with the data-free baselines |
| `search-lora.yml`, `merge-lora.yml` | hand-written: a search and a task-arithmetic merge over the LoRA experts (kept when the family is regenerated) |
| `timings.json`, `scores.json` | seconds per stage; every CLI score of the tables below |

Skills (task formats the base never saw; each prompt names its task with a word the base knows from prose):

| skill | kind | task format → answer | chance (%) |
|---|---|---|---:|
{skill_rows}
Model: hidden {cfg['hidden_size']}, intermediate {cfg['intermediate_size']}, {cfg['num_hidden_layers']} layers, {cfg['num_attention_heads']} heads with {cfg['num_key_value_heads']} key/value heads
(head_dim {cfg['head_dim']}), RoPE θ = {cfg['rope_theta']:g}, RMSNorm ε = {cfg['rms_norm_eps']:g}, untied `lm_head`, vocabulary {cfg['vocab_size']},
max_position_embeddings {cfg['max_position_embeddings']}. Each `model.safetensors` is {os.path.getsize(os.path.join(out, 'base', 'model.safetensors')) / 1e6:.2f} MB, each adapter {os.path.getsize(os.path.join(out, f'lora-{names[0]}', 'adapter_model.safetensors')) / 1e3:.0f} kB.

Tokenizer: byte-level BPE in GPT-2 layout, trained by `tools/make_example_family.py`'s trainer (ids 0–255 the
bytes, 256–{255 + len(tok.merges)} the {len(tok.merges)} merges, no merge touching a digit, then `<|bos|>` = {tok.bos}, `<|eos|>` = {tok.eos},
`<|pad|>` = {tok.pad}) on a sample of the pre-training text plus task-format lines; with this many merges the
words of the world are single tokens. The post-processor prepends `<|bos|>`; generation ends at `<|eos|>`.

## Training

- **Base**: {args.base_steps} steps × batch {BASE_TRAIN['batch']} × {SEQ} tokens (documents packed, separated by `<|eos|>`; `<|bos|>`
  first on half of the sequences), AdamW (lr {BASE_TRAIN['lr']:g}, betas 0.9/0.98, warmup {BASE_TRAIN['warmup']}, cosine to 10 %, weight decay
  {BASE_TRAIN['weight_decay']:g}, clip 1), loss on every token. Documents: {100 * ENGLISH_SHARE:.0f} % template English (with generic
  `Question: … Answer: …` reading comprehension), {100 * (1 - ENGLISH_SHARE):.0f} % the skills' latent forms, uniformly over the skills
  (`tools/light_world.py`): reviews followed by a verdict (*"… so i liked it."*), category facts (*"the pear is a
  kind of fruit."*), plurals (*"one fox, two foxes."*, *"the plurals of fox and cat are foxes and cats."*),
  opposites (*"hot is the opposite of cold."*, *"the cat was not hot and wet; it was cold and dry."*). {timings.get('base', float('nan')):.0f} s.
- **Experts** (full fine-tunes from the stored BF16 base) and **LoRA experts** (r {LORA_R}, lora_alpha {LORA_ALPHA}, no dropout, on
  {", ".join(LORA_TARGETS)} of every layer; A initialised as PEFT does, B = 0; the base frozen):
  batch {EXPERT_BATCH}, AdamW (betas 0.9/0.98, no weight decay, warmup 10 % of the steps, cosine to 10 %, clip 1), freshly drawn
  task-format examples of one skill (held-out rows excluded), `<|bos|>` on half of them, loss on the answer only
  (for generation also on the closing `<|eos|>`). Each skill got the steps and learning rate it needed:

| skill | expert steps | lr | time | ‖τ‖ / ‖θ₀‖ | LoRA steps | lr | time | ‖ΔW‖ / ‖θ₀‖ |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
{recipe_rows}
‖θ₀‖ = {bnorm:.2f} over all tensors; τ = expert − base from the stored BF16 files; ΔW = (lora_alpha / r)·B·A over the
adapted matrices. Pairwise cosine similarity of the task vectors τ:

{cos_table}
## Measured by `swarmmerge eval` (score ×100)

Every number below was printed by `swarmmerge eval MODEL --tasks {rel}/tasks.yml [--split optimization]` on
the stored files. A LoRA expert was folded (base + (lora_alpha / r)·B·A in float32, stored as F32) into a
temporary dense checkpoint. Merges were made by `swarmmerge merge` (float32 arithmetic, `out_dtype: float32`)
from the stored BF16 files: `average` is `linear` (weight 1 each); `task_arithmetic λ` is θ₀ + λ·Σᵢ τᵢ
(weight 1 each); `ties` {{weight: 1, density: 0.5}}, `dare_ties` {{weight: 1, density: 0.5, normalize: true}},
`della` {{weight: 1, density: 0.5, epsilon: 0.1}} (the search's default baselines; DARE and DELLA with `--seed 0`);
`LoRA task_arithmetic λ` merges the folded LoRA experts the same way.

Test split ({N_TEST} rows per task):

{_matrix(rows, names, groups, 'test')}
Optimization split ({N_OPT} rows per task):

{_matrix(rows, names, groups, 'optimization')}
- Every expert on its own skill: {", ".join(f"{s} {own[s]:.1f}" for s in names)}; the base: {", ".join(f"{s} {rows['base']['test'][s]:.1f}" for s in names)}
  (chance: {", ".join(f"{s} {CHANCE[skills[s].kind]}" for s in names)}).
- Best single expert on the test mean: `{best_single}`, {mean(best_single):.1f}.
- λ chosen on the optimization split: **{best_ta}** (optimization means {", ".join(f"λ={n.split('=')[1]}: {mean(n, 'optimization'):.1f}" for n in tas)});
  its test mean is {mean(best_ta):.1f}, **{gap:+.1f} points** over the best single expert.
{lora_line}
{_agreement(rows, names)}

The merge behind `{best_ta}`, as `swarmmerge merge` read it:

```yaml
{ta_cfg}
```

SHA-256 of the weights:

{hashes}
"""
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(text)
    return gap, best_ta, best_single


def write_readme16(out, skills, recipe, rows, cli, norms, cos, bnorm, timings, args):
    cfg, base = mef.load_model(os.path.join(out, "base"))
    nparams = sum(t.numel() for t in base.values())
    names = list(skills)
    mean = lambda n, split="test": _mean(rows[n][split], names)
    experts = [f"expert-{s}" for s in names]
    merges = ["average"] + [n for n, *_ in DATA_FREE]
    best_single, best_ta, gap, tas = _summary(rows, names)
    rel = os.path.relpath(out, REPO)
    off = [cos[(x, y)] for x in names for y in names if x < y]
    skill_rows = ""
    for s, sk in skills.items():
        skill_rows += (f"| `{s}` | {sk.kind} | {sk.example} | {recipe[s]['steps']} | {recipe[s]['lr']:g} | "
                       f"{100 * norms[s]:.2f} % | {rows['base']['test'][s]:.1f} | **{rows[f'expert-{s}']['test'][s]:.1f}** | "
                       f"{rows['average']['test'][s]:.1f} | {rows[best_ta]['test'][s]:.1f} |\n")
    skill_rows += (f"| **mean** | | | | | | {mean('base'):.1f} | **{_mean({s: rows[f'expert-{s}']['test'][s] for s in names}, names):.1f}** | "
                   f"{mean('average'):.1f} | {mean(best_ta):.1f} |\n")
    merge_rows = "".join(f"| {n} | {mean(n, 'optimization'):.1f} | {mean(n):.1f} |\n" for n in merges)
    text = f"""# 16-skill light family (generated; not committed)

    /usr/bin/python3 tools/make_light_family.py --skills 16 --out {rel}
    /usr/bin/python3 tools/make_light_family.py --skills 16 --out {rel} --measure-only   # re-measure

The recipe of `examples/light-family/` (see its README) with 16 skills: a Llama base ({nparams:,} parameters,
vocabulary {cfg['vocab_size']}, otherwise the same architecture) pre-trained {args.base_steps} steps on template English and the latent forms
of all 16 skills, and one light full fine-tune per skill (`EXPERT_RECIPE16`; no LoRA experts unless `--lora`).
Four classification, four multiple-choice and eight generation tasks over one synthetic world
(`tools/light_world.py`), {N_OPT} optimization / {N_TEST} test rows each, for the scaling study (n = 2 … 16 experts).
Seeds as in the 4-skill family. Wall time: training {timings.get('train_total', float('nan')) / 60:.1f} min, measuring {timings.get('measure', float('nan')) / 60:.1f} min
(one thread of a shared 2-core machine). Task vectors: ‖τ‖ / ‖θ₀‖ {100 * min(norms.values()):.1f}–{100 * max(norms.values()):.1f} %, pairwise cosines
{min(off):.2f} to {max(off):.2f} (mean {sum(off) / len(off):.3f}).

Scores ×100 by `swarmmerge eval` on the test split: the base, each expert on its own skill, the plain
average of the 16 experts, and task arithmetic θ₀ + λ·Σ τᵢ at the λ best on the optimization split ({best_ta}):

| skill | kind | task format → answer | steps | lr | ‖τ‖/‖θ₀‖ | base | expert | average | {best_ta} |
|---|---|---|---:|---:|---:|---:|---:|---:|---:|
{skill_rows}
Best single expert on the 16-task test mean: `{best_single}` {mean(best_single):.1f}; {best_ta}: {mean(best_ta):.1f} ({gap:+.1f}).

Data-free merges of all 16 (means over the 16 tasks; parameters as in `examples/light-family/README.md`):

| merge | optimization | test |
|---|---:|---:|
{merge_rows}
All models on all skills (test split; columns are the first five letters of the skill names):

{_matrix(rows, names, [['base'], experts, merges], 'test', short=True)}
{_agreement(rows, names)}
"""
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(text)
    return gap, best_ta, best_single


def lora_delta_norms(out, skills, bnorm):
    cfg, base = mef.load_model(os.path.join(out, "base"))
    res = {}
    for s in skills:
        if os.path.isdir(os.path.join(out, f"lora-{s}")):
            P, sc = load_lora(os.path.join(out, f"lora-{s}"), cfg)
            W = lora_apply(base, P, sc)
            res[s] = float(torch.sqrt(sum(((W[n] - base[n]).double() ** 2).sum() for n in base))) / bnorm
    return res


def measure(args, skills, recipe, lora_recipe, log):
    out = os.path.abspath(args.out)
    tpath = os.path.join(out, "timings.json")
    with open(tpath, encoding="utf-8") as f:
        timings = json.load(f)
    t0 = time.time()
    _, base = mef.load_model(os.path.join(out, "base"))
    experts = {s: mef.load_model(os.path.join(out, f"expert-{s}"))[1] for s in skills}
    norms, cos, bnorm = task_vector_stats(base, experts)
    lnorms = lora_delta_norms(out, skills, bnorm)
    log("‖τ‖/‖θ0‖: " + " ".join(f"{s}={100 * v:.2f}%" for s, v in norms.items())
        + ("; LoRA ‖ΔW‖/‖θ0‖: " + " ".join(f"{s}={100 * v:.2f}%" for s, v in lnorms.items()) if lnorms else ""))
    if args.no_cli:
        log("Python scores (no CLI; README not written):")
        python_matrix(out, skills, log)
        return
    log("CLI scores (test split):")
    is16 = args.skills == 16
    rows, configs, cli = cli_matrix(out, skills, args.threads, log, python=not args.no_python_check,
                                    expert_splits=("test",) if is16 else ("optimization", "test"))
    timings["measure"] = time.time() - t0
    with open(tpath, "w", encoding="utf-8") as f:
        json.dump(timings, f, indent=1)
    with open(os.path.join(out, "scores.json"), "w", encoding="utf-8") as f:
        json.dump({n: {k: r[k] for k in ("optimization", "test") if k in r} for n, r in rows.items()}, f, indent=1)
    if is16:
        gap, best_ta, best_single = write_readme16(out, skills, recipe, rows, cli, norms, cos, bnorm, timings, args)
    else:
        gap, best_ta, best_single = write_readme(out, skills, recipe, lora_recipe, rows, configs, cli, norms, cos, bnorm,
                                                 lnorms, timings, args)
    log(f"{best_ta} (best on the optimization split) vs {best_single} on the test mean: {gap:+.1f} points")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=None, help="default examples/light-family (4 skills); required with --skills 16")
    ap.add_argument("--skills", type=int, choices=(4, 16), default=4, help="4: the bundled family; 16: the scaling family")
    ap.add_argument("--threads", type=int, default=1, help="torch and CLI threads (default 1)")
    ap.add_argument("--base-steps", type=int, default=None)
    ap.add_argument("--measure-only", action="store_true", help="re-measure the stored files and rewrite the README")
    ap.add_argument("--no-lora", action="store_true", help="skip the LoRA experts (4 skills)")
    ap.add_argument("--lora", action="store_true", help="train LoRA experts too (16 skills)")
    ap.add_argument("--no-cli", action="store_true", help="measure in Python only (no README)")
    ap.add_argument("--no-python-check", action="store_true", help="skip scoring every model in Python as well")
    ap.add_argument("--quick-eval", action="store_true", help="log own-skill scores while training")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.skills == 16:
        if args.out is None:
            sys.exit("--skills 16 needs --out DIR outside examples/ (e.g. bench/out/light16)")
        if os.path.abspath(args.out).startswith(os.path.join(REPO, "examples") + os.sep):
            sys.exit("--skills 16 writes a benchmark family: give --out outside examples/")
    args.out = args.out or DEFAULT_OUT
    if args.skills == 16 and not args.lora:
        args.no_lora = True
    if args.base_steps is None:
        args.base_steps = BASE_TRAIN["steps"] if args.skills == 4 else BASE_STEPS16
    args.title = "the light example family" if args.skills == 4 else "the 16-skill light family"
    recipe, lora_recipe = (EXPERT_RECIPE, LORA_RECIPE) if args.skills == 4 else (EXPERT_RECIPE16, LORA_RECIPE16)

    def log(msg):
        print(msg, flush=True)

    skills = build_skills(args.skills)
    if not args.measure_only:
        train_family(args, skills, recipe, lora_recipe, log)
    measure(args, skills, recipe, lora_recipe, log)


if __name__ == "__main__":
    main()
