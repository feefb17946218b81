"""Generates tests/SwarmMerge.Tests/Fixtures/merge/ from the numpy reference (merge_reference.py).

Usage:  /usr/bin/python3 tools/make_merge_fixtures.py

Deterministic: a fixed numpy seed builds the models; every case is merged by the reference
with the seed given in cases.json. Before anything is written the reference's invariants are
checked (see `self_check`), and the RNG values the C# tests can hard-code are printed.

Layout written (the folder is deleted and rebuilt):
    models/{base,expert1,expert2,expert3,expert_bigvocab,expert_near}/{config.json,model.safetensors}
    cases/NAME.yml             mergekit-style config, model paths relative to the fixture root
    expected/NAME.safetensors  the reference's output
    expected/NAME.config.json  the reference's output config.json
    cases.json                 [{"name", "seed", "description"}]
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import sys

import numpy as np
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # leave no __pycache__ in tools/

import merge_reference as ref  # noqa: E402
from safetensors_io import (  # noqa: E402
    Tensor, from_f32, read_safetensors, round_to_dtype, to_f32, write_config, write_safetensors,
    f32_to_bf16_bits, bf16_bits_to_f32,
)

FIXTURE_ROOT = os.path.normpath(os.path.join(HERE, "..", "tests", "SwarmMerge.Tests", "Fixtures", "merge"))
NUMPY_SEED = 20240611
N_LAYERS = 3
HIDDEN = 8
INTER = 12
VOCAB = 16
BIG_VOCAB = 20

F32 = np.float32

# ---------------------------------------------------------------------------------------------
# Model construction
# ---------------------------------------------------------------------------------------------

def tensor_specs():
    """(name, shape, dtype, style) sorted by name: the files are written in this order, so the
    header order equals the sorted-name order (see merge_reference A5).
    style: normal  - base ~ N(0, 0.5²), deltas ~ N(0, s²)
           ln      - base ~ 1 + N(0, 0.1²) (norm weights), deltas ~ N(0, (s/2)²)
           grid    - base on a coarse grid, deltas from {±a, ±2a} (exactly representable, so many
                     exactly equal |τ| values and exact sign cancellations between experts)
           ints    - the non-float tensor"""
    specs = [
        ("lm_head.weight", (VOCAB, HIDDEN), "F32", "normal"),
        ("model.embed_tokens.weight", (VOCAB, HIDDEN), "F32", "normal"),
        ("model.extra_ids", (5,), "I64", "ints"),
        ("model.norm.weight", (HIDDEN,), "F32", "ln"),
    ]
    for n in range(N_LAYERS):
        specs.append((f"model.layers.{n}.input_layernorm.weight", (HIDDEN,), "F16", "ln"))
        specs.append((f"model.layers.{n}.mlp.up_proj.weight", (INTER, HIDDEN), "F32",
                      "grid" if n != 1 else "normal"))
        specs.append((f"model.layers.{n}.self_attn.q_proj.weight", (HIDDEN, HIDDEN), "BF16",
                      "grid" if n == 0 else "normal"))
    return sorted(specs, key=lambda s: s[0].encode("utf-8"))


EXTRA_IDS = np.array([0, 1, -1, 2 ** 40 + 7, 123456789], dtype=np.int64)
GRID_STEP = {"F32": 1.0 / 1024, "BF16": 1.0 / 64}  # bf16: k/64 with |k| <= 200 fits 8 bits


def make_base(rng):
    vals = {}
    for name, shape, dtype, style in tensor_specs():
        if style == "ints":
            vals[name] = EXTRA_IDS.copy()
            continue
        if style == "ln":
            x = (1.0 + 0.1 * rng.standard_normal(shape)).astype(F32)
        else:
            x = (0.5 * rng.standard_normal(shape)).astype(F32)
        if style == "grid":
            step = GRID_STEP[dtype]
            k = np.clip(np.round(x / step), -200, 200)
            x = (k * step).astype(F32)
        x = (x + F32(0.0)).astype(F32)  # no -0.0 in the base
        vals[name] = round_to_dtype(x, dtype)
    return vals


def make_expert(rng, base, scale, grid_unit, partner_delta=None, shared_zero=None):
    """Expert = base + delta, rounded to the tensor's dtype. The delta has
    (a) ~15 % exact zeros of its own plus a zero pattern shared by all experts,
    (b) for grid tensors, values from {±a, ±2a} (many equal magnitudes),
    (c) with `partner_delta`, ~35 % of entries forced to the opposite sign of the partner's."""
    vals, deltas = {}, {}
    for name, shape, dtype, style in tensor_specs():
        if style == "ints":
            vals[name] = EXTRA_IDS.copy()
            continue
        if style == "grid":
            d = rng.choice(np.array([-2, -1, 1, 2], dtype=np.float64), size=shape) * grid_unit
        elif style == "ln":
            d = rng.standard_normal(shape) * (scale / 2)
        else:
            d = rng.standard_normal(shape) * scale
        d = d.astype(F32)
        if partner_delta is not None:
            flip = rng.random(shape) < 0.35
            d = np.where(flip, -np.sign(partner_delta[name]) * np.abs(d), d).astype(F32)
        d[rng.random(shape) < 0.15] = 0
        if shared_zero is not None:
            d[shared_zero[name]] = 0
        deltas[name] = d
        vals[name] = round_to_dtype((base[name] + d).astype(F32), dtype)
        if style == "grid":  # the intended exactness: τ is exactly the drawn delta
            tau = (vals[name] - base[name]).astype(F32)
            assert np.array_equal(tau, d), f"grid delta not exact in {name}"
    return vals, deltas


def make_near(rng, base):
    """Nearly parallel to the base in some tensors (tiny delta: slerp falls back to lerp), clearly
    not in others."""
    vals = {}
    for name, shape, dtype, style in tensor_specs():
        if style == "ints":
            vals[name] = EXTRA_IDS.copy()
            continue
        tiny = ("embed" in name or ".layers.0." in name or name == "model.norm.weight")
        scale = 0.002 if tiny else 0.1
        d = (rng.standard_normal(shape) * scale).astype(F32)
        vals[name] = round_to_dtype((base[name] + d).astype(F32), dtype)
    return vals


def model_config(vocab=VOCAB):
    return {
        "model_type": "llama",
        "architectures": ["LlamaForCausalLM"],
        "num_hidden_layers": N_LAYERS,
        "hidden_size": HIDDEN,
        "intermediate_size": INTER,
        "vocab_size": vocab,
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
    }


def write_model(folder, vals, vocab=VOCAB):
    dtypes = {name: dtype for name, _, dtype, _ in tensor_specs()}
    tensors = []
    for name in sorted(vals, key=lambda n: n.encode("utf-8")):
        v = vals[name]
        if dtypes[name] == "I64":
            tensors.append((name, Tensor("I64", tuple(v.shape), v.astype(np.int64).reshape(-1))))
        else:
            t = from_f32(v, dtypes[name])
            assert np.array_equal(to_f32(t), v), f"{name} not representable in {dtypes[name]}"
            tensors.append((name, t))
    write_config(os.path.join(folder, "config.json"), model_config(vocab))
    write_safetensors(os.path.join(folder, "model.safetensors"), tensors)


def build_models(root):
    rng = np.random.default_rng(NUMPY_SEED)
    base = make_base(rng)
    shared_zero = {name: rng.random(shape) < 0.06 for name, shape, _, style in tensor_specs()
                   if style != "ints"}
    e1, d1 = make_expert(rng, base, 0.1, 0.125, shared_zero=shared_zero)
    e2, _ = make_expert(rng, base, 0.2, 0.25, partner_delta=d1, shared_zero=shared_zero)
    e3, _ = make_expert(rng, base, 0.05, 0.0625, partner_delta=d1, shared_zero=shared_zero)
    big = dict(e1)
    for name in ("model.embed_tokens.weight", "lm_head.weight"):
        extra = (0.5 * rng.standard_normal((BIG_VOCAB - VOCAB, HIDDEN))).astype(F32)
        big[name] = np.concatenate([e1[name], extra], axis=0)
    near = make_near(rng, base)
    models = {"base": base, "expert1": e1, "expert2": e2, "expert3": e3, "expert_near": near}
    for key, vals in models.items():
        write_model(os.path.join(root, "models", key), vals)
    write_model(os.path.join(root, "models", "expert_bigvocab"), big, vocab=BIG_VOCAB)
    return models


# ---------------------------------------------------------------------------------------------
# YAML (hand-emitted so the files look like mergekit configs; re-parsed for the reference)
# ---------------------------------------------------------------------------------------------

def _yaml_scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return str(v)


def _yaml_params(params, indent):
    pad = " " * indent
    lines = []
    for key, value in params.items():
        if isinstance(value, list) and value and all(isinstance(e, dict) for e in value):
            lines.append(f"{pad}{key}:")
            for entry in value:
                first = True
                for k, v in entry.items():
                    v_text = "[" + ", ".join(_yaml_scalar(x) for x in v) + "]" if isinstance(v, list) \
                        else _yaml_scalar(v)
                    lines.append(f"{pad}  {'- ' if first else '  '}{k}: {v_text}")
                    first = False
        elif isinstance(value, list):
            lines.append(f"{pad}{key}: [" + ", ".join(_yaml_scalar(x) for x in value) + "]")
        else:
            lines.append(f"{pad}{key}: {_yaml_scalar(value)}")
    return lines


def to_yaml(cfg):
    lines = [f"merge_method: {cfg['merge_method']}"]
    if "base_model" in cfg:
        lines.append(f"base_model: {cfg['base_model']}")
    lines.append("models:")
    for entry in cfg["models"]:
        lines.append(f"  - model: {entry['model']}")
        if entry.get("parameters"):
            lines.append("    parameters:")
            lines += _yaml_params(entry["parameters"], 6)
    if cfg.get("parameters"):
        lines.append("parameters:")
        lines += _yaml_params(cfg["parameters"], 2)
    for key in ("dtype", "out_dtype", "tokenizer_source"):
        if key in cfg:
            lines.append(f"{key}: {cfg[key]}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------

B, E1, E2, E3 = "models/base", "models/expert1", "models/expert2", "models/expert3"
BIG, NEAR = "models/expert_bigvocab", "models/expert_near"


def m(path, **params):
    return {"model": path, "parameters": params} if params else {"model": path}


def case(name, method, models, params=None, *, seed=0, out="float32", description="", base=B):
    cfg = {"merge_method": method}
    if base:
        cfg["base_model"] = base
    cfg["models"] = models
    if params:
        cfg["parameters"] = params
    cfg["dtype"] = "float32"
    cfg["out_dtype"] = out
    return {"name": name, "seed": seed, "description": description, "config": cfg}


DENSITY_FILTER = [{"filter": "mlp", "value": 0.3}, {"value": 0.7}]


def all_cases():
    c = []
    # ---- linear
    c.append(case("linear_normalize", "linear",
                  [m(B, weight=0.2), m(E1, weight=0.5), m(E2, weight=0.3)], {"normalize": True},
                  description="linear, base listed as a model, normalize true"))
    c.append(case("linear_no_normalize", "linear",
                  [m(B, weight=0.5), m(E1, weight=0.3), m(E2, weight=0.2)], {"normalize": False},
                  description="linear, base listed as a model, normalize false"))
    c.append(case("linear_out_f16", "linear",
                  [m(E1, weight=0.6), m(E2, weight=0.4)], out="float16",
                  description="linear of two experts (base not listed), normalize default true, out_dtype float16"))
    c.append(case("linear_bigvocab", "linear",
                  [m(BIG, weight=0.7), m(E2, weight=0.3)],
                  description="linear with an expert whose embed_tokens/lm_head have 20 rows (first 16 used)"))
    # ---- task arithmetic
    c.append(case("task_arithmetic", "task_arithmetic",
                  [m(B), m(E1, weight=1.0), m(E2, weight=0.5), m(E3, weight=0.3)],
                  description="task_arithmetic, base listed without parameters (skipped), defaults"))
    c.append(case("task_arithmetic_lambda07_normalize", "task_arithmetic",
                  [m(E1, weight=0.6), m(E2, weight=0.3), m(E3, weight=0.5)],
                  {"lambda": 0.7, "normalize": True},
                  description="task_arithmetic with lambda 0.7 and normalize true"))
    # ---- ties
    c.append(case("ties_d05_weights", "ties",
                  [m(E1, weight=1.0, density=0.5), m(E2, weight=0.6, density=0.5),
                   m(E3, weight=0.3, density=0.5)],
                  description="ties, density 0.5, per-model weights, normalize default true"))
    c.append(case("ties_gradient_filter", "ties",
                  [m(E1), m(E2, density=[{"filter": "self_attn", "value": [0.2, 0.8]}, {"value": 0.6}]),
                   m(E3, weight=0.5, density=0.9)],
                  {"weight": [0.2, 1.0], "density": DENSITY_FILTER},
                  description="ties, top-level gradient weight [0.2, 1.0] and filter density "
                              "[mlp: 0.3, else 0.7]; expert2 overrides density with a filter whose "
                              "value is a gradient; expert3 overrides weight 0.5 and density 0.9"))
    c.append(case("ties_scope_model", "ties",
                  [m(E1, weight=1.0), m(E2, weight=0.6), m(E3, weight=0.3)],
                  {"density": 0.5, "sparsify_scope": "model"},
                  description="ties, density 0.5, sparsify_scope model (ranks over all float "
                              "tensors of an expert concatenated in output = base header order)"))
    c.append(case("ties_out_bf16", "ties",
                  [m(E1, weight=0.8, density=0.6), m(E2, weight=0.5, density=0.6),
                   m(E3, weight=0.7, density=0.6)], out="bfloat16",
                  description="ties, density 0.6, out_dtype bfloat16"))
    c.append(case("ties_bigvocab", "ties",
                  [m(BIG, weight=1.0, density=0.5), m(E2, weight=0.5, density=0.5)],
                  description="ties with an expert whose embed_tokens/lm_head have 20 rows (first 16 used)"))
    # ---- dare
    c.append(case("dare_linear_d04", "dare_linear",
                  [m(E1, weight=0.6, density=0.4), m(E2, weight=0.4, density=0.4)], seed=7,
                  description="dare_linear, density 0.4, rescale default (true, l1)"))
    c.append(case("dare_ties_d04", "dare_ties",
                  [m(E1, weight=1.0, density=0.4), m(E2, weight=0.6, density=0.4),
                   m(E3, weight=0.3, density=0.4)], seed=7,
                  description="dare_ties, density 0.4, rescale default (true, l1)"))
    c.append(case("dare_ties_inverse_density", "dare_ties",
                  [m(E1, weight=1.0), m(E2, weight=0.6), m(E3, weight=0.3)],
                  {"density": 0.4, "rescale_mode": "inverse_density"}, seed=7,
                  description="dare_ties, density 0.4, rescale_mode inverse_density"))
    c.append(case("dare_linear_inverse_density", "dare_linear",
                  [m(E1, weight=0.6), m(E2, weight=0.4)],
                  {"density": 0.4, "rescale_mode": "inverse_density"}, seed=7,
                  description="dare_linear, density 0.4, rescale_mode inverse_density"))
    c.append(case("dare_linear_no_rescale", "dare_linear",
                  [m(E1, weight=0.6, density=0.4), m(E2, weight=0.4, density=0.4)],
                  {"rescale": False}, seed=7,
                  description="dare_linear, density 0.4, rescale false"))
    c.append(case("dare_linear_seed0", "dare_linear",
                  [m(E1, weight=0.6, density=0.4), m(E2, weight=0.4, density=0.4)], seed=0,
                  description="dare_linear, density 0.4, default seed 0"))
    # ---- breadcrumbs
    c.append(case("breadcrumbs_d05_g01", "breadcrumbs",
                  [m(E1, weight=0.6), m(E2, weight=0.4), m(E3, weight=0.5)],
                  {"density": 0.5, "gamma": 0.1},
                  description="breadcrumbs, density 0.5, gamma 0.1"))
    c.append(case("breadcrumbs_ties_d05_g01", "breadcrumbs_ties",
                  [m(E1, weight=0.6), m(E2, weight=0.4), m(E3, weight=0.5)],
                  {"density": 0.5, "gamma": 0.1},
                  description="breadcrumbs_ties, density 0.5, gamma 0.1"))
    c.append(case("breadcrumbs_g001", "breadcrumbs",
                  [m(E1, weight=0.6), m(E2, weight=0.4)],
                  {"density": 0.5, "gamma": 0.01},
                  description="breadcrumbs, density 0.5, gamma 0.01: n_top = floor(0.01*N) is 0 "
                              "for N = 8, 64, 96 (keeps the top half) and 1 for N = 128"))
    c.append(case("breadcrumbs_ties_scope_model", "breadcrumbs_ties",
                  [m(E1, weight=0.6), m(E2, weight=0.4), m(E3, weight=0.5)],
                  {"density": 0.5, "gamma": 0.1, "sparsify_scope": "model"},
                  description="breadcrumbs_ties, density 0.5, gamma 0.1, sparsify_scope model"))
    # ---- della
    c.append(case("della_d05_e01", "della",
                  [m(E1, weight=1.0), m(E2, weight=0.6), m(E3, weight=0.3)],
                  {"density": 0.5, "epsilon": 0.1}, seed=7,
                  description="della, density 0.5, epsilon 0.1, rescale default (true, l1)"))
    c.append(case("della_linear_d05_e01", "della_linear",
                  [m(E1, weight=0.6), m(E2, weight=0.4)],
                  {"density": 0.5, "epsilon": 0.1}, seed=7,
                  description="della_linear, density 0.5, epsilon 0.1, rescale default (true, l1)"))
    c.append(case("della_inverse_density", "della",
                  [m(E1, weight=1.0), m(E2, weight=0.6), m(E3, weight=0.3)],
                  {"density": 0.5, "epsilon": 0.1, "rescale_mode": "inverse_density"}, seed=7,
                  description="della, density 0.5, epsilon 0.1, rescale_mode inverse_density"))
    # ---- slerp
    c.append(case("slerp_t03", "slerp", [m(B), m(E1)], {"t": 0.3},
                  description="slerp base/expert1, t 0.3"))
    c.append(case("slerp_gradient", "slerp", [m(B), m(E2)], {"t": [0, 0.5, 1]},
                  description="slerp base/expert2, gradient t [0, 0.5, 1] (layers 0,1,2 -> 0, 0.5, 1; "
                              "embeddings, norm and lm_head t=0, as mergekit)"))
    c.append(case("slerp_near_parallel", "slerp", [m(B), m(NEAR)], {"t": 0.4},
                  description="slerp base/expert_near, t 0.4: embed, layer 0 and model.norm are "
                              "nearly parallel to the base (|dot| > 0.9995, lerp fallback)"))
    # ---- model stock
    c.append(case("model_stock", "model_stock", [m(E1), m(E2), m(E3)],
                  description="model_stock with 3 experts"))
    c.append(case("model_stock_filter_wise", "model_stock", [m(E1), m(E2), m(E3)],
                  {"filter_wise": True},
                  description="model_stock with 3 experts, filter_wise true (cosine per row)"))
    return c


# ---------------------------------------------------------------------------------------------
# Cases written as YAML text (slices, passthrough, mergekit's scalar forms): the text is the case,
# read by PyYAML's safe_load as mergekit reads it.
# ---------------------------------------------------------------------------------------------

def text_cases():
    c = []
    c.append(("slices_ties_params", 0,
              "ties over two slices: per-source, per-slice and top-level parameters; expert2 reads "
              "other layers than the base (layer_range [1, 3] against [0, 2]); a density gradient "
              "over a 2-layer slice (t = 0, 1) and a 1-layer slice (t = 1); pre-weights from the "
              "first slice (normalize false there), post-weights from the last (normalize default)",
              """merge_method: ties
base_model: models/base
slices:
  - sources:
      - model: models/base
        layer_range: [0, 2]
      - model: models/expert1
        layer_range: [0, 2]
        parameters:
          weight: 1.0
          density: [0.3, 0.9]
      - model: models/expert2
        layer_range: [1, 3]
        parameters:
          weight: 0.6
    parameters:
      density: 0.5
      normalize: false
  - sources:
      - model: models/base
        layer_range: [2, 3]
      - model: models/expert1
        layer_range: [2, 3]
        parameters: {weight: 0.8}
      - model: models/expert2
        layer_range: [0, 1]
        parameters: {weight: 0.4, density: 0.7}
parameters:
  density: 0.6
dtype: float32
"""))
    c.append(("slerp_slices", 0,
              "slerp over two slices, the base listed second in the first: slice t gradient "
              "[0.2, 0.8] (layers t = 0, 1; pre-weights t = 0 so 0.2), top-level t 0.4 for the "
              "1-layer slice and the post-weights",
              """slices:
  - sources:
      - {model: models/expert2, layer_range: [1, 3]}
      - {model: models/base, layer_range: [0, 2]}
    parameters:
      t: [0.2, 0.8]
  - sources:
      - {model: models/base, layer_range: [2, 3]}
      - {model: models/expert1, layer_range: [2, 3]}
merge_method: slerp
base_model: models/base
parameters:
  t: 0.4
dtype: float32
"""))
    c.append(("passthrough_stack", 0,
              "passthrough frankenmerge: expert1 layers 0-1 then expert2 layers 1-2 (4 layers, "
              "renumbered), scale gradient [1.0, 0.5] on the second slice, bfloat16 output; "
              "config.json from expert1 with num_hidden_layers 4",
              """merge_method: passthrough
slices:
  - sources:
      - model: models/expert1
        layer_range: [0, 2]
  - sources:
      - model: models/expert2
        layer_range: [1, 3]
        parameters:
          scale: [1.0, 0.5]
dtype: bfloat16
"""))
    c.append(("passthrough_models_scale", 0,
              "passthrough of one model (models: syntax) with scale 2 on mlp tensors, 1 elsewhere",
              """merge_method: passthrough
models:
  - model: models/expert3
    parameters:
      scale:
        - filter: mlp
          value: 2.0
        - value: 1
"""))
    c.append(("linear_slices_post_from_first_sources", 0,
              "linear over a 1-source slice then a 2-source slice: the post-weights (norm, "
              "lm_head, extra_ids) come from the last slice's first source only, as mergekit zips "
              "them with the first slice's source count",
              """merge_method: linear
slices:
  - sources:
      - model: models/expert1
        layer_range: [0, 1]
  - sources:
      - model: models/expert2
        layer_range: [1, 3]
        parameters: {weight: 0.25}
      - model: models/expert3
        layer_range: [1, 3]
        parameters: {weight: 0.75}
parameters:
  weight: 1.0
dtype: float32
"""))
    c.append(("ties_mergekit_scalars", 0,
              "ties with mergekit's scalar forms: quoted numbers, 5e-1 (text in YAML 1.1, a float "
              "to pydantic), yes/on booleans, 1_0 (ten), and normalize [true, false] which is the "
              "gradient 1 -> 0 (true at t = 0 and 0.5, false at t = 1)",
              """merge_method: ties
base_model: models/base
models:
  - model: models/expert1
    parameters:
      weight: "1.0"
      density: ["0.3", 0.9]
  - model: models/expert2
    parameters:
      weight: '0.5'
      density: 5e-1
  - model: models/expert3
    parameters:
      weight: " 1_0 "
      density: 0.5
parameters:
  normalize: [true, false]
  int8_mask: on
  lambda: "0.9"
dtype: float32
"""))
    return c


# ---------------------------------------------------------------------------------------------
# Self-checks
# ---------------------------------------------------------------------------------------------

RNG_PRINTS = [
    (0, "w", 1),
    (7, "model.layers.0.mlp.up_proj.weight", 2),
]

# Values printed by the first run of this script, cross-checked against the plain-Python
# implementation below; a change here means the RNG changed.
RNG_EXPECTED = {
    (0, "w", 1): [7795777, 963906, 13527670, 6883118, 10542984],
    (7, "model.layers.0.mlp.up_proj.weight", 2): [10286698, 10358409, 6627099, 862234, 14751732],
}


def _py_u24(seed, name, i, j):
    """Plain Python-int version of the contract's RNG (independent of the numpy one)."""
    mask = (1 << 64) - 1

    def mix(z):
        z &= mask
        z ^= z >> 30
        z = (z * 0xBF58476D1CE4E5B9) & mask
        z ^= z >> 27
        z = (z * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    h = 0xCBF29CE484222325
    for b in name.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & mask
    key = mix(seed ^ mix(h ^ mix(i)))
    return mix(key + (j + 1) * 0x9E3779B97F4A7C15) >> 40


def _cfg(method, models, params=None, base=B):
    c = {"merge_method": method, "base_model": base, "models": models, "out_dtype": "float32"}
    if params:
        c["parameters"] = params
    return c


def _out_f32(out):
    return {n: to_f32(t) for n, t in out if t.dtype in ("F32", "F16", "BF16")}


def self_check(root, models):
    print("self-check:")
    # RNG: numpy vs plain Python, and printed for the C# side.
    for (seed, name, i) in RNG_PRINTS:
        got = [int(v) for v in ref.u24(seed, name, i, np.arange(5))]
        py = [_py_u24(seed, name, i, j) for j in range(5)]
        assert got == py, (got, py)
        exp = RNG_EXPECTED[(seed, name, i)]
        assert got == exp, f"RNG changed: {got} != {exp}"
        print(f"  u24(seed={seed}, name={name!r}, model={i}, j=0..4) = {got}")
        print(f"    key = 0x{int(ref.rng_key(seed, name, i)):016X}, fnv = 0x{int(ref.fnv1a64(name)):016X}")
    assert all(0 <= v < 2 ** 24 for v in ref.u24(3, "x", 4, np.arange(1000)))

    # Rank order: ascending |x|, ties by ascending index.
    r = ref.magnitude_ranks(np.array([0.5, -0.25, 0.25, 0.0, -0.5, 0.25, -0.0], dtype=F32))
    assert r.tolist() == [5, 2, 3, 0, 6, 4, 1], r.tolist()
    mask, _ = ref.magnitude_mask(np.array([0.25, -0.25, 0.25, -0.25, 0.25], dtype=F32), 0.4)
    assert mask.tolist() == [False, False, False, True, True], mask.tolist()  # last two of the tie
    mask, _ = ref.magnitude_outliers_mask(np.arange(10, dtype=F32), 0.5, 0.2)
    assert mask.tolist() == [False] * 3 + [True] * 5 + [False] * 2, mask.tolist()
    mask, _ = ref.magnitude_outliers_mask(np.arange(10, dtype=F32), 0.5, 0.01)  # n_top = 0
    assert mask.tolist() == [False] * 5 + [True] * 5, mask.tolist()
    mask, _ = ref.magnitude_outliers_mask(np.arange(10, dtype=F32), 0.9, 0.2)  # n_bot < 0
    assert mask.tolist() == [True] * 9 + [False], mask.tolist()

    # Gradients, filters, t.
    assert ref.eval_gradient([0.2, 1.0], 0.5) == 0.5 * 0.2 + 0.5 * 1.0
    assert ref.eval_gradient([0, 0.5, 1], 1.0) == 1.0
    assert ref.eval_gradient([3.0], 0.7) == 3.0
    assert ref.lookup("density", "model.layers.1.mlp.up_proj.weight", 0.5, None,
                      {"density": DENSITY_FILTER}) == 0.3
    assert ref.lookup("density", "model.norm.weight", 1.0, {"density": 0.9},
                      {"density": DENSITY_FILTER}) == 0.9
    assert ref.lookup("density", "lm_head.weight", 1.0, {}, {"density": DENSITY_FILTER}) == 0.7
    assert ref.lookup("x", "a", 0.0, {"x": [{"filter": "zz", "value": 1}]}, {"x": 2}) == 2  # A7
    pre = ref.layer_prefixes([s[0] for s in tensor_specs()])
    assert ref.tensor_t("model.layers.1.mlp.up_proj.weight", pre) == 0.5
    assert ref.tensor_t("model.layers.2.mlp.up_proj.weight", pre) == 1.0
    assert ref.tensor_t("model.embed_tokens.weight", pre) == 0.0
    assert ref.tensor_t("lm_head.weight", pre) == 0.0  # mergekit: everything outside the layers at t = 0
    assert ref.tensor_t("model.norm.weight", pre) == 0.0
    assert ref.tensor_t("transformer.h.3.attn.c_attn.weight",
                        ref.layer_prefixes([f"transformer.h.{k}.x" for k in range(7)])) == 0.5
    assert ref.layer_t(0, 1) == 1.0  # a single layer sits at t = 1 (mergekit's plan_slice)
    assert ref.renumber("model.layers.12.mlp.up_proj.weight", 3) == "model.layers.3.mlp.up_proj.weight"
    assert ref.as_number("0.5") == 0.5 and ref.as_number(True) == 1.0 and ref.as_number("l1") == "l1"

    # bf16 rounding: round to nearest, ties to even.
    xs = np.array([1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20, -(1 + 2 ** -8)], dtype=F32)
    assert bf16_bits_to_f32(f32_to_bf16_bits(xs)).tolist() == [1.0, 1 + 2 ** -6, 1 + 2 ** -7, -1.0]
    assert np.isnan(bf16_bits_to_f32(f32_to_bf16_bits(np.array([np.nan], dtype=F32))))[0]

    base32 = _out_f32(read_tensors(root, B))
    e1_32 = _out_f32(read_tensors(root, E1))

    # task_arithmetic with lambda 0 equals the base.
    out = _out_f32(ref.merge(_cfg("task_arithmetic", [m(E1, weight=1.0), m(E2, weight=0.5)],
                                  {"lambda": 0.0}), root))
    assert all(np.array_equal(out[n], base32[n]) for n in base32), "TA lambda 0 != base"

    # ties with one expert and density 1 equals that expert (exactly where τ = θ₁ − θ₀ is exact).
    out = _out_f32(ref.merge(_cfg("ties", [m(E1, weight=1.0, density=1.0)]), root))
    inexact = 0
    for n in base32:
        exact_tau = (e1_32[n].astype(np.float64) - base32[n]) == (e1_32[n] - base32[n]).astype(F32)
        assert np.array_equal(out[n][exact_tau], e1_32[n][exact_tau]), n
        np.testing.assert_allclose(out[n], e1_32[n], rtol=2 ** -22, atol=0)
        inexact += int((~exact_tau).sum())
    print(f"  ties(1 expert, d=1) == expert1 ({inexact} elements with inexact τ checked to 1 ulp)")

    # dare with density 1 equals task arithmetic (both dare methods vs their task arithmetic).
    ws = [m(E1, weight=0.6, density=1.0), m(E2, weight=0.4, density=1.0)]
    ta = _out_f32(ref.merge(_cfg("task_arithmetic", ws), root))
    for method in ("dare_linear",):
        dr = _out_f32(ref.merge(_cfg(method, ws), root, seed=7))
        assert all(np.array_equal(dr[n], ta[n]) for n in ta), f"{method} d=1 != task_arithmetic"
    ta_n = _out_f32(ref.merge(_cfg("task_arithmetic", ws, {"normalize": True}), root))
    dl = _out_f32(ref.merge(_cfg("della_linear", ws, {"normalize": True}), root, seed=7))
    assert all(np.array_equal(dl[n], ta_n[n]) for n in ta_n), "della_linear d=1 != TA"
    ti = _out_f32(ref.merge(_cfg("ties", ws, {"normalize": False}), root))
    dt = _out_f32(ref.merge(_cfg("dare_ties", ws), root, seed=7))
    assert all(np.array_equal(dt[n], ti[n]) for n in ti), "dare_ties d=1 != ties d=1"

    # linear of identical models equals that model.
    out = _out_f32(ref.merge(_cfg("linear", [m(E1, weight=0.25), m(E1, weight=0.25),
                                             m(E1, weight=0.5)]), root))
    assert all(np.array_equal(out[n], e1_32[n]) for n in e1_32), "linear of identical != model"
    out = _out_f32(ref.merge(_cfg("linear", [m(E1, weight=0.3), m(E1, weight=0.2),
                                             m(E1, weight=0.7)]), root))
    for n in e1_32:
        np.testing.assert_allclose(out[n], e1_32[n], rtol=4 * 2 ** -23, atol=0)

    # Non-float tensors are copied from the base.
    out = dict(ref.merge(_cfg("linear", [m(E1, weight=1.0)]), root))
    assert out["model.extra_ids"].dtype == "I64"
    assert out["model.extra_ids"].data.tolist() == EXTRA_IDS.tolist()

    # Magnitude keeps exactly floor(d*N); random keeps about d*N.
    x = e1_32["model.layers.0.mlp.up_proj.weight"] - base32["model.layers.0.mlp.up_proj.weight"]
    mk, _ = ref.magnitude_mask(x.reshape(-1), 0.3)
    assert mk.sum() == int(0.3 * x.size)
    rk, _ = ref.random_mask(100000, 0.4, 7, "w", 1)
    assert abs(rk.mean() - 0.4) < 0.01

    # slerp with t = 0 and t = 1 returns the endpoints.
    v0, v1 = base32["lm_head.weight"], e1_32["lm_head.weight"]
    assert np.array_equal(ref.slerp(v0, v1, 0.0), v0) and np.array_equal(ref.slerp(v0, v1, 1.0), v1)
    print("  all invariants hold")


def read_tensors(root, path):
    tensors, _ = read_safetensors(os.path.join(root, path, "model.safetensors"))
    return list(tensors.items())


def check_slerp_margins(root, cases):
    """The lerp/slerp branch must not sit on the 0.9995 threshold; report which tensors lerp."""
    base = dict(read_tensors(root, B))
    for c in cases:
        cfg = c["config"]
        if cfg["merge_method"] != "slerp":
            continue
        other = [e["model"] for e in cfg["models"] if e["model"] != B][0]
        oth = dict(read_tensors(root, other))
        lerped = []
        for n, t in base.items():
            if t.dtype not in ("F32", "F16", "BF16"):
                continue
            d = ref.slerp_dot(to_f32(t), to_f32(oth[n]))
            assert abs(abs(d) - 0.9995) > 2e-5, f"{c['name']}: {n} dot {d} too close to 0.9995"
            if abs(d) > 0.9995:
                lerped.append(n)
        print(f"  {c['name']}: lerp fallback for {len(lerped)} tensors: {lerped}")
        if c["name"] == "slerp_near_parallel":
            assert 0 < len(lerped) < len(base) - 1
        assert len(lerped) < len(base) - 1  # the slerp branch is exercised too


# ---------------------------------------------------------------------------------------------

def write_expected(root, name, config, seed):
    """The reference's output tensors and config.json for one case (merged twice: deterministic)."""
    out, cfg = ref.merge_with_config(config, root, seed=seed)
    again, _ = ref.merge_with_config(config, root, seed=seed)
    assert all(np.array_equal(a[1].data, b[1].data) for a, b in zip(out, again))
    os.makedirs(os.path.join(root, "expected"), exist_ok=True)
    write_safetensors(os.path.join(root, "expected", name + ".safetensors"), out)
    write_config(os.path.join(root, "expected", name + ".config.json"), cfg)


def main():
    root = FIXTURE_ROOT
    if os.path.isdir(root):
        shutil.rmtree(root)
    os.makedirs(root)
    models = build_models(root)
    self_check(root, models)
    cases = all_cases()
    names = [c["name"] for c in cases]
    assert len(set(names)) == len(names)
    check_slerp_margins(root, cases)
    manifest = []
    for c in cases:
        text = to_yaml(c["config"])
        parsed = yaml.safe_load(text)
        want = copy.deepcopy(c["config"])
        assert parsed == want, (c["name"], parsed, want)
        os.makedirs(os.path.join(root, "cases"), exist_ok=True)
        with open(os.path.join(root, "cases", c["name"] + ".yml"), "w", encoding="utf-8") as f:
            f.write(text)
        write_expected(root, c["name"], parsed, c["seed"])
        manifest.append({"name": c["name"], "seed": c["seed"], "description": c["description"]})
    for name, seed, description, text in text_cases():
        assert name not in names
        with open(os.path.join(root, "cases", name + ".yml"), "w", encoding="utf-8") as f:
            f.write(text)
        write_expected(root, name, yaml.safe_load(text), seed)
        manifest.append({"name": name, "seed": seed, "description": description})
    with open(os.path.join(root, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")

    print(f"wrote {len(manifest)} cases to {root} ({folder_summary(root)})")


def folder_summary(root, limit=1_000_000):
    """Total size (checked against `limit`: fixtures stay small) and a digest of every file under `root`."""
    total = 0
    digest = hashlib.sha256()
    for dirpath, _, files in sorted(os.walk(root)):
        for fn in sorted(files):
            p = os.path.join(dirpath, fn)
            total += os.path.getsize(p)
            with open(p, "rb") as f:
                digest.update(os.path.relpath(p, root).encode() + b"\0" + f.read())
    assert total < limit, total
    return f"{total} bytes, sha256 {digest.hexdigest()[:16]}"


if __name__ == "__main__":
    main()
