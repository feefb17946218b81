"""Independent reference implementation of the merge methods in docs/merge-methods.md.

numpy only. Written from the contract in docs/merge-methods.md alone; each function quotes the
line(s) of the contract it implements so it can be checked by reading.

Arithmetic conventions (contract, "Notation and arithmetic"):
  * every floating tensor is decoded to fp32; per-element arithmetic is fp32 (numpy float32
    arrays, one operation at a time, in the written order);
  * per-tensor reductions (norms, dot products, L1 sums) accumulate in fp64, sequentially in
    flat (row-major) order (`seq_sum`, np.cumsum is a strictly sequential accumulation);
  * parameters (weights, densities, t, lambda, ...) are fp64 (Python floats, as parsed from
    YAML, gradients evaluated in fp64). Where a parameter or a scalar derived from a reduction
    enters per-element arithmetic it is first rounded to fp32 (`f32(x)`) and the operation is
    done in fp32. [Resolution of an unstated point; see the notes marked AMBIGUITY below.]

AMBIGUITY notes (the literal reading chosen here):
  A1. Sums of weights (D in generalized task arithmetic, both with and without consensus, and
      Σwᵢ in linear) are computed per element / per tensor in fp32: fp32(w₁) + fp32(w₂) + ...
      in model order starting from 0 ("all per-element arithmetic is fp32"), not in fp64.
  A2. Scalar coefficients computed in fp64 (the l1 rescale factor ‖τ‖₁/‖mask·τ‖₁, the DELLA
      keep probability p used by inverse_density, the slerp coefficients sin((1−t)Θ)/sinΘ,
      sin(tΘ)/sinΘ, 1−t and t of the lerp fallback, model_stock's t and 1−t) are rounded to
      fp32 once and then applied with an fp32 multiply (or, for inverse_density, an fp32
      divide: τ / fp32(p)).
  A3. slerp's unit vectors are formed per element in fp32: û = v / fp32(‖v‖) with ‖v‖ an fp64
      norm; dot = Σ û₀û₁ accumulated in fp64 (products of two fp32 values are exact in fp64).
  A4. Sums over models (Σ δᵢ, Σ agreeing δᵢ, Σ wᵢθᵢ, Σ θᵢ) start from +0.0 and add in model
      order, so a sum is never −0.0.
  A5. "Output order" for sparsify_scope: model is the base's tensor order (its header order).
      The fixtures write every file with tensors sorted by name so that this equals the sorted
      order as well.
  A6. normalize, lambda, t (slerp) and filter_wise (model_stock) are merge-wide: they are looked
      up at the top level then the default only. weight, density, gamma, epsilon, rescale,
      rescale_mode and sparsify_scope are per expert: model level, then top level, then default.
  A7. A filter list none of whose entries matches counts as "not set at this level" and the
      lookup goes on to the next level.
  A8. `weight` has no default in the contract; 1.0 is used here (fixtures always set it).
  A9. DELLA with d ≥ 1 or d ≤ 0: the general rule (unchanged / zeroed) is applied before the
      "d ± ε must lie in (0, 1)" check, so those densities are not an error.
  A10. With sparsify_scope: model, gamma (breadcrumbs) must also be the same for every tensor
      of the expert (the contract only says so for density).
  A11. Masked-out entries are +0.0 (mask·τ is taken as "keep τ, else 0").
  A12. F64 is listed among the non-float dtypes copied from the base, so only F32, F16 and
      BF16 tensors are merged.
"""

from __future__ import annotations

import math
import os
import re

import numpy as np

try:  # allow both `python tools/merge_reference.py` and `import tools.merge_reference`
    from safetensors_io import FLOAT_DTYPES, Tensor, from_f32, read_config, read_safetensors, to_f32
except ImportError:  # pragma: no cover
    from tools.safetensors_io import FLOAT_DTYPES, Tensor, from_f32, read_config, read_safetensors, to_f32

F32 = np.float32


def f32(x) -> np.float32:
    """Round an fp64 scalar to fp32 (round to nearest even)."""
    return np.float32(x)


# =============================================================================================
# fp64 reductions (sequential, flat order)
# =============================================================================================

def seq_sum(x64: np.ndarray) -> float:
    """Σ x in fp64, accumulated one element at a time in flat order (np.cumsum is sequential)."""
    x64 = np.asarray(x64, dtype=np.float64).reshape(-1)
    if x64.size == 0:
        return 0.0
    return float(np.cumsum(x64)[-1])


def dot64(a: np.ndarray, b: np.ndarray) -> float:
    """Σ aᵢbᵢ in fp64 (each fp32·fp32 product is exact in fp64)."""
    return seq_sum(np.asarray(a, np.float64).reshape(-1) * np.asarray(b, np.float64).reshape(-1))


def norm2_64(a: np.ndarray) -> float:
    """‖a‖₂ = sqrt(Σ aᵢ²) in fp64."""
    return math.sqrt(dot64(a, a))


def l1_64(a: np.ndarray) -> float:
    """‖a‖₁ = Σ |aᵢ| in fp64."""
    return seq_sum(np.abs(np.asarray(a, np.float64)))


# =============================================================================================
# Deterministic randomness
# =============================================================================================
# mix(z) = z ^= z>>30; z *= 0xBF58476D1CE4E5B9; z ^= z>>27; z *= 0x94D049BB133111EB; z ^ z>>31
# fnv(name) = FNV-1a 64 of the UTF-8 bytes (offset 0xCBF29CE484222325, prime 0x100000001B3)
# key = mix(s ^ mix(fnv(name) ^ mix(i)))
# u24(j) = mix(key + (j+1)·0x9E3779B97F4A7C15) >> 40
# kept(j) ⇔ u24(j) < p·2²⁴   (compared in fp64)

_U64 = np.uint64
_MIX_C1 = _U64(0xBF58476D1CE4E5B9)
_MIX_C2 = _U64(0x94D049BB133111EB)
_GOLDEN = _U64(0x9E3779B97F4A7C15)
_FNV_OFFSET = _U64(0xCBF29CE484222325)
_FNV_PRIME = _U64(0x100000001B3)


def mix(z) -> np.ndarray:
    """SplitMix64 finalizer on uint64 (scalar or array), wrapping arithmetic."""
    z = np.array(z, dtype=np.uint64)  # a copy
    with np.errstate(over="ignore"):
        z ^= z >> _U64(30)
        z *= _MIX_C1
        z ^= z >> _U64(27)
        z *= _MIX_C2
        z ^= z >> _U64(31)
    return z


def fnv1a64(name: str) -> np.uint64:
    """FNV-1a 64 over the UTF-8 bytes of `name`."""
    h = _FNV_OFFSET
    with np.errstate(over="ignore"):
        for byte in name.encode("utf-8"):
            h = _U64(h ^ _U64(byte))
            h = _U64(h * _FNV_PRIME)
    return h


def rng_key(seed: int, name: str, model_index: int) -> np.uint64:
    """key = mix(s ^ mix(fnv(name) ^ mix(i))); model_index i is the 1-based expert index."""
    inner = mix(_U64(model_index))
    middle = mix(fnv1a64(name) ^ inner)
    return _U64(mix(_U64(seed) ^ middle))


def u24(seed: int, name: str, model_index: int, j) -> np.ndarray:
    """u24(j) = mix(key + (j+1)·0x9E3779B97F4A7C15) >> 40, an integer in [0, 2^24)."""
    key = rng_key(seed, name, model_index)
    j = np.asarray(j, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = key + (j + _U64(1)) * _GOLDEN
    return mix(z) >> _U64(40)


def kept(u: np.ndarray, p) -> np.ndarray:
    """kept(j) ⇔ u24(j) < p·2²⁴, compared in fp64 (p may be a scalar or an array)."""
    return np.asarray(u, dtype=np.float64) < np.asarray(p, dtype=np.float64) * 16777216.0


# =============================================================================================
# Parameters: scalars, gradients, filters; t per tensor
# =============================================================================================

_LAYER_RE = re.compile(r"(?:^|\.)(layers|layer|h|block|blocks)\.(\d+)\.")
_PRE_WEIGHT_MARKERS = ("embed", "wte", "wpe", "shared")


def layer_prefixes(names) -> dict:
    """prefix ('model.layers.') -> set of layer numbers seen under it."""
    out = {}
    for n in names:
        m = _LAYER_RE.search(n)
        if m:
            out.setdefault(n[: m.start(2)], set()).add(int(m.group(2)))
    return out


def layer_t(index: int, count: int) -> float:
    """t = N / (L − 1), and t = 1 when L = 1 (mergekit's plan_slice)."""
    return index / (count - 1) if count > 1 else 1.0


def tensor_t(name: str, prefixes: dict) -> float:
    """t for a tensor:
    numbered layer: t = N / (L − 1), L = number of layers under the same prefix (1 when L = 1);
    every tensor outside the numbered layers: 0."""
    m = _LAYER_RE.search(name)
    if m:
        return layer_t(int(m.group(2)), len(prefixes[name[: m.start(2)]]))
    return 0.0


def eval_gradient(values, t: float) -> float:
    """s = t·(len−1), i0 = ⌊s⌋, i1 = min(len−1, i0+1), f = s − i0, value (1−f)·v[i0] + f·v[i1]."""
    v = [float(x) for x in values]
    if not v:
        raise ValueError("empty gradient")
    s = t * (len(v) - 1)
    i0 = math.floor(s)
    i1 = min(len(v) - 1, i0 + 1)
    f = s - i0
    return (1 - f) * v[i0] + f * v[i1]


def _is_filter_list(value) -> bool:
    return isinstance(value, list) and len(value) > 0 and all(isinstance(e, dict) for e in value)


def eval_value(value, name: str, t: float):
    """Returns (found, value). A filter list with no matching entry is (False, None) [A7]."""
    if _is_filter_list(value):
        for entry in value:
            flt = entry.get("filter")
            if flt is None or flt == "*" or str(flt) in name:
                inner = entry["value"]
                if _is_filter_list(inner):
                    raise ValueError("a filter's value may be a scalar or a gradient only")
                return eval_value(inner, name, t)
        return False, None
    if isinstance(value, list):
        return True, eval_gradient(value, t)
    return True, value


_MISSING = object()


def lookup(key: str, name: str, t: float, model_params, top_params, default=_MISSING, slice_params=None):
    """The model's own parameters first, then the slice's, then the top-level parameters, then the
    default. A level that gives nothing for the tensor passes to the next [A7]."""
    for params in (model_params, slice_params, top_params):
        if params and key in params and params[key] is not None:
            found, value = eval_value(params[key], name, t)
            if found:
                return value
    if default is _MISSING:
        raise KeyError(f"parameter {key!r} is required (tensor {name})")
    return default


def as_number(value):
    """A value as mergekit reads it where a number is expected: YAML booleans are 1 and 0 and text
    that pydantic reads as a float is that float (PyYAML has already resolved the YAML 1.1 forms)."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return value
    if isinstance(value, int):
        return float(value)
    return value


def coerce_parameters(params):
    """Every scalar of a parameter block through `as_number` (filters stay text)."""
    if params is None:
        return None

    def walk(v):
        if isinstance(v, dict):
            return {k: (walk(x) if k == "value" else x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return as_number(v)

    return {k: walk(v) for k, v in params.items()}


# =============================================================================================
# Element order and ranks
# =============================================================================================

def magnitude_ranks(x: np.ndarray) -> np.ndarray:
    """rank(i): position of element i in ascending |x|, ties by ascending flat index."""
    flat = np.abs(np.asarray(x, dtype=np.float32).reshape(-1))
    order = np.argsort(flat, kind="stable")  # stable => equal magnitudes stay in index order
    ranks = np.empty(flat.size, dtype=np.int64)
    ranks[order] = np.arange(flat.size, dtype=np.int64)
    return ranks


# =============================================================================================
# Sparsification masks (flat); each returns (mask, keep_probability or None)
# =============================================================================================

def magnitude_mask(x: np.ndarray, density: float):
    """magnitude (TIES): k = ⌊d·N⌋; keep rank ≥ N − k."""
    n = x.size
    k = math.floor(density * n)
    return magnitude_ranks(x) >= n - k, None


def magnitude_outliers_mask(x: np.ndarray, density: float, gamma: float):
    """magnitude_outliers (breadcrumbs): target = ⌊d·N⌋, n_top = ⌊γ·N⌋, n_bot = N − target − n_top;
    if n_bot < 0 then n_top += n_bot, n_bot = 0. Keep ranks in [n_bot, N − n_top)."""
    n = x.size
    target = math.floor(density * n)
    n_top = math.floor(gamma * n)
    n_bot = n - target - n_top
    if n_bot < 0:
        n_top += n_bot
        n_bot = 0
    r = magnitude_ranks(x)
    return (r >= n_bot) & (r < n - n_top), None


def random_mask(n: int, density: float, seed: int, name: str, model_index: int):
    """random (DARE): keep element j with probability d: u24(j) < d·2²⁴."""
    j = np.arange(n, dtype=np.uint64)
    p = np.full(n, float(density), dtype=np.float64)
    return kept(u24(seed, name, model_index, j), p), p


def della_mask(x: np.ndarray, density: float, epsilon: float, seed: int, name: str,
               model_index: int):
    """della_magprune: rows = shape[0] (1-D: one row); within a row of m elements with row-local
    rank r: p = (d − ε) + (r / (m − 1))·2ε (p = d when m = 1); keep with probability p, j = flat
    index. d ± ε must lie in (0, 1)."""
    d, eps = float(density), float(epsilon)
    if not (0.0 < d - eps < 1.0 and 0.0 < d + eps < 1.0):
        raise ValueError(f"della: density ± epsilon must lie in (0, 1) (d={d}, eps={eps}, {name})")
    rows = x.shape[0] if x.ndim >= 2 else 1
    m = x.size // rows
    x2 = x.reshape(rows, m)
    p = np.empty((rows, m), dtype=np.float64)
    for row in range(rows):
        r = magnitude_ranks(x2[row])
        if m == 1:
            p[row] = d
        else:
            for c in range(m):
                p[row, c] = (d - eps) + (int(r[c]) / (m - 1)) * 2 * eps
    p = p.reshape(-1)
    j = np.arange(x.size, dtype=np.uint64)
    return kept(u24(seed, name, model_index, j), p), p


def apply_mask_and_rescale(tau: np.ndarray, mask: np.ndarray, prob, kind: str,
                           rescale: bool, rescale_mode: str) -> np.ndarray:
    """mask·τ, then (rescale: true)
    l1: multiply the kept entries by ‖τ‖₁ / ‖mask·τ‖₁ (skipped when either norm < 1e-7);
    inverse_density: divide each kept entry by its own keep probability (DARE: d, DELLA: p;
    TIES and breadcrumbs are not rescaled)."""
    shape = tau.shape
    t = tau.reshape(-1)
    zero = F32(0.0)
    masked = np.where(mask, t, zero).astype(F32)  # A11: dropped entries are +0.0
    if not rescale:
        return masked.reshape(shape)
    if rescale_mode == "l1":
        full = l1_64(t)
        kept_norm = l1_64(masked)
        if full < 1e-7 or kept_norm < 1e-7:
            return masked.reshape(shape)
        factor = f32(full / kept_norm)  # A2
        return np.where(mask, t * factor, zero).astype(F32).reshape(shape)
    if rescale_mode == "inverse_density":
        if kind in ("magnitude", "magnitude_outliers"):
            return masked.reshape(shape)
        p32 = np.asarray(prob, dtype=np.float64).astype(F32)  # A2
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = t / p32
        return np.where(mask, scaled, zero).astype(F32).reshape(shape)
    raise ValueError(f"unknown rescale_mode {rescale_mode!r}")


def sparsify(tau: np.ndarray, kind, density: float, *, gamma=0.01, epsilon=0.15, rescale=False,
             rescale_mode="l1", seed=0, name="", model_index=1) -> np.ndarray:
    """Sparsify one τ (per-tensor scope). d ≥ 1 leaves τ unchanged; d ≤ 0 zeroes it."""
    if kind is None:
        return tau
    d = float(density)
    if d >= 1:
        return tau.copy()
    if d <= 0:
        return np.zeros_like(tau, dtype=F32)
    flat = tau.reshape(-1)
    if kind == "magnitude":
        mask, prob = magnitude_mask(flat, d)
    elif kind == "magnitude_outliers":
        mask, prob = magnitude_outliers_mask(flat, d, float(gamma))
    elif kind == "random":
        mask, prob = random_mask(flat.size, d, seed, name, model_index)
    elif kind == "della_magprune":
        mask, prob = della_mask(tau, d, float(epsilon), seed, name, model_index)
    else:
        raise ValueError(f"unknown sparsification {kind!r}")
    return apply_mask_and_rescale(tau, mask, prob, kind, bool(rescale), str(rescale_mode))


def sparsify_model_scope(taus: list, kind: str, density: float, gamma: float, rescales: list,
                         rescale_modes: list) -> list:
    """sparsify_scope: model — N and ranks over all merged tensors of one expert, concatenated in
    output order (magnitude and magnitude_outliers only). Rescaling stays per tensor."""
    d = float(density)
    if d >= 1:
        return [t.copy() for t in taus]
    if d <= 0:
        return [np.zeros_like(t, dtype=F32) for t in taus]
    flat = np.concatenate([t.reshape(-1) for t in taus]).astype(F32)
    if kind == "magnitude":
        mask, _ = magnitude_mask(flat, d)
    elif kind == "magnitude_outliers":
        mask, _ = magnitude_outliers_mask(flat, d, float(gamma))
    else:
        raise ValueError("sparsify_scope: model applies to magnitude and magnitude_outliers only")
    out, start = [], 0
    for t, rs, mode in zip(taus, rescales, rescale_modes):
        part = mask[start:start + t.size]
        start += t.size
        out.append(apply_mask_and_rescale(t, part, None, kind, bool(rs), str(mode)))
    return out


# =============================================================================================
# Methods (per tensor, on fp32 arrays)
# =============================================================================================

def combine_task_vectors(base: np.ndarray, taus: list, weights: list, *, consensus: bool,
                         normalize: bool, lam: float) -> np.ndarray:
    """Generalized task arithmetic after sparsification:
        δᵢ = wᵢ·τᵢ
        without consensus:  m = Σᵢ δᵢ;  D = Σᵢ wᵢ   (D = 1 when |D| < 1e-8)
        with consensus:     S = +1 if Σᵢ δᵢ ≥ 0 else −1;  agreeᵢ ⇔ sign(δᵢ) = S (zero never agrees)
                            m = Σ agreeing δᵢ;  D = Σ agreeing wᵢ  (D = 1 when D = 0)
        if normalize: m = m / D
        if lambda ≠ 1: m = m·lambda
        result = θ₀ + m
    """
    shape = base.shape
    w32 = [f32(w) for w in weights]
    deltas = [(w * t).astype(F32) for w, t in zip(w32, taus)]
    total = np.zeros(shape, dtype=F32)
    for dl in deltas:
        total = (total + dl).astype(F32)
    if consensus:
        s = np.where(total >= 0, F32(1), F32(-1))
        m = np.zeros(shape, dtype=F32)
        denom = np.zeros(shape, dtype=F32)
        for w, dl in zip(w32, deltas):
            agree = np.sign(dl) == s  # sign(0) = 0 never equals ±1
            m = np.where(agree, m + dl, m).astype(F32)
            denom = np.where(agree, denom + w, denom).astype(F32)  # A1
        denom = np.where(denom == 0, F32(1), denom).astype(F32)
    else:
        m = total
        d = F32(0)
        for w in w32:
            d = F32(d + w)  # A1
        if abs(float(d)) < 1e-8:
            d = F32(1)
        denom = d
    if normalize:
        m = (m / denom).astype(F32)
    if float(lam) != 1:
        m = (m * f32(lam)).astype(F32)
    return (base + m).astype(F32)


def linear(thetas: list, weights: list, *, normalize: bool) -> np.ndarray:
    """linear: Σᵢ wᵢθᵢ, divided by Σᵢ wᵢ when normalize (over the listed models only).
    A zero weight sum with normalize is an error."""
    acc = np.zeros(thetas[0].shape, dtype=F32)
    for w, th in zip(weights, thetas):
        acc = (acc + (f32(w) * th).astype(F32)).astype(F32)
    if normalize:
        total = F32(0)
        for w in weights:
            total = F32(total + f32(w))  # A1
        if total == 0:
            raise ValueError("linear: zero weight sum with normalize")
        acc = (acc / total).astype(F32)
    return acc


def slerp(v0: np.ndarray, v1: np.ndarray, t: float) -> np.ndarray:
    """slerp: û₀, û₁ unit vectors (a norm ≤ 1e-8 is not divided), dot = û₀·û₁;
    |dot| > 0.9995: (1−t)·v₀ + t·v₁; else Θ = acos(dot):
    sin((1−t)Θ)/sin Θ · v₀ + sin(tΘ)/sin Θ · v₁."""
    t = float(t)
    n0, n1 = norm2_64(v0), norm2_64(v1)
    u0 = (v0 / f32(n0)).astype(F32) if n0 > 1e-8 else v0  # A3
    u1 = (v1 / f32(n1)).astype(F32) if n1 > 1e-8 else v1
    dot = dot64(u0, u1)
    if abs(dot) > 0.9995:
        c0, c1 = 1 - t, t
    else:
        theta = math.acos(dot)
        sin_theta = math.sin(theta)
        c0 = math.sin((1 - t) * theta) / sin_theta
        c1 = math.sin(t * theta) / sin_theta
    return ((f32(c0) * v0).astype(F32) + (f32(c1) * v1).astype(F32)).astype(F32)  # A2


def slerp_dot(v0: np.ndarray, v1: np.ndarray) -> float:
    """The dot of slerp's unit vectors (exposed for the fixture generator's margin checks)."""
    n0, n1 = norm2_64(v0), norm2_64(v1)
    u0 = (v0 / f32(n0)).astype(F32) if n0 > 1e-8 else v0
    u1 = (v1 / f32(n1)).astype(F32) if n1 > 1e-8 else v1
    return dot64(u0, u1)


def _model_stock_t(offsets: list) -> float:
    """cos = clamp(oᵢ·oⱼ / max(‖oᵢ‖‖oⱼ‖, 1e-6), −1, 1) averaged over pairs i < j;
    t = N·cos / (1 + (N−1)·cos)."""
    n = len(offsets)
    norms = [norm2_64(o) for o in offsets]
    total, pairs = 0.0, 0
    for i in range(n):
        for j in range(i + 1, n):
            c = dot64(offsets[i], offsets[j]) / max(norms[i] * norms[j], 1e-6)
            total += min(1.0, max(-1.0, c))
            pairs += 1
    cos = total / pairs
    return n * cos / (1 + (n - 1) * cos)


def model_stock(base: np.ndarray, thetas: list, *, filter_wise: bool) -> np.ndarray:
    """model_stock: oᵢ = θᵢ − θ₀; result t·mean(θᵢ) + (1−t)·θ₀; filter_wise: cos (and t) per row
    (a 1-D tensor is one row)."""
    n = len(thetas)
    offsets = [(th - base).astype(F32) for th in thetas]
    acc = np.zeros(base.shape, dtype=F32)
    for th in thetas:
        acc = (acc + th).astype(F32)
    mean = (acc / F32(n)).astype(F32)
    if not filter_wise or base.ndim < 2:
        t = _model_stock_t(offsets)
        return ((f32(t) * mean).astype(F32) + (f32(1 - t) * base).astype(F32)).astype(F32)
    rows = base.shape[0]
    m = base.size // rows
    out = np.empty((rows, m), dtype=F32)
    mean2, base2 = mean.reshape(rows, m), base.reshape(rows, m)
    offs2 = [o.reshape(rows, m) for o in offsets]
    for r in range(rows):
        t = _model_stock_t([o[r] for o in offs2])
        out[r] = ((f32(t) * mean2[r]).astype(F32) + (f32(1 - t) * base2[r]).astype(F32))
    return out.reshape(base.shape)


# =============================================================================================
# Whole-model merge driver
# =============================================================================================

# method: (sparsification, consensus, normalize default, rescale default)
GTA_METHODS = {
    "task_arithmetic": (None, False, False, False),
    "ties": ("magnitude", True, True, False),
    "dare_linear": ("random", False, False, True),
    "dare_ties": ("random", True, False, True),
    "breadcrumbs": ("magnitude_outliers", False, False, False),
    "breadcrumbs_ties": ("magnitude_outliers", True, False, False),
    "della": ("della_magprune", True, True, True),
    "della_linear": ("della_magprune", False, False, True),
}
METHODS = tuple(GTA_METHODS) + ("linear", "slerp", "model_stock", "passthrough")

_EMBED_SHAPE_MARKERS = ("embed_tokens", "wte", "word_embeddings", "shared", "embed_in",
                        "embed_out", "lm_head")
_INPUT_EMBED_NAMES = ("model.embed_tokens.weight", "transformer.wte.weight",
                      "embeddings.word_embeddings.weight", "gpt_neox.embed_in.weight",
                      "shared.weight")

_DTYPE_NAMES = {
    "float32": "F32", "fp32": "F32", "f32": "F32",
    "float16": "F16", "fp16": "F16", "f16": "F16", "half": "F16",
    "bfloat16": "BF16", "bf16": "BF16",
}


def dtype_code(name) -> str:
    key = str(name).lower().replace("torch.", "")
    if key not in _DTYPE_NAMES:
        raise ValueError(f"unsupported dtype {name!r}")
    return _DTYPE_NAMES[key]


class Model:
    def __init__(self, root: str, path: str):
        self.path = path
        folder = os.path.join(root, path)
        self.tensors, _ = read_safetensors(os.path.join(folder, "model.safetensors"))
        cfg = os.path.join(folder, "config.json")
        self.config = read_config(cfg) if os.path.exists(cfg) else {}

    def f32(self, name: str, base_shape: tuple) -> np.ndarray:
        """The model's tensor for `name` in fp32, with the shape rules applied."""
        if name in self.tensors:
            x = to_f32(self.tensors[name])
        elif name.endswith("lm_head.weight") and self.config.get("tie_word_embeddings", False):
            # The expert ties its embeddings: its input embedding stands in for lm_head.
            src = next((n for n in _INPUT_EMBED_NAMES if n in self.tensors), None)
            if src is None:
                raise ValueError(f"{self.path}: no {name} and no input embedding")
            x = to_f32(self.tensors[src])
        else:
            raise ValueError(f"{self.path}: missing tensor {name}")
        if tuple(x.shape) != tuple(base_shape):
            is_embed = any(s in name for s in _EMBED_SHAPE_MARKERS)
            if (is_embed and x.ndim == len(base_shape) and x.ndim >= 1
                    and tuple(x.shape[1:]) == tuple(base_shape[1:]) and x.shape[0] > base_shape[0]):
                x = np.ascontiguousarray(x[: base_shape[0]])  # first rows, as mergekit does
            else:
                raise ValueError(f"{self.path}: {name} has shape {x.shape}, base has {base_shape}")
        return x


class Slot:
    """One output tensor (contract, "Slices"): its name and t, the reference tensor that gives its
    shape and dtype, the base tensor (or None), the merged inputs, the slice's parameters."""

    def __init__(self, name, t, ref, ref_name, base, inputs, slice_params):
        self.name, self.t, self.ref, self.ref_name = name, t, ref, ref_name
        self.base = base          # (Model, tensor name) or None
        self.inputs = inputs      # [(Model, tensor name, own parameters)]
        self.slice_params = slice_params or {}


NEEDS_BASE = tuple(GTA_METHODS) + ("slerp", "model_stock")


def _models_slots(config, method, load):
    """models: every tensor of the base (else the first model) under its own name."""
    entries = config.get("models") or []
    base_path = config.get("base_model") or entries[0]["model"]
    base = load(base_path)
    listed = [(e["model"], coerce_parameters(e.get("parameters")) or {}) for e in entries]
    if method in NEEDS_BASE:
        listed = [(p, prm) for p, prm in listed if p != base_path]  # the base skipped if listed
    prefixes = layer_prefixes(list(base.tensors))
    slots = []
    for n in base.tensors:
        slots.append(Slot(n, tensor_t(n, prefixes), base, n,
                          (base, n) if config.get("base_model") else None,
                          [(load(p), n, prm) for p, prm in listed], {}))
    return slots, base, None


class _Stack:
    """A model's single stack of numbered layers, and the tensors before / after it."""

    def __init__(self, model):
        prefixes = layer_prefixes(list(model.tensors))
        if len(prefixes) != 1:
            raise ValueError(f"{model.path}: slices need exactly one stack of numbered layers")
        (self.prefix, indices), = prefixes.items()
        self.count = max(indices) + 1
        self.layers = {i: [] for i in range(self.count)}
        self.pre, self.post = [], []
        for n in model.tensors:
            m = _LAYER_RE.search(n)
            if m:
                self.layers[int(m.group(2))].append(n)
            elif any(k in n for k in _PRE_WEIGHT_MARKERS) and "embed_out" not in n \
                    and not n.startswith("lm_head"):
                self.pre.append(n)
            else:
                self.post.append(n)


def renumber(name: str, index: int) -> str:
    """The tensor `name` of a numbered layer moved to layer `index`."""
    m = _LAYER_RE.search(name)
    return name[: m.start(2)] + str(index) + name[m.end(2):]


def _slices_slots(config, method, load):
    """slices: the first slice's pre-weights, every slice's layers renumbered from 0, the last
    slice's post-weights (from its first m sources, m = number of sources of the first slice)."""
    top_base = config.get("base_model")
    slices = []
    for k, sl in enumerate(config["slices"]):
        sources = []
        for src in sl["sources"]:
            mdl = load(src["model"])
            first, end = (int(x) for x in src["layer_range"])
            if not 0 <= first <= end <= _Stack(mdl).count:
                raise ValueError(f"slices[{k}]: layer_range {src['layer_range']} outside {mdl.path}")
            sources.append((mdl, first, end, coerce_parameters(src.get("parameters")) or {}))
        if len({end - first for _, first, end, _ in sources}) != 1:
            raise ValueError(f"slices[{k}]: sources of different lengths")
        if len({s[0].path for s in sources}) != len(sources):
            raise ValueError(f"slices[{k}]: a model listed twice")
        base_path = sl.get("base_model") or top_base
        slices.append((sources, base_path, coerce_parameters(sl.get("parameters")) or {}))

    def roles(sources, base_path):
        base = next((s for s in sources if base_path is not None and s[0].path == base_path), None)
        if method in NEEDS_BASE and base is None:
            raise ValueError(f"{method}: the base model must be one of the slice's sources")
        inputs = [s for s in sources if s is not base] if method in NEEDS_BASE else list(sources)
        return base, inputs, base or sources[0]

    def outside(sources, base_path, params, which):
        base, inputs, ref = roles(sources, base_path)
        names = getattr(_Stack(ref[0]), which)
        return [Slot(n, 0.0, ref[0], n, (base[0], n) if base else None,
                     [(s[0], n, s[3]) for s in inputs], params) for n in names]

    first_sources, first_base, first_params = slices[0]
    slots = outside(first_sources, first_base, first_params, "pre")
    layer = 0
    for sources, base_path, params in slices:
        base, inputs, ref = roles(sources, base_path)
        length = sources[0][2] - sources[0][1]
        for k in range(length):
            t = layer_t(k, length)
            for n in _Stack(ref[0]).layers[ref[1] + k]:
                slots.append(Slot(renumber(n, layer), t, ref[0], n,
                                  (base[0], renumber(n, base[1] + k)) if base else None,
                                  [(s[0], renumber(n, s[1] + k), s[3]) for s in inputs], params))
            layer += 1
    last_sources, last_base, last_params = slices[-1]
    slots += outside(last_sources[: len(first_sources)], last_base, last_params, "post")
    donor = load(top_base) if top_base else roles(first_sources, first_base)[2][0]
    return slots, donor, layer


def merge(config: dict, root: str, seed: int = 0):
    """Runs the merge described by `config` (a parsed mergekit-style YAML) with model paths
    relative to `root`. Returns a list of (name, Tensor) in output order."""
    out, _ = merge_with_config(config, root, seed)
    return out


def merge_with_config(config: dict, root: str, seed: int = 0):
    """`merge`, plus the output's config.json (the donor's, dtype and layer count set)."""
    method = config["merge_method"]
    if method not in METHODS:
        raise ValueError(f"unknown merge_method {method!r}")
    cache = {}

    def load(p):
        if p not in cache:
            cache[p] = Model(root, p)
        return cache[p]

    if config.get("slices"):
        slots, donor, layers = _slices_slots(config, method, load)
    else:
        slots, donor, layers = _models_slots(config, method, load)
    top = coerce_parameters(config.get("parameters")) or {}
    out_code = config.get("out_dtype") or config.get("dtype")
    out_code = dtype_code(out_code) if out_code else None
    floats = [sl for sl in slots if sl.ref.tensors[sl.ref_name].dtype in FLOAT_DTYPES]

    def model_p(key, sl, j, default=_MISSING):
        _, in_name, own = sl.inputs[j]
        return lookup(key, in_name, sl.t, own, top, default, sl.slice_params)

    def method_p(key, sl, default=_MISSING):
        return lookup(key, sl.name, sl.t, None, top, default, sl.slice_params)

    results = {}
    if method in GTA_METHODS:
        results = _merge_gta(method, floats, model_p, method_p, seed)
    else:
        for sl in floats:
            b = to_f32(sl.ref.tensors[sl.ref_name])
            thetas = [mdl.f32(n, b.shape) for mdl, n, _ in sl.inputs]
            if method == "linear":
                weights = [float(model_p("weight", sl, j, 1.0)) for j in range(len(thetas))]  # A8
                normalize = bool(method_p("normalize", sl, True))
                results[sl.name] = linear(thetas, weights, normalize=normalize)
            elif method == "slerp":
                if len(thetas) != 1:
                    raise ValueError("slerp needs exactly two models: the base and one other")
                results[sl.name] = slerp(b, thetas[0], float(method_p("t", sl)))
            elif method == "model_stock":
                if len(thetas) < 2:
                    raise ValueError("model_stock needs the base and at least two others")
                fw = bool(method_p("filter_wise", sl, False))
                results[sl.name] = model_stock(b, thetas, filter_wise=fw)
            elif method == "passthrough":
                if len(thetas) != 1 or (sl.base is not None and sl.base[0] is not sl.inputs[0][0]):
                    raise ValueError("passthrough takes exactly one model")
                scale = float(model_p("scale", sl, 0, 1.0))
                results[sl.name] = thetas[0] if scale == 1 else (thetas[0] * f32(scale)).astype(F32)

    out = []
    for sl in slots:
        src = sl.ref.tensors[sl.ref_name]
        if src.dtype not in FLOAT_DTYPES:
            out.append((sl.name, Tensor(src.dtype, src.shape, src.data.copy())))  # copied unchanged
            continue
        out.append((sl.name, from_f32(results[sl.name], out_code or src.dtype)))
    cfg = dict(donor.config)
    if out_code:
        cfg["dtype" if "dtype" in cfg else "torch_dtype"] = {"F32": "float32", "F16": "float16",
                                                             "BF16": "bfloat16"}[out_code]
    if layers is not None:
        cfg["num_hidden_layers" if "num_hidden_layers" in cfg or "n_layer" not in cfg
            else "n_layer"] = layers
    return out, cfg


def _merge_gta(method, slots, model_p, method_p, seed):
    kind, consensus, normalize_default, rescale_default = GTA_METHODS[method]
    base32 = {sl.name: to_f32(sl.ref.tensors[sl.ref_name]) for sl in slots}
    # τᵢ = θᵢ − θ₀ (fp32), per output tensor per expert
    taus = {sl.name: [(mdl.f32(n, base32[sl.name].shape) - base32[sl.name]).astype(F32)
                      for mdl, n, _ in sl.inputs] for sl in slots}
    n_experts = len(slots[0].inputs) if slots else 0

    sparse = {sl.name: list(taus[sl.name]) for sl in slots}
    if kind is not None:
        scopes = {str(model_p("sparsify_scope", sl, j, "tensor"))
                  for sl in slots for j in range(len(sl.inputs))}
        if kind in ("magnitude", "magnitude_outliers") and "model" in scopes:
            if scopes != {"model"}:
                raise ValueError("sparsify_scope must be the same for every tensor of an expert")
            if any([m.path for m, _, _ in sl.inputs] != [m.path for m, _, _ in slots[0].inputs]
                   for sl in slots):
                raise ValueError("sparsify_scope: model needs the same models in every tensor")
            for j in range(n_experts):
                dens = {float(model_p("density", sl, j, 1.0)) for sl in slots}
                gams = {float(model_p("gamma", sl, j, 0.01)) for sl in slots}
                if len(dens) != 1 or (kind == "magnitude_outliers" and len(gams) != 1):
                    raise ValueError("sparsify_scope: model needs one density (and gamma) per expert")
                outs = sparsify_model_scope(
                    [taus[sl.name][j] for sl in slots], kind, dens.pop(), gams.pop(),
                    [bool(model_p("rescale", sl, j, rescale_default)) for sl in slots],
                    [str(model_p("rescale_mode", sl, j, "l1")) for sl in slots])
                for sl, o in zip(slots, outs):
                    sparse[sl.name][j] = o
        else:
            for sl in slots:
                for j in range(len(sl.inputs)):
                    sparse[sl.name][j] = sparsify(
                        taus[sl.name][j], kind, float(model_p("density", sl, j, 1.0)),
                        gamma=float(model_p("gamma", sl, j, 0.01)),
                        epsilon=float(model_p("epsilon", sl, j, 0.15)),
                        rescale=bool(model_p("rescale", sl, j, rescale_default)),
                        rescale_mode=str(model_p("rescale_mode", sl, j, "l1")),
                        seed=seed, name=sl.name, model_index=j + 1)

    results = {}
    for sl in slots:
        weights = [float(model_p("weight", sl, j, 1.0)) for j in range(len(sl.inputs))]  # A8
        normalize = bool(method_p("normalize", sl, normalize_default))  # A6
        lam = float(method_p("lambda", sl, 1.0))
        results[sl.name] = combine_task_vectors(base32[sl.name], sparse[sl.name], weights,
                                                consensus=consensus, normalize=normalize, lam=lam)
    return results
