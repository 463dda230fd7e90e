"""Read and write LoRA adapters in llama.cpp's GGUF format.

An adapter file holds, for each adapted weight ``W`` of the base model (named as in the
base GGUF, e.g. ``blk.0.attn_q.weight``), two tensors ``<name>.lora_a`` (rank by inputs)
and ``<name>.lora_b`` (outputs by rank); llama.cpp adds ``scale * alpha / rank * B @ A @ x`` to
``W·x``. The metadata says it is a LoRA adapter and for which architecture.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ADAPTER_TYPE = "lora"


class AdapterError(ValueError):
    """The file is not a usable LoRA adapter; the message says why."""


@dataclass(frozen=True)
class AdapterInfo:
    """What an adapter file says about itself."""

    architecture: str
    rank: int
    alpha: float
    adapted: int  # how many base weights it changes


def read_adapter_info(path: Path) -> AdapterInfo:
    """Return the adapter's architecture, rank and alpha; raise AdapterError when it is not a LoRA GGUF."""
    import gguf

    try:
        reader = gguf.GGUFReader(path)
    except (ValueError, OSError, IndexError) as error:
        raise AdapterError(f"This is not a GGUF file ({error}).") from error
    fields = {name: _field_value(field) for name, field in reader.fields.items()}
    if fields.get(gguf.Keys.General.TYPE) != gguf.GGUFType.ADAPTER:
        raise AdapterError("This GGUF file is a model, not an adapter (its general.type is not 'adapter').")
    if fields.get(gguf.Keys.Adapter.TYPE) != ADAPTER_TYPE:
        raise AdapterError(f"Only LoRA adapters are supported; this one is {fields.get(gguf.Keys.Adapter.TYPE)!r}.")
    architecture = fields.get(gguf.Keys.General.ARCHITECTURE)
    if not architecture:
        raise AdapterError("The adapter does not say which model architecture it is for.")
    pairs = [tensor for tensor in reader.tensors if tensor.name.endswith(".lora_a")]
    if not pairs:
        raise AdapterError("The adapter holds no LoRA tensors.")
    # GGUF stores shapes innermost first: lora_a is [inputs, rank].
    rank = int(pairs[0].shape[1])
    return AdapterInfo(
        architecture=str(architecture),
        rank=rank,
        alpha=float(fields.get(gguf.Keys.Adapter.LORA_ALPHA) or rank),
        adapted=len(pairs),
    )


def write_lora_adapter(
    path: Path, architecture: str, weights: Mapping[str, tuple[np.ndarray, np.ndarray]], alpha: float, name: str = ""
) -> Path:
    """Write ``weights`` ({base weight name: (A, B)}, A rank by inputs, B outputs by rank) as a GGUF adapter."""
    import gguf

    if not weights:
        raise AdapterError("An adapter needs at least one adapted weight.")
    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, ADAPTER_TYPE)
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(alpha))
    if name:
        writer.add_name(name)
    for base_name, (lora_a, lora_b) in weights.items():
        if lora_a.shape[0] != lora_b.shape[1]:
            raise AdapterError(f"{base_name}: A has rank {lora_a.shape[0]} but B has rank {lora_b.shape[1]}.")
        writer.add_tensor(f"{base_name}.lora_a", np.ascontiguousarray(lora_a, dtype=np.float32))
        writer.add_tensor(f"{base_name}.lora_b", np.ascontiguousarray(lora_b, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def base_weight_shapes(model_path: Path, names: tuple[str, ...] = ("attn_q", "attn_v")) -> dict[str, tuple[int, int]]:
    """Return (outputs, inputs) of the base model's weights whose names contain one of ``names``."""
    import gguf

    reader = gguf.GGUFReader(model_path)
    shapes = {}
    for tensor in reader.tensors:
        if tensor.name.endswith(".weight") and any(f".{part}." in tensor.name for part in names):
            inputs, outputs = (int(n) for n in tensor.shape[:2])
            shapes[tensor.name] = (outputs, inputs)
    return shapes


def model_architecture(model_path: Path) -> str:
    """Return the ``general.architecture`` a GGUF model declares."""
    import gguf

    field = gguf.GGUFReader(model_path).fields.get(gguf.Keys.General.ARCHITECTURE)
    return str(_field_value(field)) if field else ""


def _field_value(field):
    """Return a GGUF metadata field's scalar or string value (None for arrays)."""
    import gguf

    if not field.types or field.types[0] == gguf.GGUFValueType.ARRAY:
        return None
    part = field.parts[field.data[0]]
    if field.types[0] == gguf.GGUFValueType.STRING:
        return bytes(part).decode("utf-8", errors="replace")
    return part.tolist()[0]
