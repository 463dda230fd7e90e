"""Serve LoRA adapters on the one loaded base model of the app's LLM server.

Clients upload an adapter once (``PUT /manualist/adapters/<sha256>``) and then name it per
request in the ``X-Manualist-Adapter`` header. Every adapter is loaded onto the same base
model, so none costs a second copy of it; before each generation the context is switched
to the request's adapter, or to none. Switching also drops the cached prompt, whose keys
and values the previous adapter computed.
"""

import contextvars
import ctypes
import hashlib
from pathlib import Path

from answering.llm import ADAPTER_HEADER

_requested_adapter: contextvars.ContextVar[str] = contextvars.ContextVar("requested_adapter", default="")


class AdapterSwitch:
    """The adapters loaded onto one ``llama_cpp.Llama`` and the switch applied before each generation."""

    def __init__(self, llama, folder: Path):
        self._llama = llama
        self._folder = folder
        self._loaded: dict[str, object] = {}
        self._active = ""

    def has(self, sha256: str) -> bool:
        return sha256 in self._loaded

    def load(self, sha256: str, content: bytes) -> None:
        """Store and load an adapter; raise ValueError when the bytes or the adapter do not fit.

        Call it only while holding the server's model lock: loading touches the model.
        """
        import llama_cpp

        if hashlib.sha256(content).hexdigest() != sha256:
            raise ValueError("The uploaded adapter does not match its sha256.")
        if sha256 in self._loaded:
            return
        self._folder.mkdir(parents=True, exist_ok=True)
        path = self._folder / f"{sha256}.gguf"
        path.write_bytes(content)
        adapter = llama_cpp.llama_adapter_lora_init(self._llama.model, str(path).encode("utf-8"))
        if not adapter:
            path.unlink(missing_ok=True)
            raise ValueError(
                "llama.cpp could not load this adapter onto the served model: it was made for another "
                "model or is damaged (the LLM server's log has llama.cpp's reason)."
            )
        self._loaded[sha256] = adapter

    def apply_requested(self) -> None:
        """Switch the context to the adapter this request named, or to none; raise KeyError for an unknown one."""
        import llama_cpp

        wanted = _requested_adapter.get()
        if wanted == self._active:
            return
        if wanted and wanted not in self._loaded:
            raise KeyError(f"No adapter {wanted} is loaded on this server; upload it first.")
        if wanted:
            adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(self._loaded[wanted])
            scales = (ctypes.c_float * 1)(1.0)
            status = llama_cpp.llama_set_adapters_lora(self._llama.ctx, adapters, 1, scales)
        else:
            status = llama_cpp.llama_set_adapters_lora(self._llama.ctx, None, 0, None)
        if status != 0:
            raise RuntimeError(f"llama.cpp refused to switch adapters (status {status}).")
        self._llama.reset()
        self._active = wanted

    def wrap_generation(self) -> None:
        """Make the model switch adapters at the start of every completion and chat completion."""
        for name in ("create_completion", "create_chat_completion"):
            original = getattr(self._llama, name)

            def switched(*args, _original=original, **kwargs):
                self.apply_requested()
                return _original(*args, **kwargs)

            setattr(self._llama, name, switched)


class AdapterHeaderMiddleware:
    """ASGI middleware: remember the request's adapter header for the generation it starts."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            token = _requested_adapter.set(headers.get(ADAPTER_HEADER.lower().encode(), b"").decode("ascii", "ignore"))
            try:
                await self.app(scope, receive, send)
            finally:
                _requested_adapter.reset(token)
            return
        await self.app(scope, receive, send)
