"""Build the LLM client, its generation parameters and its local server's command from Django settings."""

import sys
from urllib.parse import urlparse

from django.conf import settings

from answering.llm import GenerationParams, LLMConfig, OpenAICompatibleModel, load_chat_model

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def llm_config() -> LLMConfig:
    return LLMConfig(
        base_url=settings.LLM_BASE_URL,
        model_name=settings.LLM_MODEL_NAME,
        api_key=settings.LLM_API_KEY,
        context_size=settings.LLM_CONTEXT_SIZE,
        read_timeout=settings.LLM_READ_TIMEOUT,
        stall_timeout=settings.LLM_STALL_TIMEOUT,
        total_timeout=settings.LLM_TOTAL_TIMEOUT,
    )


def chat_model() -> OpenAICompatibleModel:
    """Return the process-wide client of the LLM server."""
    return load_chat_model(llm_config())


def generation_params() -> GenerationParams:
    return GenerationParams(
        temperature=settings.LLM_TEMPERATURE,
        max_tokens=settings.LLM_MAX_TOKENS,
        stop=tuple(settings.LLM_STOP),
        seed=settings.LLM_SEED,
        repeat_penalty=settings.LLM_REPEAT_PENALTY,
    )


def llm_server_is_local() -> bool:
    """Tell whether LLM_BASE_URL points at this machine, where the app may start the server itself."""
    return urlparse(settings.LLM_BASE_URL).hostname in LOOPBACK


def llm_server_command() -> list[str]:
    """The command that serves the configured model at LLM_BASE_URL (see ``answering.llm_server``)."""
    url = urlparse(settings.LLM_BASE_URL)
    return [
        sys.executable, "-m", "answering.llm_server",
        "--model", settings.LLM_MODEL_PATH or settings.LLM_MODEL, "--models-dir", str(settings.MODELS_DIR),
        "--host", url.hostname, "--port", str(url.port or 80),
        "--n-ctx", str(settings.LLM_CONTEXT_SIZE), "--threads", str(settings.LLM_THREADS),
    ]  # fmt: skip


def llm_health_url() -> str:
    """A URL any LLM server answers without waiting for a running answer.

    The app's own server serves it; another server's 404 still proves it is up, whereas
    llama-cpp-python's ``/v1/models`` waits for the model lock.
    """
    return settings.LLM_BASE_URL.rstrip("/").removesuffix("/v1") + "/manualist/model"
