"""Talk to the LLM over OpenAI's HTTP API: the app's own llama.cpp server process, vLLM or any other.

Generation never runs in the web process: a model that crashes, hangs or runs away
takes down at most its own server, and the answer it was writing ends with a reason.
Pieces stream as they arrive; closing the stream drops the connection, which tells
the server to stop generating.
"""

import json
import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from answering.repetition import loop_start

# Without a real tokenizer, English prose in manuals averages about 3.5 characters a token.
_CHARS_PER_TOKEN_ESTIMATE = 3.5

_QUANTIZATION_IN_NAME = re.compile(r"(?<![a-z0-9])(i?q\d+(?:_[a-z0-9]+)*|bf16|f16|f32)(?![a-z0-9])", re.IGNORECASE)

# What the app's own server (answering.llm_server) calls itself in its model description.
APP_SERVER_BACKEND = "llama.cpp server"
# The request header naming the LoRA adapter to generate with (see answering.adapter_serving).
ADAPTER_HEADER = "X-Manualist-Adapter"

# Where a base model, having answered, goes on to invent the next source or question.
COMPLETION_STOPS = ("\n[", "\nQuestion:", "\nSources:")


class LLMUnavailable(Exception):
    """The LLM could not answer now (server down, died, timed out or refusing); retrying later may help."""


class AdapterRejected(LLMUnavailable):
    """The server will not load the LoRA adapter: it does not fit the served model, or is damaged."""


class StopReason:
    """Why a generation ended, as recorded with each answer."""

    FINISHED = "finished"  # the model ended its answer
    LENGTH = "length"  # it reached max_tokens
    REPETITION = "repetition"  # it was looping and was cut off
    STOP_SEQUENCE = "stop sequence"  # it started a new example (base models)
    STOPPED = "stopped"  # the reader stopped listening
    ERROR = "error"  # the server failed or vanished


@dataclass(frozen=True)
class GenerationParams:
    """Sampling settings for one answer; the defaults favour faithful, repeatable answers."""

    temperature: float = 0.1
    max_tokens: int = 512
    stop: tuple[str, ...] = ()
    seed: int = 0
    top_p: float = 0.95
    repeat_penalty: float = 1.1


@dataclass(frozen=True)
class ModelInfo:
    """Identify the model that produced an answer, so answers can be audited later."""

    file_name: str
    sha256: str
    quantization: str
    backend: str
    context_size: int
    chat_template: bool = True
    architecture: str = ""  # the GGUF's general.architecture, when the server reports it


@dataclass(frozen=True)
class AdapterRef:
    """A LoRA adapter to generate with: its name, sha256 and the file a client can upload."""

    name: str
    sha256: str
    path: str


@dataclass(frozen=True)
class LLMConfig:
    """Where the LLM server is and how long to wait for it.

    ``model_name`` is what the server calls the model (vLLM needs it; the app's own
    server answers to any name). ``context_size`` must match the server's setting when
    the server cannot report it.
    """

    base_url: str
    model_name: str = ""
    api_key: str = ""
    context_size: int = 4096
    connect_timeout: float = 5.0
    # A streaming server sends a piece or a keep-alive at least this often.
    read_timeout: float = 60.0
    # No piece of the answer for this long while the server keeps the line open: the model hangs.
    stall_timeout: float = 120.0
    # The longest one answer may take, queueing included.
    total_timeout: float = 900.0


class Generation:
    """The pieces of one answer as they stream; ``stop_reason`` says why it ended once iterated.

    Text that repeats itself (see ``answering.repetition``) ends the stream early: the
    repeated copies are never yielded, and ``stop_reason`` is REPETITION.
    """

    def __init__(self, events: Iterator[tuple[str, str]]):
        self._events = events
        self.stop_reason = ""
        self.text = ""

    def __iter__(self) -> Iterator[str]:
        try:
            for piece, finish_reason in self._events:
                if finish_reason:
                    self.stop_reason = _STOP_REASONS.get(finish_reason, finish_reason)
                if not piece:
                    continue
                cut = loop_start(self.text + piece)
                if cut is not None:
                    # The loop is noticed a copy or two late: ``text`` keeps one copy, though
                    # the reader may already hold the others.
                    self.stop_reason = StopReason.REPETITION
                    kept = (self.text + piece)[:cut]
                    if len(kept) > len(self.text):
                        yield kept[len(self.text) :]
                    self.text = kept
                    return
                self.text += piece
                yield piece
            self.stop_reason = self.stop_reason or StopReason.FINISHED
        except GeneratorExit:
            self.stop_reason = StopReason.STOPPED
            raise
        except LLMUnavailable:
            self.stop_reason = StopReason.ERROR
            raise
        finally:
            close = getattr(self._events, "close", None)
            if close:
                close()


_STOP_REASONS = {"stop": StopReason.FINISHED, "length": StopReason.LENGTH}


@cache
def load_chat_model(config: LLMConfig) -> "OpenAICompatibleModel":
    """Return the client for the configured LLM server, one per process."""
    return OpenAICompatibleModel(config)


class OpenAICompatibleModel:
    """Stream answers from a server speaking OpenAI's API (the app's llama.cpp server, vLLM, Ollama).

    ``config.base_url`` is the server root, with or without ``/v1``. The app's own server
    (``answering.llm_server``) also describes its model and counts tokens without waiting
    for a running answer; other servers are asked what they support and the rest is
    estimated or taken from the configuration.
    """

    def __init__(self, config: LLMConfig):
        import httpx

        self.config = config
        self._base_url = config.base_url.rstrip("/").removesuffix("/v1")
        self._client = httpx.Client(
            base_url=self._base_url,
            headers={"Authorization": f"Bearer {config.api_key}"} if config.api_key else {},
            timeout=httpx.Timeout(config.read_timeout, connect=config.connect_timeout),
        )
        self._token_counter: Callable[[str], int] | None = None
        self._info: ModelInfo | None = None

    @property
    def info(self) -> ModelInfo:
        """Describe the served model; raise LLMUnavailable when the server is down."""
        if self._info is None:
            self._info = self._describe()
        return self._info

    @property
    def context_size(self) -> int:
        """Return the number of tokens prompt and answer must fit in together."""
        return self.info.context_size

    def generate(self, messages: list[dict], params: GenerationParams, adapter: AdapterRef | None = None) -> Generation:
        """Start generating the answer to ``messages``; iterate the result for its pieces.

        A model without a chat template (a base model) is sent the messages as one plain
        text to continue. With ``adapter``, the app's own server generates through that
        LoRA adapter (uploaded first if it does not hold it yet); any other server is asked
        for a model of the adapter's name, as vLLM serves adapters (``--lora-modules``).
        Raise AdapterRejected when the server will not load the adapter. Iterating raises
        LLMUnavailable when the server cannot be reached, dies, hangs or answers with an error.
        """
        headers = self._adapter_headers(adapter) if adapter else {}
        if self.info.chat_template:
            payload = {"messages": messages}
            path, stops = "/v1/chat/completions", list(params.stop)
        else:
            payload = {"prompt": plain_prompt(messages)}
            path, stops = "/v1/completions", [*params.stop, *COMPLETION_STOPS]
        payload |= {
            "model": (adapter.name if adapter and not headers else None)
            or self.config.model_name
            or self.info.file_name,
            "stream": True,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_tokens,
            "stop": stops,
            "seed": params.seed,
            # llama.cpp and vLLM name the same penalty differently; each ignores the other's.
            "repeat_penalty": params.repeat_penalty,
            "repetition_penalty": params.repeat_penalty,
        }
        return Generation(self._stream(path, payload, headers))

    def _adapter_headers(self, adapter: AdapterRef) -> dict:
        """Make sure the app's own server holds ``adapter`` and return the header naming it; {} for other servers."""
        import httpx

        if self.info.backend != APP_SERVER_BACKEND:
            return {}
        try:
            if self._client.get(f"/manualist/adapters/{adapter.sha256}").status_code != 200:
                with open(adapter.path, "rb") as file:
                    response = self._client.put(f"/manualist/adapters/{adapter.sha256}", content=file.read())
                if response.status_code == 422:
                    raise AdapterRejected(f"The LoRA adapter {adapter.name} was refused: {response.json()['detail']}")
                response.raise_for_status()
        except httpx.TransportError as error:
            raise self._unavailable(error) from error
        except httpx.HTTPStatusError as error:
            raise LLMUnavailable(f"The LLM server could not take the adapter {adapter.name}: {error}") from error
        return {ADAPTER_HEADER: adapter.sha256}

    def _stream(self, path: str, payload: dict, headers: dict) -> Iterator[tuple[str, str]]:
        import httpx

        started = time.monotonic()
        last_piece = started
        try:
            with self._client.stream("POST", path, json=payload, headers=headers) as response:
                if response.is_error:
                    detail = response.read().decode("utf-8", errors="replace")[:300]
                    raise LLMUnavailable(
                        f"The LLM server at {self._base_url} answered HTTP {response.status_code}: {detail}"
                    )
                for event in _server_sent_events(response.iter_lines()):
                    now = time.monotonic()
                    if event is None:
                        self._check_deadlines(started, last_piece, now)
                        continue
                    if "error" in event:
                        raise LLMUnavailable(f"The LLM server at {self._base_url} failed: {event['error']}")
                    choice = (event.get("choices") or [{}])[0]
                    piece = (choice.get("delta") or {}).get("content") or choice.get("text") or ""
                    if piece:
                        last_piece = now
                    else:
                        self._check_deadlines(started, last_piece, now)
                    yield piece, choice.get("finish_reason") or ""
        except httpx.TimeoutException as error:
            raise LLMUnavailable(
                f"The LLM server at {self._base_url} sent nothing for {self.config.read_timeout:.0f} s; "
                "it may be overloaded or stuck."
            ) from error
        except (httpx.RemoteProtocolError, httpx.ReadError) as error:
            raise LLMUnavailable(
                f"The LLM server at {self._base_url} stopped in the middle of the answer ({error}); "
                "it has probably crashed and is being restarted. Ask again in a moment."
            ) from error
        except httpx.TransportError as error:
            raise self._unavailable(error) from error

    def _check_deadlines(self, started: float, last_piece: float, now: float) -> None:
        if now - started > self.config.total_timeout:
            raise LLMUnavailable(f"The answer took longer than {self.config.total_timeout:.0f} s and was abandoned.")
        if last_piece > started and now - last_piece > self.config.stall_timeout:
            raise LLMUnavailable(
                f"The model produced nothing for {self.config.stall_timeout:.0f} s in the middle of the answer "
                "and was abandoned."
            )

    def count_tokens(self, text: str) -> int:
        """Count tokens with the server's tokenizer when it has one, else estimate.

        The app's own server (``/manualist/tokenize/count``) and llama.cpp's server
        (``/tokenize``) count without waiting for a running answer; other servers get
        ceil(len(text) / 3.5), which overestimates for English.
        """
        import httpx

        try:
            if self._token_counter is None:
                self._token_counter = self._pick_token_counter()
            return self._token_counter(text)
        except httpx.TransportError as error:
            raise self._unavailable(error) from error

    def _describe(self) -> ModelInfo:
        import httpx

        try:
            response = self._client.get("/manualist/model")
        except httpx.TransportError as error:
            raise self._unavailable(error) from error
        if response.status_code == 200:
            return ModelInfo(**response.json())
        name = self.config.model_name
        return ModelInfo(
            file_name=name,
            sha256="",
            quantization=quantization_from_name(name),
            backend="openai-compatible",
            context_size=self.config.context_size,
        )

    def _pick_token_counter(self) -> Callable[[str], int]:
        import httpx

        for counter in (self._count_with_app_server, self._count_with_llama_cpp_server):
            try:
                counter("")
            except httpx.HTTPStatusError as error:
                if error.response.status_code in (404, 405):
                    continue
                raise LLMUnavailable(f"The LLM server at {self._base_url} could not count tokens: {error}") from error
            return counter
        return _estimate_tokens

    def _count_with_app_server(self, text: str) -> int:
        response = self._client.post("/manualist/tokenize/count", json={"text": text})
        return response.raise_for_status().json()["count"]

    def _count_with_llama_cpp_server(self, text: str) -> int:
        response = self._client.post("/tokenize", json={"content": text, "add_special": False})
        return len(response.raise_for_status().json()["tokens"])

    def _unavailable(self, error: Exception) -> LLMUnavailable:
        return LLMUnavailable(
            f"Cannot reach the LLM server at {self._base_url} ({type(error).__name__}: {error}). "
            "Start the app with `python manage.py runapp`, or point LLM_BASE_URL at a running server."
        )


def plain_prompt(messages: list[dict]) -> str:
    """Render chat messages as one text for a base model: the turns' contents, in order."""
    return "\n\n".join(message["content"].strip() for message in messages)


def quantization_from_name(name: str) -> str:
    """Return the quantization a GGUF file name announces ("Q4_K_M"), or "" when it names none."""
    match = _QUANTIZATION_IN_NAME.search(name)
    return match.group(1).upper() if match else ""


def _estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / _CHARS_PER_TOKEN_ESTIMATE)


def _server_sent_events(lines: Iterator[str]) -> Iterator[dict | None]:
    """Yield each ``data:`` line's JSON payload, or None for a keep-alive, until the ``[DONE]`` marker."""
    for line in lines:
        if not line.startswith("data:"):
            yield None
            continue
        data = line.removeprefix("data:").strip()
        if data == "[DONE]":
            return
        yield json.loads(data)
