"""Chat with an LLM, in-process through llama.cpp or over an OpenAI-compatible HTTP API.

Both backends stream text pieces and stop generating as soon as the caller stops
reading, so a closed browser tab frees the model for the next question.
"""

import hashlib
import json
import math
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from answering.bundled_model import BUNDLED_SHA256, ensure_bundled_gguf

if TYPE_CHECKING:
    from llama_cpp import Llama

# Without a real tokenizer, English prose in manuals averages about 3.5 characters a token.
_CHARS_PER_TOKEN_ESTIMATE = 3.5

_QUANTIZATION_IN_NAME = re.compile(r"(?<![a-z0-9])(i?q\d+(?:_[a-z0-9]+)*|bf16|f16|f32)(?![a-z0-9])", re.IGNORECASE)


class LLMUnavailable(Exception):
    """The LLM could not answer now (server down, timed out or refusing); retrying later may help."""


@dataclass(frozen=True)
class GenerationParams:
    """Sampling settings for one answer; the defaults favour faithful, repeatable answers."""

    temperature: float = 0.1
    max_tokens: int = 512
    stop: tuple[str, ...] = ()
    seed: int = 0
    top_p: float = 0.95


@dataclass(frozen=True)
class ModelInfo:
    """Identify the model that produced an answer, so answers can be audited later."""

    file_name: str
    sha256: str
    quantization: str
    backend: str
    context_size: int


@dataclass(frozen=True)
class LLMConfig:
    """Choose the LLM: a remote server when ``base_url`` is set, else a local GGUF.

    An empty ``model_path`` means the bundled model, assembled into ``models_dir``;
    ``n_threads`` 0 means all cores.
    """

    model_path: str = ""
    models_dir: str = ""
    base_url: str = ""
    remote_model_name: str = ""
    api_key: str = ""
    n_ctx: int = 4096
    n_threads: int = 0


class ChatModel(Protocol):
    """A chat LLM that streams answers and counts tokens with its own tokenizer."""

    info: ModelInfo

    def stream_chat(self, messages: list[dict], params: GenerationParams) -> Iterator[str]:
        """Yield the answer's text pieces as they are generated; stop when the caller stops."""
        ...

    def count_tokens(self, text: str) -> int:
        """Return how many tokens ``text`` takes in this model's context."""
        ...

    @property
    def context_size(self) -> int:
        """Return the number of tokens prompt and answer must fit in together."""
        ...


@cache
def load_chat_model(config: LLMConfig) -> ChatModel:
    """Return the configured chat model, loaded once per process."""
    if config.base_url:
        return OpenAICompatibleModel(
            config.base_url, config.remote_model_name, config.api_key, context_size=config.n_ctx
        )
    if config.model_path:
        return LlamaCppModel(config.model_path, config.n_ctx, config.n_threads or None)
    if not config.models_dir:
        raise ValueError("LLMConfig.models_dir must name a folder for the bundled model.")
    path = ensure_bundled_gguf(Path(config.models_dir))
    return LlamaCppModel(path, config.n_ctx, config.n_threads or None, sha256=BUNDLED_SHA256)


class LlamaCppModel:
    """Generate in this process with llama.cpp, one answer at a time per loaded model.

    Pass ``sha256`` when the file is already verified; otherwise it is hashed once
    per process for ``info``.
    """

    def __init__(
        self,
        path: str | Path,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        sha256: str | None = None,
    ):
        path = Path(path)
        self._llama, self._lock = _load_llama(str(path), n_ctx, n_threads or os.cpu_count() or 1)
        metadata = self._llama.metadata
        self._has_system_role = not _is_gemma(metadata)
        # A GGUF without a chat template is a base (pretrained) model, as the bundled
        # Gemma 3 270M is: it continues text well but does not know chat turns.
        self._completion_mode = "tokenizer.chat_template" not in metadata
        self.info = ModelInfo(
            file_name=path.name,
            sha256=sha256 if sha256 is not None else _file_sha256(path),
            quantization=_quantization_from_metadata(metadata) or _quantization_from_name(path.name),
            backend="llama.cpp",
            context_size=self._llama.n_ctx(),
        )

    @property
    def context_size(self) -> int:
        """Return the context window the model was loaded with."""
        return self.info.context_size

    def stream_chat(self, messages: list[dict], params: GenerationParams) -> Iterator[str]:
        """Yield answer pieces, waiting first for any answer already being generated.

        The model is held for the whole stream and released as soon as the caller
        stops iterating or closes the generator.
        """
        if self._completion_mode:
            yield from self._stream_completion(plain_prompt(messages), params)
            return
        if not self._has_system_role:
            messages = fold_system_into_first_user(messages)
        with self._lock:
            chunks = self._llama.create_chat_completion(
                messages=messages,
                stream=True,
                temperature=params.temperature,
                top_p=params.top_p,
                max_tokens=params.max_tokens,
                stop=list(params.stop),
                seed=params.seed,
            )
            try:
                for chunk in chunks:
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            finally:
                # Stop llama.cpp's own generator while the lock still guards the model.
                chunks.close()

    def _stream_completion(self, prompt: str, params: GenerationParams) -> Iterator[str]:
        """Continue a plain-text prompt, stopping where a base model would start a new example."""
        with self._lock:
            chunks = self._llama.create_completion(
                prompt,
                stream=True,
                temperature=params.temperature,
                top_p=params.top_p,
                max_tokens=params.max_tokens,
                stop=[*params.stop, *COMPLETION_STOPS],
                seed=params.seed,
            )
            try:
                for chunk in chunks:
                    piece = chunk["choices"][0]["text"]
                    if piece:
                        yield piece
            finally:
                # Stop llama.cpp's own generator while the lock still guards the model.
                chunks.close()

    def count_tokens(self, text: str) -> int:
        """Count tokens with the model's tokenizer, without the leading BOS token."""
        # Tokenizing only reads the vocabulary, so it need not wait for a running answer.
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))


# Where a base model, having answered, goes on to invent the next source or question.
COMPLETION_STOPS = ("\n[", "\nQuestion:", "\nSources:")


def plain_prompt(messages: list[dict]) -> str:
    """Render chat messages as one text for a base model: the turns' contents, in order."""
    return "\n\n".join(message["content"].strip() for message in messages)


def fold_system_into_first_user(messages: list[dict]) -> list[dict]:
    """Return ``messages`` with system text prepended to the first user message.

    Gemma has no system role: its chat format drops system messages or refuses
    them, so the instructions travel at the top of the first user turn instead,
    as Gemma 3's own template does.
    """
    system_text = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    others = [m for m in messages if m["role"] != "system"]
    if not system_text:
        return others
    for index, message in enumerate(others):
        if message["role"] == "user":
            folded = {**message, "content": f"{system_text}\n\n{message['content']}"}
            return [*others[:index], folded, *others[index + 1 :]]
    return [{"role": "user", "content": system_text}, *others]


_loaded_llamas: dict[tuple[str, int, int], tuple["Llama", threading.Lock]] = {}
_loading_lock = threading.Lock()


def _load_llama(path: str, n_ctx: int, n_threads: int) -> tuple["Llama", threading.Lock]:
    """Return the process-wide llama.cpp model for these settings and the lock guarding it."""
    key = (path, n_ctx, n_threads)
    with _loading_lock:
        if key not in _loaded_llamas:
            from llama_cpp import Llama

            llama = Llama(
                model_path=path,
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                verbose=False,
            )
            _loaded_llamas[key] = (llama, threading.Lock())
        return _loaded_llamas[key]


def _is_gemma(metadata: dict[str, str]) -> bool:
    return metadata.get("general.architecture", "").startswith("gemma")


@cache
def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def _quantization_from_metadata(metadata: dict[str, str]) -> str:
    import llama_cpp

    file_type = metadata.get("general.file_type", "")
    for name, value in vars(llama_cpp).items():
        if name.startswith("LLAMA_FTYPE_") and str(value) == file_type:
            return name.removeprefix("LLAMA_FTYPE_").removeprefix("MOSTLY_").removeprefix("ALL_")
    return ""


def _quantization_from_name(name: str) -> str:
    match = _QUANTIZATION_IN_NAME.search(name)
    return match.group(1).upper() if match else ""


def _estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / _CHARS_PER_TOKEN_ESTIMATE)


class OpenAICompatibleModel:
    """Stream answers from a server speaking OpenAI's chat API (llama.cpp server, vLLM, Ollama).

    ``base_url`` is the server root, with or without ``/v1``. The server cannot
    report its context window portably, so ``context_size`` must match its setting.
    """

    def __init__(
        self,
        base_url: str,
        model_name: str,
        api_key: str = "",
        context_size: int = 4096,
        connect_timeout: float = 5.0,
        read_timeout: float = 120.0,
    ):
        import httpx

        self._base_url = base_url.rstrip("/").removesuffix("/v1")
        self._model_name = model_name
        self._client = httpx.Client(
            base_url=self._base_url,
            headers={"Authorization": f"Bearer {api_key}"} if api_key else {},
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
        )
        self._token_counter: Callable[[str], int] | None = None
        self.info = ModelInfo(
            file_name=model_name,
            sha256="",
            quantization=_quantization_from_name(model_name),
            backend="openai-compatible",
            context_size=context_size,
        )

    @property
    def context_size(self) -> int:
        """Return the context window configured for the server."""
        return self.info.context_size

    def stream_chat(self, messages: list[dict], params: GenerationParams) -> Iterator[str]:
        """Yield answer pieces from the server's event stream.

        Raise LLMUnavailable when the server cannot be reached, times out or
        answers with an error. Closing the generator drops the connection, which
        tells the server to stop generating.
        """
        import httpx

        payload = {
            "model": self._model_name,
            "messages": messages,
            "stream": True,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_tokens,
            "stop": list(params.stop),
            "seed": params.seed,
        }
        try:
            with self._client.stream("POST", "/v1/chat/completions", json=payload) as response:
                if response.is_error:
                    detail = response.read().decode("utf-8", errors="replace")[:300]
                    raise LLMUnavailable(
                        f"The LLM server at {self._base_url} answered HTTP {response.status_code}: {detail}"
                    )
                for event in _server_sent_events(response.iter_lines()):
                    if "error" in event:
                        raise LLMUnavailable(f"The LLM server at {self._base_url} failed: {event['error']}")
                    choices = event.get("choices") or [{}]
                    piece = (choices[0].get("delta") or {}).get("content")
                    if piece:
                        yield piece
        except httpx.TransportError as error:
            raise self._unavailable(error) from error

    def count_tokens(self, text: str) -> int:
        """Count tokens with the server's tokenizer when it has one, else estimate.

        llama.cpp's server (``/tokenize``) and llama-cpp-python's server
        (``/extras/tokenize/count``, which also counts the BOS token) are asked;
        other servers get ceil(len(text) / 3.5), which overestimates for English.
        """
        import httpx

        try:
            if self._token_counter is None:
                self._token_counter = self._pick_token_counter()
            return self._token_counter(text)
        except httpx.TransportError as error:
            raise self._unavailable(error) from error

    def _pick_token_counter(self) -> Callable[[str], int]:
        import httpx

        for counter in (self._count_with_llama_cpp_server, self._count_with_llama_cpp_python):
            try:
                counter("")
            except httpx.HTTPStatusError as error:
                if error.response.status_code in (404, 405):
                    continue
                raise LLMUnavailable(f"The LLM server at {self._base_url} could not count tokens: {error}") from error
            return counter
        return _estimate_tokens

    def _count_with_llama_cpp_server(self, text: str) -> int:
        response = self._client.post("/tokenize", json={"content": text, "add_special": False})
        return len(response.raise_for_status().json()["tokens"])

    def _count_with_llama_cpp_python(self, text: str) -> int:
        response = self._client.post("/extras/tokenize/count", json={"input": text})
        return response.raise_for_status().json()["count"]

    def _unavailable(self, error: Exception) -> LLMUnavailable:
        return LLMUnavailable(
            f"Cannot reach the LLM server at {self._base_url} ({type(error).__name__}: {error}). "
            "Check that it is running and that LLM_BASE_URL points at it."
        )


def _server_sent_events(lines: Iterator[str]) -> Iterator[dict]:
    """Yield the JSON payload of each ``data:`` line until the ``[DONE]`` marker."""
    for line in lines:
        if not line.startswith("data:"):
            continue
        data = line.removeprefix("data:").strip()
        if data == "[DONE]":
            return
        yield json.loads(data)
