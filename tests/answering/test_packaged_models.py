"""Packaged models: joined from their PyPI parts once, checked by size, sha256 and GGUF metadata."""

import hashlib
import sys
import threading

import pytest

from answering import packaged_models
from answering.packaged_models import (
    GEMMA_3_270M,
    PACKAGED_MODELS,
    ModelFileError,
    PackagedModel,
    check_gguf_metadata,
    ensure_packaged_model,
    packaged_model,
)


def _write_gguf(path, architecture: str, chat_template: str | None = None) -> None:
    import gguf
    import numpy as np

    writer = gguf.GGUFWriter(str(path), architecture)
    if chat_template:
        writer.add_chat_template(chat_template)
    writer.add_tensor("token_embd.weight", np.zeros((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


@pytest.fixture
def part_package(tmp_path, monkeypatch):
    """Install a one-part package on sys.path, holding a tiny GGUF; return a PackagedModel for it."""
    package = tmp_path / "site" / "fake_model_part1"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    _write_gguf(package / "data" / "part01.bin", "qwen2", chat_template="{{ messages }}")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    data = (package / "data" / "part01.bin").read_bytes()

    def make(**changes) -> PackagedModel:
        fields = {
            "key": "fake",
            "file_name": "fake.gguf",
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "parts": (("fake_model_part1", "part01.bin"),),
            "architecture": "qwen2",
            "has_chat_template": True,
        }
        return PackagedModel(**{**fields, **changes})

    yield make
    sys.modules.pop("fake_model_part1", None)


def test_a_model_is_joined_from_its_parts_and_checked(part_package, tmp_path):
    model = part_package()

    path = ensure_packaged_model(model, tmp_path / "models")

    assert path == tmp_path / "models" / "fake.gguf"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == model.sha256


def test_a_verified_model_is_not_joined_again(part_package, tmp_path, monkeypatch):
    model = part_package()
    ensure_packaged_model(model, tmp_path)

    def fail(*args):
        raise AssertionError("joined again")

    monkeypatch.setattr(packaged_models, "_assemble_atomically", fail)

    assert ensure_packaged_model(model, tmp_path).exists()


def test_callers_racing_at_first_use_join_the_model_once(part_package, tmp_path, monkeypatch):
    model = part_package()
    calls = []
    real = packaged_models._assemble_atomically
    monkeypatch.setattr(packaged_models, "_assemble_atomically", lambda *args: calls.append(1) or real(*args))

    threads = [threading.Thread(target=ensure_packaged_model, args=(model, tmp_path)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert calls == [1]


def test_parts_that_join_to_the_wrong_bytes_are_refused_and_nothing_is_left(part_package, tmp_path):
    model = part_package(sha256="0" * 64)

    with pytest.raises(ModelFileError, match=r"expected .* sha256 0000"):
        ensure_packaged_model(model, tmp_path)
    assert list(tmp_path.glob("*.gguf")) == []
    assert list(tmp_path.glob(".*.part")) == []


def test_a_missing_part_package_is_named_with_the_fix(part_package, tmp_path):
    model = part_package(parts=(("not_installed_part9", "part09.bin"),))

    with pytest.raises(ModelFileError, match="needs the package not-installed-part9; reinstall"):
        ensure_packaged_model(model, tmp_path)


def test_a_file_of_another_architecture_is_refused(part_package, tmp_path):
    model = part_package(architecture="gemma3")

    with pytest.raises(ModelFileError, match="is a qwen2 model, expected gemma3"):
        ensure_packaged_model(model, tmp_path)


def test_a_base_model_file_is_refused_where_a_chat_model_is_expected(tmp_path):
    path = tmp_path / "base.gguf"
    _write_gguf(path, "qwen2")

    with pytest.raises(ModelFileError, match="should carry a chat template"):
        check_gguf_metadata(path, "qwen2", has_chat_template=True)


def test_a_file_that_is_not_gguf_is_refused(tmp_path):
    path = tmp_path / "junk.gguf"
    path.write_bytes(b"<html>not a model</html>" * 100)

    with pytest.raises(ModelFileError, match="not a readable GGUF"):
        check_gguf_metadata(path, "qwen2", has_chat_template=True)


def test_an_unknown_model_name_lists_the_packaged_ones():
    with pytest.raises(ModelFileError, match=r"qwen2\.5-coder-1\.5b-instruct"):
        packaged_model("llama-70b")


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(PACKAGED_MODELS))
def test_each_packaged_model_joins_to_its_pinned_sha256(key):
    from django.conf import settings

    model = PACKAGED_MODELS[key]
    path = ensure_packaged_model(model, settings.MODELS_DIR)

    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(8 * 1024 * 1024):
            digest.update(block)
    assert digest.hexdigest() == model.sha256
    assert path.stat().st_size == model.size
    check_gguf_metadata(path, model.architecture, model.has_chat_template)


def test_the_base_model_is_the_one_without_a_chat_template():
    assert [m.key for m in PACKAGED_MODELS.values() if not m.has_chat_template] == [GEMMA_3_270M.key]
