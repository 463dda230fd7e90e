"""The LLM client against real llama.cpp servers (answering.llm_server) running the packaged models."""

import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from answering.llm import GenerationParams, LLMConfig, LLMUnavailable, OpenAICompatibleModel, StopReason
from answering.packaged_models import GEMMA_3_270M, ensure_packaged_model
from rag_app.core.processes import stop_process
from tests.settings import _free_port

pytestmark = pytest.mark.slow

SHORT_ANSWER = GenerationParams(temperature=0, max_tokens=24, seed=0)
LONG_ANSWER = GenerationParams(temperature=0, max_tokens=300, seed=0, repeat_penalty=1.0)
QUESTION = [
    {"role": "system", "content": "Answer in one sentence."},
    {"role": "user", "content": "How do I reset a router to its factory settings?"},
]
# Generous bound that only trips when a caller hangs behind a running answer.
HANG_TIMEOUT_S = 60


def _start_server(model: str, log_path: Path, models_dir: str | None = None) -> tuple[subprocess.Popen, str]:
    from django.conf import settings

    port = _free_port()
    command = [sys.executable, "-m", "answering.llm_server", "--model", model]
    command += ["--models-dir", models_dir or str(settings.MODELS_DIR), "--port", str(port), "--n-ctx", "2048"]
    with log_path.open("w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"The LLM server exited with {server.returncode}:\n{log_path.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/manualist/model", timeout=1).is_success:
                return server, url
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"The LLM server did not answer in time:\n{log_path.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def chat_model(llm_server):
    """A client of the session's LLM server, which serves the app's default (instruction-tuned) model."""
    from rag_app.chat import llm_settings

    return OpenAICompatibleModel(llm_settings.llm_config())


@pytest.fixture(scope="module")
def base_model_url(tmp_path_factory):
    """A server of the packaged Gemma 3 270M base model, which has no chat template."""
    server, url = _start_server(GEMMA_3_270M.key, tmp_path_factory.mktemp("gemma") / "server.log")
    yield url
    stop_process(server)


def test_the_server_describes_the_model_it_serves(chat_model):
    from django.conf import settings

    from answering.packaged_models import packaged_model

    expected = packaged_model(settings.LLM_MODEL)
    assert chat_model.info.file_name == expected.file_name
    assert chat_model.info.sha256 == expected.sha256
    assert chat_model.info.quantization == "Q4_K_M"
    assert chat_model.info.chat_template is True
    assert chat_model.context_size == settings.LLM_CONTEXT_SIZE


def test_an_instruction_model_streams_its_answer_in_pieces(chat_model):
    generation = chat_model.generate(QUESTION, SHORT_ANSWER)

    pieces = list(generation)

    assert len(pieces) >= 3
    assert "".join(pieces).strip()
    assert generation.stop_reason in (StopReason.FINISHED, StopReason.LENGTH)


def test_tokens_are_counted_while_another_answer_streams(chat_model):
    generation = chat_model.generate(QUESTION, LONG_ANSWER)
    stream = iter(generation)
    next(stream)
    started = time.monotonic()

    count = chat_model.count_tokens("Hold the reset button for ten seconds.")

    assert 5 <= count <= 15
    assert time.monotonic() - started < 2
    stream.close()


def test_two_questions_at_once_both_get_whole_answers(chat_model):
    results = [None, None]

    def ask(index):
        generation = chat_model.generate(QUESTION, SHORT_ANSWER)
        results[index] = ("".join(generation), generation.stop_reason)

    threads = [threading.Thread(target=ask, args=(index,), daemon=True) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG_TIMEOUT_S * 2)

    assert all(results), "an answer is still waiting"
    # The second question waits its turn instead of cutting the first one short.
    assert [reason for _, reason in results] == [results[0][1]] * 2
    assert results[0][0] == results[1][0]


def test_a_base_model_is_sent_plain_text_to_continue(base_model_url):
    model = OpenAICompatibleModel(LLMConfig(base_url=base_model_url))
    messages = [{"role": "user", "content": "Question: What colour is the sky on a clear day?\nAnswer:"}]

    text = "".join(model.generate(messages, SHORT_ANSWER))

    assert model.info.chat_template is False
    assert model.info.file_name == GEMMA_3_270M.file_name
    assert text.strip()


def test_a_server_killed_mid_answer_fails_the_answer_with_a_reason(tmp_path):
    server, url = _start_server(GEMMA_3_270M.key, tmp_path / "server.log")
    try:
        model = OpenAICompatibleModel(LLMConfig(base_url=url))
        generation = model.generate([{"role": "user", "content": "Once upon a time"}], LONG_ANSWER)
        stream = iter(generation)
        next(stream)
        os.kill(server.pid, signal.SIGKILL)

        with pytest.raises(LLMUnavailable, match="stopped in the middle of the answer"):
            list(stream)
        assert generation.stop_reason == StopReason.ERROR
    finally:
        stop_process(server)


def test_an_unreachable_server_is_reported_with_the_fix():
    url = f"http://127.0.0.1:{_free_port()}"
    model = OpenAICompatibleModel(LLMConfig(base_url=url, connect_timeout=2))

    with pytest.raises(LLMUnavailable, match="runapp"):
        list(model.generate(QUESTION, SHORT_ANSWER))


def test_another_server_is_described_from_the_configuration():
    # A server that is not the app's own (vLLM, Ollama) answers 404 for /manualist/model.
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        model = OpenAICompatibleModel(
            LLMConfig(base_url=url, model_name="Meta-Llama-3-8B-Instruct.Q5_K_S.gguf", context_size=8192)
        )

        assert model.info.file_name == "Meta-Llama-3-8B-Instruct.Q5_K_S.gguf"
        assert model.info.quantization == "Q5_K_S"
        assert model.info.backend == "openai-compatible"
        assert model.context_size == 8192
        assert model.info.chat_template is True
    finally:
        server.shutdown()


def _use_extra_bufts_after_load(disable: bool, gguf: Path) -> str:
    code = (
        "import sys\n"
        "from answering.llm_server import disable_weight_repacking\n"
        "from llama_cpp import Llama\n"
        f"{'disable_weight_repacking()' if disable else ''}\n"
        f"llama = Llama(model_path={str(gguf)!r}, vocab_only=True, verbose=False)\n"
        "print(llama.model_params.use_extra_bufts)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_models_load_without_the_weight_repacking_that_crashes_on_amx_cpus():
    from django.conf import settings

    gguf = ensure_packaged_model(GEMMA_3_270M, settings.MODELS_DIR)

    assert _use_extra_bufts_after_load(True, gguf) == "False"
    # llama.cpp's default would repack, which is what the server must not do.
    assert _use_extra_bufts_after_load(False, gguf) == "True"
