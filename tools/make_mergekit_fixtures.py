"""Generates tests/SwarmMerge.Tests/Fixtures/mergekit/: mergekit's own example configs, unchanged, on small
generated models, with the outputs of the numpy reference (merge_reference.py).

Usage:  /usr/bin/python3 tools/make_mergekit_fixtures.py

mergekit's examples/ folder (arcee-ai/mergekit) holds six configs. Each is written here with the same
keys and values (its comments left out) and run with its model names unchanged: a name such as
`psmathur/orca_mini_v3_13b` is a relative folder under the fixture root, holding a small model of the
real one's family and depth (Llama-2-13B: 40 layers, fp16; Mistral-7B: 32 layers, bf16), so that the
examples' layer ranges ([0, 40], [0, 24] + [20, 40]) apply as written. Fine-tunes are their base plus
a deterministic delta.

Layout written (the folder is deleted and rebuilt):
    <org>/<name>/{config.json,model.safetensors}   the models the examples name
    cases/NAME.yml                                 the example config
    expected/NAME.safetensors, NAME.config.json    the reference's output (runnable examples only)
    cases.json   [{"name", "runs", "refusal", "description"}]: refusal is the reason an example does
                 not run (a substring of SwarmMerge's error), null when it runs
"""

from __future__ import annotations

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
from make_merge_fixtures import folder_summary  # noqa: E402
from safetensors_io import from_f32, round_to_dtype, to_f32, write_config, write_safetensors  # noqa: E402

FIXTURE_ROOT = os.path.normpath(os.path.join(HERE, "..", "tests", "SwarmMerge.Tests", "Fixtures", "mergekit"))
NUMPY_SEED = 20261201
HIDDEN, INTER, VOCAB = 4, 6, 8
F32 = np.float32

# family: (model_type, architecture, layers, kv width, storage dtype, torch dtype name)
FAMILIES = {
    "llama2-13b": ("llama", "LlamaForCausalLM", 40, HIDDEN, "F16", "float16"),
    "mistral-7b": ("mistral", "MistralForCausalLM", 32, 2, "BF16", "bfloat16"),
    "tiny-llama": ("llama", "LlamaForCausalLM", 2, HIDDEN, "BF16", "bfloat16"),
}

# model name as the examples write it: (family, base it is fine-tuned from or None, delta scale)
MODELS = {
    "TheBloke/Llama-2-13B-fp16": ("llama2-13b", None, 0),
    "psmathur/orca_mini_v3_13b": ("llama2-13b", "TheBloke/Llama-2-13B-fp16", 0.15),
    "garage-bAInd/Platypus2-13B": ("llama2-13b", "TheBloke/Llama-2-13B-fp16", 0.2),
    "WizardLM/WizardLM-13B-V1.2": ("llama2-13b", "TheBloke/Llama-2-13B-fp16", 0.1),
    "WizardLM/WizardMath-13B-V1.0": ("llama2-13b", "TheBloke/Llama-2-13B-fp16", 0.12),
    "mistralai/Mistral-7B-v0.1": ("mistral-7b", None, 0),
    "mistralai/Mistral-7B-Instruct-v0.2": ("mistral-7b", "mistralai/Mistral-7B-v0.1", 0.15),
    "BioMistral/BioMistral-7B": ("mistral-7b", "mistralai/Mistral-7B-v0.1", 0.1),
    "model_a": ("tiny-llama", None, 0),
    "model_b": ("tiny-llama", "model_a", 0.1),
}


def tensor_specs(family):
    """(name, shape, is_norm) in the order Hugging Face lists them."""
    _, _, layers, kv, _, _ = FAMILIES[family]
    specs = [("model.embed_tokens.weight", (VOCAB, HIDDEN), False)]
    for n in range(layers):
        p = f"model.layers.{n}."
        specs += [
            (p + "input_layernorm.weight", (HIDDEN,), True),
            (p + "self_attn.q_proj.weight", (HIDDEN, HIDDEN), False),
            (p + "self_attn.k_proj.weight", (kv, HIDDEN), False),
            (p + "self_attn.v_proj.weight", (kv, HIDDEN), False),
            (p + "self_attn.o_proj.weight", (HIDDEN, HIDDEN), False),
            (p + "post_attention_layernorm.weight", (HIDDEN,), True),
            (p + "mlp.gate_proj.weight", (INTER, HIDDEN), False),
            (p + "mlp.up_proj.weight", (INTER, HIDDEN), False),
            (p + "mlp.down_proj.weight", (HIDDEN, INTER), False),
        ]
    specs += [("model.norm.weight", (HIDDEN,), True), ("lm_head.weight", (VOCAB, HIDDEN), False)]
    return specs


def build_models(root):
    rng = np.random.default_rng(NUMPY_SEED)
    values = {}
    for name, (family, base, scale) in MODELS.items():
        dtype = FAMILIES[family][4]
        vals = {}
        for tensor, shape, is_norm in tensor_specs(family):
            if base is None:
                x = (1 + 0.1 * rng.standard_normal(shape)) if is_norm else 0.5 * rng.standard_normal(shape)
            else:
                d = rng.standard_normal(shape) * (scale / 2 if is_norm else scale)
                d[rng.random(shape) < 0.1] = 0  # exact zeros: ties among equal magnitudes
                x = values[base][tensor] + d
            vals[tensor] = round_to_dtype(np.asarray(x, dtype=F32), dtype)
        values[name] = vals
        write_model(os.path.join(root, name), family, vals)


def write_model(folder, family, vals):
    model_type, arch, layers, kv, dtype, torch_dtype = FAMILIES[family]
    os.makedirs(folder, exist_ok=True)
    tensors = []
    for tensor, _, _ in tensor_specs(family):
        t = from_f32(vals[tensor], dtype)
        assert np.array_equal(to_f32(t), vals[tensor])
        tensors.append((tensor, t))
    write_safetensors(os.path.join(folder, "model.safetensors"), tensors)
    write_config(os.path.join(folder, "config.json"), {
        "model_type": model_type,
        "architectures": [arch],
        "num_hidden_layers": layers,
        "hidden_size": HIDDEN,
        "intermediate_size": INTER,
        "num_attention_heads": 2,
        "num_key_value_heads": 2 * kv // HIDDEN,
        "vocab_size": VOCAB,
        "tie_word_embeddings": False,
        "torch_dtype": torch_dtype,
    })


# mergekit's examples/*.yml: same keys and values, comments left out.
EXAMPLES = [
    ("linear", None, "three Llama-2-13B fine-tunes averaged with weights 1.0, 0.3, 0.5 (normalize "
     "default true), no base, float16", """models:
  - model: psmathur/orca_mini_v3_13b
    parameters:
      weight: 1.0
  - model: WizardLM/WizardLM-13B-V1.2
    parameters:
      weight: 0.3
  - model: garage-bAInd/Platypus2-13B
    parameters:
      weight: 0.5
merge_method: linear
dtype: float16
"""),
    ("ties", None, "TIES of three fine-tunes into Llama-2-13B: a density gradient [1, 0.7, 0.1], a weight "
     "gradient [0, 0.3, 0.7, 1], a filtered weight (mlp 0.5, else 0), normalize true, int8_mask true, "
     "float16", """models:
  - model: psmathur/orca_mini_v3_13b
    parameters:
      density: [1, 0.7, 0.1]
      weight: 1.0
  - model: garage-bAInd/Platypus2-13B
    parameters:
      density: 0.5
      weight: [0, 0.3, 0.7, 1]
  - model: WizardLM/WizardMath-13B-V1.0
    parameters:
      density: 0.33
      weight:
        - filter: mlp
          value: 0.5
        - value: 0
merge_method: ties
base_model: TheBloke/Llama-2-13B-fp16
parameters:
  normalize: true
  int8_mask: true
dtype: float16
"""),
    ("bio-merge", None, "TIES of two Mistral-7B fine-tunes (density 0.5, weight 0.5 each), normalize false, "
     "int8_mask true, bf16 inputs to float16", """models:
  - model: mistralai/Mistral-7B-Instruct-v0.2
    parameters:
      density: 0.5
      weight: 0.5
  - model: BioMistral/BioMistral-7B
    parameters:
      density: 0.5
      weight: 0.5
merge_method: ties
base_model: mistralai/Mistral-7B-v0.1
parameters:
  normalize: false
  int8_mask: true
dtype: float16
"""),
    ("gradient-slerp", None, "SLERP over one slice of all 40 layers, t by filter: self_attn [0, 0.5, 0.3, "
     "0.7, 1], mlp [1, 0.5, 0.7, 0.3, 0], else 0.5; embeddings, final norm and lm_head at t = 0, so "
     "they take the else-value 0.5", """slices:
  - sources:
      - model: psmathur/orca_mini_v3_13b
        layer_range: [0, 40]
      - model: garage-bAInd/Platypus2-13B
        layer_range: [0, 40]
merge_method: slerp
base_model: psmathur/orca_mini_v3_13b
parameters:
  t:
    - filter: self_attn
      value: [0, 0.5, 0.3, 0.7, 1]
    - filter: mlp
      value: [1, 0.5, 0.7, 0.3, 0]
    - value: 0.5
dtype: float16
"""),
    ("orcamini-platy-44layer", None, "passthrough frankenmerge: orca layers 0-23 then Platypus layers "
     "20-39, 44 layers renumbered; config.json from orca with num_hidden_layers 44, float16",
     """slices:
  - sources:
    - model: psmathur/orca_mini_v3_13b
      layer_range: [0, 24]
  - sources:
    - model: garage-bAInd/Platypus2-13B
      layer_range: [20, 40]
merge_method: passthrough
dtype: float16
"""),
    ("arcee_fusion", "unknown method 'arcee_fusion'", "Arcee Fusion (KL-divergence importance, a "
     "threshold from sampled quantiles): not implemented, so refused by name", """models:
  - model: model_a
  - model: model_b
merge_method: arcee_fusion
base_model: model_a
dtype: bfloat16
"""),
]


def check_slerp_margins(root, config):
    """The lerp/slerp branch must not sit on the 0.9995 threshold (fp32 sums may differ in the last bits)."""
    sources = config["slices"][0]["sources"]
    a, b = (ref.Model(root, s["model"]) for s in sources)
    for name in a.tensors:
        d = ref.slerp_dot(to_f32(a.tensors[name]), to_f32(b.tensors[name]))
        assert abs(abs(d) - 0.9995) > 2e-5, (name, d)


def main():
    root = FIXTURE_ROOT
    if os.path.isdir(root):
        shutil.rmtree(root)
    os.makedirs(os.path.join(root, "cases"))
    os.makedirs(os.path.join(root, "expected"))
    build_models(root)
    manifest = []
    for name, refusal, description, text in EXAMPLES:
        with open(os.path.join(root, "cases", name + ".yml"), "w", encoding="utf-8") as f:
            f.write(text)
        config = yaml.safe_load(text)
        if refusal is None:
            if config["merge_method"] == "slerp":
                check_slerp_margins(root, config)
            out, cfg = ref.merge_with_config(config, root)
            write_safetensors(os.path.join(root, "expected", name + ".safetensors"), out)
            write_config(os.path.join(root, "expected", name + ".config.json"), cfg)
            print(f"  {name}: {len(out)} tensors, num_hidden_layers {cfg['num_hidden_layers']}")
        else:
            print(f"  {name}: refused ({refusal})")
        manifest.append({"name": name, "runs": refusal is None, "refusal": refusal, "description": description})
    with open(os.path.join(root, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")

    print(f"wrote {len(manifest)} examples to {root} ({folder_summary(root)})")


if __name__ == "__main__":
    main()
