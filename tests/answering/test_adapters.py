"""LoRA adapters on the app's LLM server: written with the gguf package, served on the one base model."""

import hashlib
from pathlib import Path

import numpy as np
import pytest

from answering.llm import AdapterRef, AdapterRejected, GenerationParams, OpenAICompatibleModel
from answering.lora import base_weight_shapes, model_architecture, read_adapter_info, write_lora_adapter

pytestmark = pytest.mark.slow

GREEDY = GenerationParams(temperature=0, max_tokens=16, seed=0)
QUESTION = [
    {"role": "system", "content": "Answer in one sentence."},
    {"role": "user", "content": "What does the --dry-run option of rsync do?"},
]
RANK = 4


@pytest.fixture(scope="module")
def base_path():
    from django.conf import settings

    from answering.packaged_models import ensure_packaged_model, packaged_model

    return ensure_packaged_model(packaged_model(settings.LLM_MODEL), settings.MODELS_DIR)


@pytest.fixture(scope="module")
def base(base_path):
    """The base model's architecture and adapted weight shapes, read once: each read parses its whole vocabulary."""
    return model_architecture(base_path), base_weight_shapes(base_path)


@pytest.fixture(scope="module")
def chat_model(llm_server):
    from rag_app.chat import llm_settings

    return OpenAICompatibleModel(llm_settings.llm_config())


def _adapter(folder: Path, base: tuple, name: str, b_scale: float, rank: int = RANK, shape_of=None) -> AdapterRef:
    """Write an adapter on the base model's query and value weights; B is zero when ``b_scale`` is 0."""
    architecture, shapes = base
    generator = np.random.default_rng(0)
    weights = {}
    for weight, (outputs, inputs) in shapes.items():
        outputs, inputs = shape_of(outputs, inputs) if shape_of else (outputs, inputs)
        lora_a = generator.standard_normal((rank, inputs)).astype(np.float32) * 0.05
        lora_b = generator.standard_normal((outputs, rank)).astype(np.float32) * b_scale
        weights[weight] = (lora_a, lora_b)
    path = write_lora_adapter(folder / f"{name}.gguf", architecture, weights, alpha=rank, name=name)
    return AdapterRef(name=name, sha256=hashlib.sha256(path.read_bytes()).hexdigest(), path=str(path))


def _answer(model: OpenAICompatibleModel, adapter: AdapterRef | None = None) -> str:
    generation = model.generate(QUESTION, GREEDY, adapter=adapter)
    for _piece in generation:
        pass
    return generation.text


def _rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))


def test_the_written_adapter_describes_itself(tmp_path, base):
    adapter = _adapter(tmp_path, base, "described", b_scale=0.0)

    info = read_adapter_info(Path(adapter.path))

    assert info.architecture == base[0]
    assert info.rank == RANK
    assert info.adapted == len(base[1])


def test_an_all_zero_adapter_leaves_the_answer_identical(tmp_path, base, chat_model):
    plain = _answer(chat_model)

    assert _answer(chat_model, _adapter(tmp_path, base, "zero", b_scale=0.0)) == plain


def test_a_non_zero_adapter_changes_the_answer_and_the_next_plain_answer_is_unchanged(tmp_path, base, chat_model):
    plain = _answer(chat_model)

    adapted = _answer(chat_model, _adapter(tmp_path, base, "strong", b_scale=0.5))

    assert adapted != plain
    assert _answer(chat_model) == plain


def test_an_adapter_costs_no_second_copy_of_the_base_model(tmp_path, base, base_path, chat_model, llm_server):
    _answer(chat_model)
    before = _rss_kib(llm_server.pid)

    _answer(chat_model, _adapter(tmp_path, base, "small", b_scale=0.5))

    grown_mib = (_rss_kib(llm_server.pid) - before) / 1024
    assert grown_mib < base_path.stat().st_size / 2**20 / 4


def test_an_adapter_for_other_shapes_is_refused_and_the_server_goes_on(tmp_path, base, chat_model):
    plain = _answer(chat_model)
    wrong = _adapter(tmp_path, base, "wrong", b_scale=0.5, shape_of=lambda outputs, inputs: (outputs, inputs + 8))

    with pytest.raises(AdapterRejected, match="could not load this adapter"):
        _answer(chat_model, wrong)

    assert _answer(chat_model) == plain
