"""Serve one GGUF model over OpenAI's HTTP API in a process of its own.

    python -m answering.llm_server --model qwen2.5-coder-1.5b-instruct --models-dir var/models --port 8002

This is llama-cpp-python's OpenAI-compatible server with three changes the app relies on:

- models load without llama.cpp's extra CPU buffer types (weight repacking), whose AMX
  path crashes on Sapphire-Rapids-class CPUs (ggml-org/llama.cpp#20824), so the model
  runs on any x86-64 CPU whatever the wheel was compiled for;
- a new request waits its turn instead of interrupting the answer being generated;
- ``GET /manualist/model`` describes the model (file, sha256, chat template) for audits,
  and ``POST /manualist/tokenize/count`` counts tokens with a vocabulary-only copy,
  so counting never waits behind an answer;
- LoRA adapters are uploaded to ``/manualist/adapters/<sha256>`` and chosen per request
  (``answering.adapter_serving``), all on the one loaded base model.
"""

import argparse
import hashlib
import os
from dataclasses import asdict
from pathlib import Path

from answering.adapter_serving import AdapterHeaderMiddleware, AdapterSwitch
from answering.llm import APP_SERVER_BACKEND, ModelInfo, quantization_from_name
from answering.packaged_models import PACKAGED_MODELS, ensure_packaged_model, packaged_model


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    path, sha256 = resolve_model(args.model, Path(args.models_dir))
    app = build_app(
        path, sha256, n_ctx=args.n_ctx, n_threads=args.threads or os.cpu_count() or 1, adapters_dir=args.adapters_dir
    )
    import uvicorn

    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)


def resolve_model(model: str, models_dir: Path) -> tuple[Path, str]:
    """Return the GGUF path for a packaged model's name or a file path, and its sha256."""
    if model in PACKAGED_MODELS:
        packaged = packaged_model(model)
        return ensure_packaged_model(packaged, models_dir), packaged.sha256
    path = Path(model)
    if not path.is_file():
        raise SystemExit(f"No GGUF file at {path}, and no packaged model of that name ({', '.join(PACKAGED_MODELS)}).")
    return path, _file_sha256(path)


def disable_weight_repacking() -> None:
    """Make every llama.cpp model load in this process skip the extra CPU buffer types.

    llama-cpp-python does not expose ``use_extra_bufts``, so its default model
    parameters are wrapped; ``Llama`` reads them on every load.
    """
    import llama_cpp.llama_cpp as bindings

    defaults = bindings.llama_model_default_params
    if getattr(defaults, "without_repacking", False):
        return

    def params_without_repacking():
        params = defaults()
        params.use_extra_bufts = False
        return params

    params_without_repacking.without_repacking = True
    bindings.llama_model_default_params = params_without_repacking


def build_app(path: Path, sha256: str, n_ctx: int, n_threads: int, adapters_dir: str = ""):
    """Return the ASGI app serving ``path``; the model is loaded before this returns.

    Uploaded adapters are kept in ``adapters_dir`` (default: an ``adapters`` folder beside the model).
    """
    disable_weight_repacking()
    from fastapi import Body, Depends, HTTPException, Request
    from llama_cpp import Llama
    from llama_cpp.server import app as server_module
    from llama_cpp.server.app import create_app, get_llama_proxy
    from llama_cpp.server.settings import ModelSettings, ServerSettings

    model_settings = ModelSettings(
        model=str(path),
        model_alias=path.name,
        n_ctx=n_ctx,
        n_threads=n_threads,
        n_threads_batch=n_threads,
        verbose=False,
    )
    app = create_app(server_settings=ServerSettings(interrupt_requests=False), model_settings=[model_settings])
    vocabulary = Llama(model_path=str(path), vocab_only=True, verbose=False)
    metadata = vocabulary.metadata
    info = ModelInfo(
        file_name=path.name,
        sha256=sha256,
        quantization=quantization_from_name(path.name),
        backend=APP_SERVER_BACKEND,
        context_size=n_ctx,
        # A GGUF without a chat template is a base model: it continues text, it does not chat.
        chat_template="tokenizer.chat_template" in metadata,
        architecture=metadata.get("general.architecture", ""),
    )

    # The server module keeps its one model proxy in a module global; the model lock is get_llama_proxy.
    switch = AdapterSwitch(
        server_module._llama_proxy(), Path(adapters_dir) if adapters_dir else path.parent / "adapters"
    )
    switch.wrap_generation()
    app.add_middleware(AdapterHeaderMiddleware)

    @app.get("/manualist/adapters/{adapter_sha256}")
    def describe_adapter(adapter_sha256: str) -> dict:
        if not switch.has(adapter_sha256):
            raise HTTPException(status_code=404, detail="Not loaded.")
        return {"sha256": adapter_sha256}

    # Loading an adapter touches the model, so it waits for the model lock like a generation.
    model_lock = Depends(get_llama_proxy)

    @app.put("/manualist/adapters/{adapter_sha256}")
    async def upload_adapter(adapter_sha256: str, request: Request, _lock=model_lock) -> dict:
        try:
            switch.load(adapter_sha256, await request.body())
        except ValueError as error:
            raise HTTPException(status_code=422, detail=str(error)) from error
        return {"sha256": adapter_sha256}

    @app.get("/manualist/model")
    def describe_model() -> dict:
        return asdict(info)

    @app.post("/manualist/tokenize/count")
    def count_tokens(text: str = Body(..., embed=True)) -> dict:
        tokens = vocabulary.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        return {"count": len(tokens)}

    return app


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(4 * 1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Serve one GGUF model over OpenAI's HTTP API.")
    parser.add_argument("--model", required=True, help=f"A packaged model ({', '.join(PACKAGED_MODELS)}) or a path.")
    parser.add_argument("--models-dir", required=True, help="Where packaged models are assembled.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--n-ctx", type=int, default=4096, help="Context window in tokens.")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads; 0 means every core.")
    parser.add_argument("--adapters-dir", default="", help="Where uploaded LoRA adapters are kept.")
    parser.add_argument("--log-level", default="warning")
    return parser


if __name__ == "__main__":
    main()
