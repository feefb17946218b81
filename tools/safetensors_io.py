"""Minimal hand-written safetensors reader/writer (numpy only), plus a config.json writer.

File layout:
    8 bytes   little-endian u64 N (header length, counts the padding)
    N bytes   UTF-8 JSON header, padded with spaces to a multiple of 8:
              {"__metadata__":{"format":"pt"},
               "name":{"dtype":"F32","shape":[..],"data_offsets":[begin,end]}, ...}
    rest      data section; offsets are relative to its start, contiguous, in header order.

Tensors are represented by `Tensor(dtype, shape, data)` where `data` is a flat numpy array
holding the stored values: float32 for F32, float16 for F16, uint16 bit patterns for BF16,
int64 for I64, etc. `to_f32` decodes a floating tensor exactly as a reader would.
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass

import numpy as np

# safetensors dtype name -> numpy storage dtype (little-endian)
STORAGE = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),  # raw bit patterns
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("u1"),
}

# The floating dtypes that are merged (everything else is copied from the base).
FLOAT_DTYPES = ("F32", "F16", "BF16")


@dataclass
class Tensor:
    dtype: str
    shape: tuple
    data: np.ndarray  # flat, storage dtype

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if len(self.shape) else 1


# ---------------------------------------------------------------------------------------------
# bf16 / f16 conversions
# ---------------------------------------------------------------------------------------------

def bf16_bits_to_f32(bits: np.ndarray) -> np.ndarray:
    """bf16 bit patterns -> fp32: the 16 bits become the top half of the fp32 pattern."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << np.uint32(16)).view(np.float32)


def f32_to_bf16_bits(x: np.ndarray) -> np.ndarray:
    """fp32 -> bf16 bit patterns, round to nearest, ties to even; NaN becomes a quiet NaN."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    u = x.view(np.uint32).astype(np.uint64)  # uint64 so the rounding add cannot wrap
    lsb = (u >> np.uint64(16)) & np.uint64(1)
    rounded = ((u + np.uint64(0x7FFF) + lsb) >> np.uint64(16)) & np.uint64(0xFFFF)
    nan = np.isnan(x)
    quiet = ((u >> np.uint64(16)) | np.uint64(0x0040)) & np.uint64(0xFFFF)
    return np.where(nan, quiet, rounded).astype(np.uint16)


def f32_to_f16(x: np.ndarray) -> np.ndarray:
    """fp32 -> fp16, round to nearest even (numpy's conversion is correctly rounded)."""
    return np.asarray(x, dtype=np.float32).astype(np.float16)


def to_f32(t: Tensor) -> np.ndarray:
    """Decode a floating tensor to an fp32 array of its shape."""
    if t.dtype == "F32":
        out = t.data.astype(np.float32)
    elif t.dtype == "F16":
        out = t.data.astype(np.float32)  # exact widening
    elif t.dtype == "BF16":
        out = bf16_bits_to_f32(t.data)
    else:
        raise ValueError(f"{t.dtype} is not a floating merge dtype")
    return out.reshape(t.shape)


def from_f32(x: np.ndarray, dtype: str) -> Tensor:
    """Encode an fp32 array as a Tensor of `dtype` (F32, F16 or BF16) with RNE rounding."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    shape = tuple(int(s) for s in x.shape)
    flat = x.reshape(-1)
    if dtype == "F32":
        data = flat.copy()
    elif dtype == "F16":
        data = f32_to_f16(flat)
    elif dtype == "BF16":
        data = f32_to_bf16_bits(flat)
    else:
        raise ValueError(f"cannot encode fp32 as {dtype}")
    return Tensor(dtype, shape, data)


def round_to_dtype(x: np.ndarray, dtype: str) -> np.ndarray:
    """fp32 -> dtype -> fp32 (the value a reader would see after storing x as dtype)."""
    return to_f32(from_f32(x, dtype))


# ---------------------------------------------------------------------------------------------
# Reading and writing
# ---------------------------------------------------------------------------------------------

def read_safetensors(path: str):
    """Returns (tensors, metadata): tensors is a dict name -> Tensor in header order."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", None)
    tensors = {}
    for name, info in header.items():
        dtype = info["dtype"]
        shape = tuple(int(s) for s in info["shape"])
        begin, end = info["data_offsets"]
        storage = STORAGE[dtype]
        arr = np.frombuffer(data[begin:end], dtype=storage).copy()
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if arr.size != count:
            raise ValueError(f"{name}: {arr.size} elements for shape {shape}")
        tensors[name] = Tensor(dtype, shape, arr)
    return tensors, metadata


def write_safetensors(path: str, tensors, metadata=None) -> None:
    """tensors: iterable of (name, Tensor) (or a dict), written in the given order."""
    items = list(tensors.items()) if isinstance(tensors, dict) else list(tensors)
    header = {"__metadata__": dict(metadata) if metadata is not None else {"format": "pt"}}
    chunks = []
    offset = 0
    for name, t in items:
        storage = STORAGE[t.dtype]
        buf = np.ascontiguousarray(t.data, dtype=storage).tobytes()
        count = int(np.prod(t.shape, dtype=np.int64)) if len(t.shape) else 1
        if len(buf) != count * storage.itemsize:
            raise ValueError(f"{name}: data does not match shape {t.shape}")
        header[name] = {
            "dtype": t.dtype,
            "shape": [int(s) for s in t.shape],
            "data_offsets": [offset, offset + len(buf)],
        }
        chunks.append(buf)
        offset += len(buf)
    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hbytes += b" " * ((-len(hbytes)) % 8)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for c in chunks:
            f.write(c)


def write_config(path: str, config: dict) -> None:
    """Writes a Hugging Face-style config.json (keys in the given order)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


def read_config(path: str) -> dict:
    with open(path, "r", encoding="utf-8") as f:
        return json.load(f)
