"""Time to first token and tokens/s: the app's answer path next to raw llama-cpp-python, per packaged model.

Both sides answer the same questions about a real manual with the identical prompt, in the
same run. The app's path embeds the question, runs hybrid search over an embedded Chroma,
fits the passages into the app's 1200-token source budget, builds the prompt for the model
(chat or few-shot completion) and streams it from a real ``answering.llm_server`` process.
The baseline hands the same prompt to ``llama_cpp.Llama`` in this process with the library's
own defaults, for as many tokens as the app produced. The app's time to first token
includes retrieval, because a user waits for that too. Run:

    python bench/llm.py [--models KEY ...] [--questions N] [--max-tokens N]
"""

import argparse
import ctypes
import functools
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from answering.keyword import KeywordIndex
from answering.llm import GenerationParams, LLMConfig, OpenAICompatibleModel, plain_prompt
from answering.packaged_models import PACKAGED_MODELS, ensure_packaged_model
from answering.prompt import build_messages
from answering.retrieve import ChunkSource, build_passages, hybrid_search
from evaluation.real_manuals import REAL_QUESTIONS, write_real_manuals
from ingestion import embed, store
from ingestion.config import ChunkConfig, EmbedConfig, StoreConfig
from ingestion.pipeline import ingest_file

MANUAL = "gutenprint-users-manual.pdf"
COLLECTION = "bench"
DOCUMENT_ID = 1
MODELS_DIR = Path.home() / ".cache" / "manualist-test-models"
# The app's defaults: RETRIEVAL_TOP_K, RETRIEVAL_MIN_SCORE, RETRIEVAL_CONTEXT_TOKENS, LLM_CONTEXT_SIZE.
TOP_K = 5
MIN_SCORE = 0.3
SOURCE_TOKENS = 1200
N_CTX = 4096
SERVER_START_TIMEOUT = 300.0
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Run:
    """One streamed answer: seconds to the first piece and to the end, its completion tokens, and
    the seconds spent on retrieval and the prompt before generation began (the app's path only)."""

    ttft: float
    total: float
    tokens: int
    retrieval: float = 0.0

    @property
    def rate(self) -> float:
        """Decode speed after the first token, which prompt processing does not distort."""
        return max(self.tokens - 1, 0) / max(self.total - self.ttft, 1e-9)


@dataclass(frozen=True)
class Index:
    """The manual as the app indexes it: Chroma vectors, chunk texts, BM25 and each chunk's neighbours."""

    client: object
    embed_config: EmbedConfig
    sources: dict[str, ChunkSource]
    keywords: KeywordIndex
    neighbours: dict[tuple[int, int, int], tuple[str, str]]


def load_questions(count: int) -> list[str]:
    """The first ``count`` answerable questions about the manual, so every prompt carries sources."""
    rows = [json.loads(line) for line in REAL_QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["question"] for row in rows if row["pdf"] == MANUAL and row["answerable"]][:count]


def index_manual(tmp: Path) -> Index:
    """Ingest the real manual with the app's pipeline into an embedded Chroma under ``tmp``."""
    pdf = next(path for path in write_real_manuals(tmp / "manuals") if path.name == MANUAL)
    config = EmbedConfig()
    client = store.open_client(StoreConfig(chroma_path=str(tmp / "chroma")))
    result = ingest_file(
        pdf, "pdf", client=client, collection=COLLECTION, document_id=DOCUMENT_ID, generation=1,
        embed_config=config, chunk_config=ChunkConfig(),
    )  # fmt: skip
    pairs = list(zip(result.vector_ids, result.chunks, strict=True))
    return Index(
        client=client,
        embed_config=config,
        sources={vector_id: ChunkSource(chunk.text, "Gutenprint User's Manual", MANUAL) for vector_id, chunk in pairs},
        keywords=KeywordIndex([vector_id for vector_id, _ in pairs], [chunk.text for _, chunk in pairs]),
        neighbours={
            (DOCUMENT_ID, chunk.page_start, chunk.ordinal): (vector_id, chunk.text) for vector_id, chunk in pairs
        },
    )


def free_port() -> int:
    """A loopback port nobody listens on now, so the bench never collides with a running app."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(model_key: str, port: int) -> subprocess.Popen:
    """Start the app's LLM server process for ``model_key``, with the settings the app passes."""
    command = [
        sys.executable, "-m", "answering.llm_server", "--model", model_key, "--models-dir", str(MODELS_DIR),
        "--host", "127.0.0.1", "--port", str(port), "--n-ctx", str(N_CTX), "--threads", "0",
    ]  # fmt: skip
    # Linux's PR_SET_PDEATHSIG: the server gets SIGTERM even if this process is killed or crashes.
    # libc is loaded here, not in the forked child, where an import could deadlock.
    die_with_parent = functools.partial(ctypes.CDLL(None).prctl, PR_SET_PDEATHSIG, signal.SIGTERM)
    return subprocess.Popen(command, cwd=Path(__file__).resolve().parent.parent, preexec_fn=die_with_parent)


def wait_until_serving(server: subprocess.Popen, base_url: str) -> None:
    """Return once ``/manualist/model`` answers; fail fast if the server exits while loading."""
    import httpx

    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"The LLM server exited with status {server.returncode} while starting.")
        try:
            if httpx.get(f"{base_url}/manualist/model", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"The LLM server at {base_url} did not answer within {SERVER_START_TIMEOUT:.0f} s.")


def stop_server(server: subprocess.Popen) -> None:
    """Stop the server, killing it if it does not exit in time, so no model outlives the bench."""
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def app_answer(model: OpenAICompatibleModel, index: Index, question: str, max_tokens: int) -> tuple[Run, list[dict]]:
    """Answer one question the app's way, from retrieval to the last streamed piece; return the prompt too."""
    started = time.perf_counter()
    vector = embed.embed_texts([question], index.embed_config)[0]
    hits = hybrid_search(index.client, vector, question, {COLLECTION: index.keywords}, TOP_K)
    passages = build_passages(
        hits, index.sources, min_score=MIN_SCORE, count_tokens=model.count_tokens, token_budget=SOURCE_TOKENS,
        neighbours=index.neighbours,
    )  # fmt: skip
    messages = build_messages(question, passages, chat=model.info.chat_template)
    prepared = time.perf_counter()
    generation = model.generate(messages, GenerationParams(temperature=0.0, max_tokens=max_tokens, seed=0))
    first = None
    for _ in generation:
        first = first or time.perf_counter()
    end = time.perf_counter()
    tokens = model.count_tokens(generation.text) if generation.text else 0
    return Run((first or end) - started, end - started, tokens, prepared - started), messages


def raw_answer(llama, messages: list[dict], chat: bool, max_tokens: int) -> Run:
    """Stream the same prompt straight through llama-cpp-python, counting tokens with the same vocabulary."""
    started = time.perf_counter()
    if chat:
        stream = llama.create_chat_completion(
            messages=messages, stream=True, max_tokens=max_tokens, temperature=0.0, seed=0
        )
        pieces = (chunk["choices"][0]["delta"].get("content") or "" for chunk in stream)
    else:
        stream = llama.create_completion(
            plain_prompt(messages), stream=True, max_tokens=max_tokens, temperature=0.0, seed=0
        )
        pieces = (chunk["choices"][0]["text"] for chunk in stream)
    first = None
    text = ""
    for piece in pieces:
        if piece:
            first = first or time.perf_counter()
            text += piece
    end = time.perf_counter()
    tokens = len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)) if text else 0
    return Run((first or end) - started, end - started, tokens)


def measure_model(model_key: str, index: Index, questions: list[str], max_tokens: int) -> dict:
    """Run every question through the app and the baseline for one model; return its table row."""
    from llama_cpp import Llama

    print(f"measuring {model_key} ...", file=sys.stderr, flush=True)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = start_server(model_key, port)
    try:
        wait_until_serving(server, base_url)
        model = OpenAICompatibleModel(LLMConfig(base_url=base_url, context_size=N_CTX))
        chat = model.info.chat_template
        path = ensure_packaged_model(PACKAGED_MODELS[model_key], MODELS_DIR)
        llama = Llama(model_path=str(path), n_ctx=N_CTX, verbose=False)
        app_runs, raw_runs, prompt_tokens = [], [], []
        for question in questions:
            app_run, messages = app_answer(model, index, question, max_tokens)
            app_runs.append(app_run)
            # The same number of tokens, so tokens/s compares like with like.
            raw_runs.append(raw_answer(llama, messages, chat, max(app_run.tokens, 1)))
            # Counted as the app records an answer's prompt: the messages' contents.
            prompt_tokens.append(sum(model.count_tokens(message["content"]) for message in messages))
        threads = llama.n_threads
        llama.close()  # free this model's memory before the next one loads
    finally:
        stop_server(server)
    return summarize(model_key, chat, prompt_tokens, app_runs, raw_runs, threads)


def summarize(model_key: str, chat: bool, prompt_tokens: list[int], app: list[Run], raw: list[Run], threads: int):
    """Medians across questions, so one slow question on a busy machine does not set the result."""
    return {
        "model": model_key + ("" if chat else " (base)"),
        "prompt": statistics.median(prompt_tokens),
        "answer": statistics.median(run.tokens for run in app),
        "retrieval": statistics.median(run.retrieval for run in app) * 1000,
        "app_ttft": statistics.median(run.ttft for run in app) * 1000,
        "raw_ttft": statistics.median(run.ttft for run in raw) * 1000,
        "app_rate": statistics.median(run.rate for run in app),
        "raw_rate": statistics.median(run.rate for run in raw),
        "raw_threads": threads,
    }


def print_table(rows: list[dict]) -> None:
    """One line per model, with app/raw ratios: above 1 for TTFT, below 1 for tokens/s, the app is slower."""
    for row in rows:
        row["ttft_ratio"] = row["app_ttft"] / row["raw_ttft"]
        row["rate_ratio"] = row["app_rate"] / max(row["raw_rate"], 1e-9)
    columns = [
        ("prompt", "prompt tok", ".0f"),
        ("answer", "answer tok", ".0f"),
        ("retrieval", "retrieval ms", ".0f"),
        ("app_ttft", "app ttft ms", ".0f"),
        ("raw_ttft", "raw ttft ms", ".0f"),
        ("app_rate", "app tok/s", ".1f"),
        ("raw_rate", "raw tok/s", ".1f"),
        ("ttft_ratio", "ttft app/raw", ".2f"),
        ("rate_ratio", "tok/s app/raw", ".2f"),
    ]
    print(f"{'model':36}" + "".join(f"{heading:>14}" for _, heading, _ in columns))
    for row in rows:
        print(f"{row['model']:36}" + "".join(f"{row[key]:>14{spec}}" for key, _, spec in columns))


def cpu_line(raw_threads: int) -> str:
    """Say which CPU ran this, since AMX decides whether llama.cpp's weight repacking (off in the app) pays."""
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    name = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    amx = sorted(set(re.findall(r"amx[a-z_]*", cpuinfo)))
    return (
        f"CPU: {name}, {os.cpu_count()} cores, AMX: {' '.join(amx) if amx else 'no'}; "
        f"threads: app server {os.cpu_count()}, raw llama-cpp-python {raw_threads} (its default)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=list(PACKAGED_MODELS), default=list(PACKAGED_MODELS))
    parser.add_argument("--questions", type=int, default=5, help="how many answerable questions to ask")
    parser.add_argument("--max-tokens", type=int, default=64, help="the app's answer length limit")
    args = parser.parse_args()
    questions = load_questions(args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        index = index_manual(Path(tmp))
        rows = [measure_model(key, index, questions, args.max_tokens) for key in args.models]
    print(f"{len(questions)} questions about {MANUAL}, answers up to {args.max_tokens} tokens; medians")
    print_table(rows)
    print(cpu_line(rows[0]["raw_threads"]))


if __name__ == "__main__":
    main()
