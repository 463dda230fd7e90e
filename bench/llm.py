"""Time to first token and tokens/s: the app's answer path next to raw llama-cpp-python.

Both answer the same question over the same prompt in the same run: the app's path embeds
the query, searches Chroma, builds the few-shot prompt and streams through answering.llm;
the baseline hands the identical prompt text to a fresh llama_cpp.Llama with its own
default settings. Run:

    python bench/llm.py
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingestion import embed, store
from answering.bundled_model import ensure_bundled_gguf
from ingestion.config import ChunkConfig, EmbedConfig, StoreConfig
from answering.llm import GenerationParams, LLMConfig, load_chat_model, plain_prompt
from ingestion.pipeline import ingest_file
from answering.prompt import build_messages
from answering.retrieve import ChunkSource, build_passages, search
from tests.pdfs import make_pdf

PAGES = [
    "Priming the pump. Before the first start, open the vent screw on top of the housing until water flows out, "
    "then close the vent screw by hand.",
    "Maintenance. Replace the inlet filter every 200 operating hours. Rinse the filter basket once a month.",
    "Warranty. The motor is covered by a warranty of three years from the date of purchase.",
    "Troubleshooting. If the red fault lamp flashes twice, the motor has overheated. Let it cool for thirty minutes.",
]
# Different questions per run, so neither side replays a cached prompt; both reuse the
# shared few-shot prefix from the run before, as the app does between real questions.
QUESTIONS = [
    "What should I do when the red fault lamp flashes twice?",
    "How often does the inlet filter need replacing?",
    "How do I prime the pump before the first start?",
    "How long is the motor warranty?",
]
PARAMS = GenerationParams(temperature=0.0, max_tokens=64, seed=0)


def app_path(client, model, config: EmbedConfig, sources: dict, question: str) -> tuple[float, float, int, list[dict]]:
    """Return (ttft s, total s, completion tokens, messages) for one question through the app's path."""
    started = time.perf_counter()
    hits = search(client, embed.embed_texts([question], config)[0], ["bench"], 5)
    passages = build_passages(hits, sources, min_score=0.3, count_tokens=model.count_tokens, token_budget=3000)
    messages = build_messages(question, passages)
    first = None
    pieces = []
    for piece in model.stream_chat(messages, PARAMS):
        first = first or time.perf_counter()
        pieces.append(piece)
    end = time.perf_counter()
    return first - started, end - started, model.count_tokens("".join(pieces)), messages


def raw_llama(llama, prompt: str, max_tokens: int) -> tuple[float, float, int]:
    """Return (ttft s, total s, completion tokens) for the same prompt straight through llama_cpp."""
    started = time.perf_counter()
    first = None
    tokens = 0
    for chunk in llama.create_completion(prompt, max_tokens=max_tokens, temperature=0.0, seed=0, stream=True):
        first = first or time.perf_counter()
        tokens += 1
        del chunk
    return first - started, time.perf_counter() - started, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args()
    config = EmbedConfig()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pump.pdf"
        make_pdf(path, PAGES)
        client = store.open_client(StoreConfig(chroma_path=str(Path(tmp) / "chroma")))
        result = ingest_file(
            path, "pdf", client=client, collection="bench", document_id=1, generation=1,
            embed_config=config, chunk_config=ChunkConfig(),
        )  # fmt: skip
        sources = {
            vector_id: ChunkSource(chunk.text, "Pump manual", "pump.pdf")
            for vector_id, chunk in zip(result.vector_ids, result.chunks, strict=True)
        }
        models_dir = Path(tmp) / "models"
        model = load_chat_model(LLMConfig(models_dir=str(models_dir)))
        from llama_cpp import Llama

        raw = Llama(model_path=str(ensure_bundled_gguf(models_dir)), n_ctx=4096, verbose=False)
        app_runs, raw_runs = [], []
        for question in QUESTIONS:
            ttft, total, tokens, messages = app_path(client, model, config, sources, question)
            app_runs.append((ttft, total, tokens))
            # The same number of tokens, so tokens/s compares like with like.
            raw_runs.append(raw_llama(raw, plain_prompt(messages), max(tokens, 1)))
    print(f"prompt: {model.count_tokens(plain_prompt(messages))} tokens, answer: up to {PARAMS.max_tokens} tokens")
    print(f"{'':28}{'ttft ms':>10}{'tokens/s':>10}{'total ms':>10}")
    rows = {"app (retrieval + stream)": app_runs, "raw llama-cpp-python": raw_runs}
    summary = {}
    for name, runs in rows.items():
        ttft = statistics.median(run[0] for run in runs) * 1000
        rate = statistics.median(run[2] / max(run[1] - run[0], 1e-9) for run in runs)
        total = statistics.median(run[1] for run in runs) * 1000
        summary[name] = (ttft, rate)
        print(f"{name:28}{ttft:>10.0f}{rate:>10.1f}{total:>10.0f}")
    (app_ttft, app_rate), (raw_ttft, raw_rate) = summary.values()
    print(f"ratio app/raw: ttft {app_ttft / raw_ttft:.2f}x, tokens/s {app_rate / raw_rate:.2f}x")


if __name__ == "__main__":
    main()
