"""Generates tests/SwarmMerge.Tests/Fixtures/lora/: tiny Llama and GPT-2 bases, PEFT LoRA adapters of them, the
bases with each adapter folded in (computed densely with torch), and merges of adapters computed on the folded
experts by the independent merge reference (merge_reference.py).

Usage:  /usr/bin/python3 tools/make_lora_fixtures.py

PEFT itself is not used (nor installed): its documented conventions are implemented here, independently of the
C# reader, from PEFT's source (peft/tuners/lora/config.py, layer.py, tuners_utils.py, utils/save_and_load.py):

  * saved names: "base_model.model.<module>.lora_A.weight" / "lora_B.weight" (the adapter name "default" removed;
    one adapter here keeps it, "lora_A.default.weight", as older writers did), "lora_embedding_A" / "lora_embedding_B"
    for embeddings, full tensors of modules_to_save as "base_model.model.<module>.<param>", and a targeted module's
    own parameters (saved biases, saved embeddings) as "base_model.model.<module>.base_layer.<param>";
  * lora_A is [r, in], lora_B is [out, r]; the update is (B @ A) * scaling with scaling = lora_alpha / r, or
    lora_alpha / sqrt(r) with use_rslora; transposed for fan_in_fan_out (GPT-2's Conv1D stores [in, out]); an
    embedding's update is always (B @ A)^T with lora_embedding_A [r, num_embeddings], lora_embedding_B [dim, r];
  * target selection: check_target_module_exists (exclude_modules, modules_to_save, then target_modules: a regex is
    fullmatched, a list entry matches the whole name or a ".entry" suffix, and then layers_to_transform filters by the
    layer index found by ".*?\\.<layers_pattern>\\.(\\d+)\\." -- except for names listed exactly);
  * rank_pattern / alpha_pattern: get_pattern_key, the first key k with re.match(rf"(.*\\.)?({k})$", module).

Values are multiples of 1/8 in the factors, so B @ A is exact in fp32 whatever the summation order, and the folded
weights fl(W + delta) are the same bytes for any correct implementation (scales that are not powers of two round
once, the same way everywhere).

Layout written (the folder is deleted and rebuilt):
    llama/, gpt2/                   base checkpoints (config.json, model.safetensors; GPT-2 without "transformer.")
    adapters/NAME/                  adapter_config.json, adapter_model.safetensors
    folded/NAME/                    the adapter's base with the adapter folded in (a full checkpoint)
    merges/NAME.yml                 merge configs naming adapters (paths relative to the fixture root)
    expected/NAME.safetensors       the reference merge of the folded experts
    cases.json                      [{"name", "description", "deltas"}] with each adapter's module scales
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import shutil
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import merge_reference as ref  # noqa: E402
from safetensors_io import Tensor, f32_to_bf16_bits, read_safetensors, to_f32, write_config, write_safetensors  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", "tests", "SwarmMerge.Tests", "Fixtures", "lora"))
SEED = 20250611
PREFIX = "base_model.model."


# ---------------------------------------------------------------------------------------------
# Bases
# ---------------------------------------------------------------------------------------------

def llama_shapes():
    h, inter, kv, vocab = 8, 12, 4, 16
    shapes = {"model.embed_tokens.weight": (vocab, h)}
    for l in range(2):
        p = f"model.layers.{l}."
        shapes[p + "input_layernorm.weight"] = (h,)
        shapes[p + "self_attn.q_proj.weight"] = (h, h)
        shapes[p + "self_attn.k_proj.weight"] = (kv, h)
        shapes[p + "self_attn.v_proj.weight"] = (kv, h)
        shapes[p + "self_attn.o_proj.weight"] = (h, h)
        shapes[p + "post_attention_layernorm.weight"] = (h,)
        shapes[p + "mlp.gate_proj.weight"] = (inter, h)
        shapes[p + "mlp.up_proj.weight"] = (inter, h)
        shapes[p + "mlp.down_proj.weight"] = (h, inter)
    shapes["model.norm.weight"] = (h,)
    shapes["lm_head.weight"] = (vocab, h)
    return shapes


LLAMA_CONFIG = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8, "intermediate_size": 12,
    "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": 16,
    "max_position_embeddings": 32, "rms_norm_eps": 1e-6, "tie_word_embeddings": False, "torch_dtype": "float32",
}


def gpt2_shapes():
    h, vocab, positions = 8, 16, 10
    shapes = {"wte.weight": (vocab, h), "wpe.weight": (positions, h)}
    for l in range(2):
        p = f"h.{l}."
        shapes[p + "ln_1.weight"] = (h,)
        shapes[p + "ln_1.bias"] = (h,)
        shapes[p + "attn.c_attn.weight"] = (h, 3 * h)   # Conv1D: [in, out]
        shapes[p + "attn.c_attn.bias"] = (3 * h,)
        shapes[p + "attn.c_proj.weight"] = (h, h)
        shapes[p + "attn.c_proj.bias"] = (h,)
        shapes[p + "ln_2.weight"] = (h,)
        shapes[p + "ln_2.bias"] = (h,)
        shapes[p + "mlp.c_fc.weight"] = (h, 4 * h)
        shapes[p + "mlp.c_fc.bias"] = (4 * h,)
        shapes[p + "mlp.c_proj.weight"] = (4 * h, h)
        shapes[p + "mlp.c_proj.bias"] = (h,)
    shapes["ln_f.weight"] = (h,)
    shapes["ln_f.bias"] = (h,)
    return shapes


GPT2_CONFIG = {
    "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": 8, "n_layer": 2, "n_head": 2,
    "vocab_size": 16, "n_positions": 10, "layer_norm_epsilon": 1e-5, "tie_word_embeddings": True, "torch_dtype": "float32",
}

# The module keys PEFT sees for a GPT2LMHeadModel carry "transformer."; the Hub's base checkpoint does not.
GPT2_MODULE_PREFIX = "transformer."


def make_base(rng, shapes):
    return {n: rng.standard_normal(s).astype(np.float32) * np.float32(0.5) for n, s in shapes.items()}


def write_checkpoint(folder, config, values):
    os.makedirs(folder, exist_ok=True)
    write_config(os.path.join(folder, "config.json"), config)
    write_safetensors(os.path.join(folder, "model.safetensors"),
                      [(n, Tensor("F32", v.shape, v.reshape(-1))) for n, v in values.items()])


# ---------------------------------------------------------------------------------------------
# PEFT's rules (independent implementation, Python's re)
# ---------------------------------------------------------------------------------------------

def targets(cfg, key):
    """check_target_module_exists for a LoRA config dict and a module key."""
    ex = cfg.get("exclude_modules")
    if ex:
        if isinstance(ex, str):
            if re.fullmatch(ex, key):
                return False
        elif key in ex or any(key.endswith("." + e) for e in ex):
            return False
    for m in cfg.get("modules_to_save") or []:
        if re.match(rf"(^|.*\.){m}($|\..*)", key):
            return False
    tm = cfg["target_modules"]
    if isinstance(tm, str):
        return re.fullmatch(tm, key) is not None
    if key in tm:
        return True
    found = any(key.endswith("." + t) for t in tm)
    lt = cfg.get("layers_to_transform")
    using = lt is not None and (len(lt) != 0 if isinstance(lt, list) else True)
    if using and found:
        lp = cfg.get("layers_pattern")
        if not lp:
            m = re.match(r".*?\.[^.]*\.(\d+)\.", key)
        else:
            m = None
            for pattern in [lp] if isinstance(lp, str) else lp:
                m = re.match(rf".*?\.{pattern}\.(\d+)\.", key)
                if m is not None:
                    break
        if m is None:
            return False
        idx = int(m.group(1))
        return idx == lt if isinstance(lt, int) else idx in lt
    return found


def pattern_key(keys, name):
    for k in keys:
        if re.match(rf"(.*\.)?({k})$", name):
            return k
    return name


def rank_alpha_scale(cfg, module):
    r = cfg.get("rank_pattern", {}).get(pattern_key(cfg.get("rank_pattern", {}).keys(), module), cfg["r"])
    alpha = cfg.get("alpha_pattern", {}).get(pattern_key(cfg.get("alpha_pattern", {}).keys(), module), cfg["lora_alpha"])
    scale = alpha / math.sqrt(r) if cfg.get("use_rslora") else alpha / r
    return r, alpha, scale


def peft_config(**fields):
    cfg = {
        "peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": None, "r": 8, "lora_alpha": 8,
        "lora_dropout": 0.0, "use_rslora": False, "fan_in_fan_out": False, "bias": "none", "modules_to_save": None,
        "layers_to_transform": None, "layers_pattern": None, "rank_pattern": {}, "alpha_pattern": {},
        "init_lora_weights": True, "use_dora": False, "inference_mode": True, "revision": None,
    }
    cfg.update(fields)
    return cfg


# ---------------------------------------------------------------------------------------------
# Adapters
# ---------------------------------------------------------------------------------------------

def eighths(rng, shape):
    """Small multiples of 1/8: products and short sums are exact in fp32."""
    return (rng.integers(-8, 9, size=shape).astype(np.float32) / np.float32(8))


def make_adapter(rng, name, base_values, base_cfg, cfg, *, module_prefix="", adapter_name_in_keys=None,
                 factor_dtype="F32", base_layer_params=(), save_modules=()):
    """Writes adapters/NAME and folded/NAME; returns {base tensor: scale} of the LoRA layers."""
    tensors = []
    deltas = {}
    scales = {}
    tag = f".{adapter_name_in_keys}" if adapter_name_in_keys else ""

    def stored(x, dtype):
        if dtype == "BF16":
            return Tensor("BF16", x.shape, f32_to_bf16_bits(x.reshape(-1)))
        return Tensor("F32", x.shape, x.reshape(-1))

    for tensor, w in base_values.items():
        if not tensor.endswith(".weight") or w.ndim != 2:
            continue
        module = module_prefix + tensor[: -len(".weight")]
        if not targets(cfg, module):
            continue
        r, _, scale = rank_alpha_scale(cfg, module)
        embedding = "embed_tokens" in module or module.endswith("wte")
        if embedding:
            num, dim = w.shape
            a = eighths(rng, (r, num))
            b = eighths(rng, (dim, r))
            tensors.append((f"{PREFIX}{module}.lora_embedding_A{tag}", stored(a, factor_dtype)))
            tensors.append((f"{PREFIX}{module}.lora_embedding_B{tag}", stored(b, factor_dtype)))
        else:
            conv1d = base_cfg["model_type"] == "gpt2"  # GPT-2's attention and MLP layers are Conv1D: [in, out]
            fin, fout = (w.shape[0], w.shape[1]) if conv1d else (w.shape[1], w.shape[0])
            a = eighths(rng, (r, fin))
            b = eighths(rng, (fout, r))
            tensors.append((f"{PREFIX}{module}.lora_A{tag}.weight", stored(a, factor_dtype)))
            tensors.append((f"{PREFIX}{module}.lora_B{tag}.weight", stored(b, factor_dtype)))
        # Decode what was stored (bf16 factors are exact in 1/8 steps anyway).
        a32 = torch.from_numpy(np.ascontiguousarray(to_f32(tensors[-2][1]).reshape(tensors[-2][1].shape)))
        b32 = torch.from_numpy(np.ascontiguousarray(to_f32(tensors[-1][1]).reshape(tensors[-1][1].shape)))
        delta = (b32 @ a32) * scale
        if embedding or base_cfg["model_type"] == "gpt2":
            delta = delta.T
        scales[tensor] = scale
        deltas[tensor] = delta.numpy().astype(np.float32)

    # Full tensors: a targeted module's own parameters (base_layer.*) and modules_to_save.
    replaced = {}
    for tensor in list(base_layer_params) + list(save_modules):
        module, param = tensor.rsplit(".", 1)
        value = (base_values[tensor] + eighths(rng, base_values[tensor].shape)).astype(np.float32)
        key = f"{PREFIX}{module_prefix}{module}.base_layer.{param}" if tensor in base_layer_params else f"{PREFIX}{module_prefix}{tensor}"
        tensors.append((key, Tensor("F32", value.shape, value.reshape(-1))))
        replaced[tensor] = value

    folded = {}
    for tensor in base_values:
        start = replaced.get(tensor, base_values[tensor])
        # PEFT's merge on an fp32 copy, after loading the saved full tensors: weight.data += delta (one fp32 rounding).
        folded[tensor] = (torch.from_numpy(start.copy()) + torch.from_numpy(deltas[tensor])).numpy() if tensor in deltas else start.copy()

    adapter_dir = os.path.join(ROOT, "adapters", name)
    os.makedirs(adapter_dir, exist_ok=True)
    with open(os.path.join(adapter_dir, "adapter_config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"), tensors)
    write_checkpoint(os.path.join(ROOT, "folded", name), base_cfg, folded)
    return scales


# ---------------------------------------------------------------------------------------------
# Merges (the reference runs on the folded experts)
# ---------------------------------------------------------------------------------------------

def yaml_text(cfg):
    lines = [f"merge_method: {cfg['merge_method']}", f"base_model: {cfg['base_model']}", "models:"]
    for m in cfg["models"]:
        params = ", ".join(f"{k}: {v}" for k, v in m.get("parameters", {}).items())
        lines.append(f"  - model: {m['model']}" + (f"\n    parameters: {{{params}}}" if params else ""))
    if cfg.get("parameters"):
        lines.append("parameters: {" + ", ".join(f"{k}: {v}" for k, v in cfg["parameters"].items()) + "}")
    lines.append("dtype: float32")
    return "\n".join(lines) + "\n"


def folded_path(model):
    """The folded checkpoint standing for an adapter reference (bare adapter or base+adapter)."""
    adapter = model.split("+")[-1]
    if adapter.startswith("adapters/"):
        return "folded/" + adapter[len("adapters/"):]
    return model


def merge_case(name, description, cfg):
    os.makedirs(os.path.join(ROOT, "merges"), exist_ok=True)
    with open(os.path.join(ROOT, "merges", name + ".yml"), "w", encoding="utf-8") as f:
        f.write(yaml_text(cfg))
    dense = copy.deepcopy(cfg)
    for m in dense["models"]:
        m["model"] = folded_path(m["model"])
    out = ref.merge(dense, ROOT)
    write_safetensors(os.path.join(ROOT, "expected", name + ".safetensors"), out)
    return {"name": name, "description": description}


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    rng = np.random.default_rng(SEED)
    llama = make_base(rng, llama_shapes())
    gpt2 = make_base(rng, gpt2_shapes())
    write_checkpoint(os.path.join(ROOT, "llama"), LLAMA_CONFIG, llama)
    write_checkpoint(os.path.join(ROOT, "gpt2"), GPT2_CONFIG, gpt2)

    adapters = {}
    adapters["llama-plain"] = make_adapter(rng, "llama-plain", llama, LLAMA_CONFIG, peft_config(
        base_model_name_or_path="../../llama", r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "down_proj"]))
    adapters["llama-patterns"] = make_adapter(rng, "llama-patterns", llama, LLAMA_CONFIG, peft_config(
        r=4, lora_alpha=16, use_rslora=True, target_modules=["o_proj", "up_proj"],
        rank_pattern={"layers.1.self_attn.o_proj": 2}, alpha_pattern={"^model.layers.0.mlp.up_proj": 5},
        modules_to_save=["lm_head"]),
        adapter_name_in_keys="default", factor_dtype="BF16", save_modules=["lm_head.weight"])
    adapters["llama-embedding"] = make_adapter(rng, "llama-embedding", llama, LLAMA_CONFIG, peft_config(
        r=2, lora_alpha=4, target_modules=["q_proj", "k_proj", "model.embed_tokens"], layers_to_transform=[1],
        layers_pattern="layers"),
        base_layer_params=["model.embed_tokens.weight"])
    adapters["gpt2-conv1d"] = make_adapter(rng, "gpt2-conv1d", gpt2, GPT2_CONFIG, peft_config(
        r=2, lora_alpha=3, fan_in_fan_out=True, bias="lora_only", target_modules=["c_attn", "c_proj"]),
        module_prefix=GPT2_MODULE_PREFIX,
        base_layer_params=["h.0.attn.c_attn.bias", "h.1.attn.c_attn.bias", "h.0.attn.c_proj.bias", "h.1.attn.c_proj.bias",
                           "h.0.mlp.c_proj.bias", "h.1.mlp.c_proj.bias"])
    # fan_in_fan_out left false: PEFT sets it for Conv1D layers (with a warning); c_fc is [8, 32], so its layout is plain.
    adapters["gpt2-mlp"] = make_adapter(rng, "gpt2-mlp", gpt2, GPT2_CONFIG, peft_config(
        r=3, lora_alpha=6, target_modules=["c_fc"]), module_prefix=GPT2_MODULE_PREFIX)

    cases = [
        merge_case("llama_task_arithmetic", "task_arithmetic of two adapters (one bare, one base+adapter), lambda 0.8", {
            "merge_method": "task_arithmetic", "base_model": "llama",
            "models": [{"model": "adapters/llama-plain", "parameters": {"weight": 0.7}},
                       {"model": "llama+adapters/llama-patterns", "parameters": {"weight": 0.5}}],
            "parameters": {"lambda": 0.8}}),
        merge_case("llama_ties", "ties of three adapters, density 0.5", {
            "merge_method": "ties", "base_model": "llama",
            "models": [{"model": "adapters/llama-plain", "parameters": {"weight": 1.0, "density": 0.5}},
                       {"model": "adapters/llama-patterns", "parameters": {"weight": 0.8, "density": 0.5}},
                       {"model": "adapters/llama-embedding", "parameters": {"weight": 0.6, "density": 0.5}}]}),
        merge_case("llama_linear", "linear of two base+adapter models, normalized", {
            "merge_method": "linear", "base_model": "llama",
            "models": [{"model": "llama+adapters/llama-plain", "parameters": {"weight": 2.0}},
                       {"model": "llama+adapters/llama-embedding", "parameters": {"weight": 1.0}}]}),
        merge_case("llama_mixed", "task_arithmetic of an adapter and a full checkpoint", {
            "merge_method": "task_arithmetic", "base_model": "llama",
            "models": [{"model": "adapters/llama-embedding", "parameters": {"weight": 0.9}},
                       {"model": "folded/llama-plain", "parameters": {"weight": 0.4}}]}),
        merge_case("gpt2_task_arithmetic", "task_arithmetic of two GPT-2 adapters (Conv1D layouts)", {
            "merge_method": "task_arithmetic", "base_model": "gpt2",
            "models": [{"model": "adapters/gpt2-conv1d", "parameters": {"weight": 0.6}},
                       {"model": "adapters/gpt2-mlp", "parameters": {"weight": 1.5}}],
            "parameters": {"lambda": 1.0}}),
    ]
    with open(os.path.join(ROOT, "cases.json"), "w", encoding="utf-8") as f:
        json.dump({"merges": cases, "scales": adapters}, f, indent=2)
        f.write("\n")

    # Self-checks: the folded models differ from the base exactly where the adapter acts.
    for name, scales in adapters.items():
        base = llama if name.startswith("llama") else gpt2
        tensors, _ = read_safetensors(os.path.join(ROOT, "folded", name, "model.safetensors"))
        changed = {n for n, t in tensors.items() if not np.array_equal(to_f32(t).reshape(base[n].shape), base[n])}
        assert set(scales) <= changed, (name, set(scales) - changed)
        print(f"{name}: {len(scales)} LoRA layers, {len(changed)} tensors changed")
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(ROOT) for f in fs)
    print(f"wrote {ROOT} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
