"""Scale: retrieval latency and memory as one collection grows, and ingest throughput with one and two workers.

Part one fills one collection, step by step, to each of ``--sizes`` chunks (default 100,000 and
1,000,000): synthetic rows in the database and synthetic unit vectors in a real Chroma server, text
drawn from a Zipf-distributed vocabulary so BM25 sees realistic term statistics. At each size it
times the app's own retrieval (``rag_app.chat.retrieval``: the distinctive-terms check, dense and
BM25 search fused, neighbours and passages) on ``--queries`` questions, after one warm-up query
that builds the keyword index (timed on its own), and reads the resident memory of this process
(what a web process holds: Django, the embedder, the BM25 index) and of the Chroma server.

Part two ingests copies of a real manual (``--manual``, from the Debian doc packages that
``python -m evaluation.real_manuals`` names) through real Celery workers on the machine's Redis,
first with one worker, then with two, and reports pages per second and the ratio.

Everything runs in a temporary folder on the embedded defaults (SQLite) unless DATABASE_URL is set.

    python bench/scale.py [--sizes 100000,1000000] [--queries 50] [--skip-ingest] [--copies 4]
"""

import argparse
import itertools
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VOCABULARY = 20_000
CHUNK_WORDS = 60
FILL_BATCH = 5_000
DIMENSIONS = 384


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _configure(folder: Path) -> None:
    """Point the app at a throwaway data folder, a Chroma port and a private Celery queue, then start Django."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rag_app.settings")
    os.environ["DATA_DIR"] = str(folder / "data")
    os.environ["CHROMA_URL"] = f"http://127.0.0.1:{_free_port()}"
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    os.environ["CELERY_QUEUE"] = f"bench-scale-{os.getpid()}"
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import django

    django.setup()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _words(rng: random.Random) -> list[str]:
    """A vocabulary of pronounceable made-up words, most common first."""
    syllables = ["ka", "lo", "mi", "ter", "on", "ba", "sul", "re", "vi", "dan", "po", "ex", "fi", "gra", "nu", "st"]
    words = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words, key=lambda word: (len(word), word))


class Corpus:
    """Synthetic chunk texts with Zipf-like word frequencies, reproducible from a seed."""

    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        self.vocabulary = _words(self.rng)
        # Cumulative weights once: passing plain weights makes every draw re-add all 20,000.
        self.cumulative = list(itertools.accumulate(1 / rank for rank in range(1, VOCABULARY + 1)))

    def text(self, words: int = CHUNK_WORDS) -> str:
        return " ".join(self.rng.choices(self.vocabulary, cum_weights=self.cumulative, k=words))


def _fill(collection, document, corpus: Corpus, start: int, stop: int, client) -> float:
    """Add chunks ``start``..``stop`` to the database and Chroma; return the seconds it took."""
    import numpy

    from ingestion import store
    from rag_app.documents.models import Chunk

    target = store.get_collection(client, collection.vector_collection, "all-MiniLM-L6-v2")
    rng = numpy.random.default_rng(start)
    began = time.perf_counter()
    for low in range(start, stop, FILL_BATCH):
        high = min(low + FILL_BATCH, stop)
        texts = [corpus.text() for _ in range(low, high)]
        Chunk.objects.bulk_create(
            [
                Chunk(
                    document=document,
                    vector_id=f"synthetic-{ordinal}",
                    ordinal=ordinal,
                    page_start=ordinal // 4 + 1,
                    page_end=ordinal // 4 + 1,
                    text=text,
                    char_start=0,
                    char_end=len(text),
                    token_count=CHUNK_WORDS,
                )
                for ordinal, text in zip(range(low, high), texts, strict=True)
            ]
        )
        vectors = rng.standard_normal((high - low, DIMENSIONS)).astype("float32")
        vectors /= numpy.linalg.norm(vectors, axis=1, keepdims=True)
        target.add(
            ids=[f"synthetic-{ordinal}" for ordinal in range(low, high)],
            embeddings=vectors,
            metadatas=[
                {
                    "document_id": document.pk,
                    "generation": 1,
                    "ordinal": o,
                    "page_start": o // 4 + 1,
                    "page_end": o // 4 + 1,
                }
                for o in range(low, high)
            ],
        )
        print(f"  filled {high:,} chunks", end="\r", flush=True)
    print()
    return time.perf_counter() - began


def _questions(corpus: Corpus, count: int) -> list[str]:
    """Half are words from stored chunks (they match), half are fresh draws from the vocabulary."""
    from rag_app.documents.models import Chunk

    stored = list(Chunk.objects.order_by("?").values_list("text", flat=True)[: count // 2])
    picked = [" ".join(text.split()[:8]) for text in stored]
    return picked + [corpus.text(8) for _ in range(count - len(picked))]


def _time_retrieval(collection, questions: list[str]) -> dict:
    from rag_app.chat import retrieval

    def count_tokens(text: str) -> int:
        return len(text.split())

    started = time.perf_counter()
    retrieval.retrieve(questions[0], [collection], 1500, count_tokens)
    first = (time.perf_counter() - started) * 1000
    from ingestion import embed
    from rag_app.documents import pipeline_settings

    search_ms, retrieve_ms, embed_ms = [], [], []
    for question in questions:
        started = time.perf_counter()
        embed.embed_texts([question], pipeline_settings.embed_config())
        embed_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        retrieval._search(question, [collection], 5, "")
        search_ms.append((time.perf_counter() - started) * 1000)
        found = retrieval.retrieve(question, [collection], 1500, count_tokens)
        retrieve_ms.append(found.milliseconds)
    return {
        "first_ms": first,
        "embed_p50": statistics.median(embed_ms),
        "search_p50": statistics.median(search_ms),
        "search_p95": statistics.quantiles(search_ms, n=20)[-1],
        "retrieve_p50": statistics.median(retrieve_ms),
        "retrieve_p95": statistics.quantiles(retrieve_ms, n=20)[-1],
    }


def _start_chroma(folder: Path) -> subprocess.Popen:
    from urllib.parse import urlparse

    from django.conf import settings

    from rag_app.core import processes

    url = urlparse(settings.CHROMA_URL)
    log = (folder / "chroma.log").open("w")
    server = subprocess.Popen(
        processes.chroma_command(folder / "chroma", url.hostname, url.port), stdout=log, stderr=subprocess.STDOUT
    )
    processes.wait_until(lambda: processes.http_ok(settings.CHROMA_URL + "/api/v2/heartbeat"), 60, "Chroma", server)
    return server


def scale_rows(sizes: list[int], queries: int, chroma: subprocess.Popen) -> list[dict]:
    from django.utils import timezone

    from rag_app.documents import vectors
    from rag_app.documents.models import Collection, Document

    corpus = Corpus()
    collection = Collection.objects.create(name="Scale")
    document = Document.objects.create(
        collection=collection,
        file="synthetic/scale.txt",
        original_name="scale.txt",
        title="Synthetic scale manual",
        sha256="0" * 64,
        size_bytes=0,
        kind="text",
        status=Document.Status.READY,
        ingested_at=timezone.now(),
    )
    client = vectors.server_client()
    # What a web process holds before any chunk: Django, the embedder (loaded by a first query).
    from ingestion import embed
    from rag_app.documents import pipeline_settings

    embed.embed_texts(["warm up"], pipeline_settings.embed_config())
    print(f"App process before any chunk: {_rss_mb(os.getpid()):,.0f} MB; Chroma server: {_rss_mb(chroma.pid):,.0f} MB")
    rows, filled = [], 0
    for size in sorted(sizes):
        print(f"Filling to {size:,} chunks …")
        fill_s = _fill(collection, document, corpus, filled, size, client)
        filled = size
        # As an ingestion does: the new chunks are served from now, and the keyword index rebuilds.
        Document.objects.filter(pk=document.pk).update(chunk_count=size, ingested_at=timezone.now())
        timing = _time_retrieval(collection, _questions(corpus, queries))
        rows.append(
            {
                "chunks": size,
                "fill_s": fill_s,
                **timing,
                "app_mb": _rss_mb(os.getpid()),
                "chroma_mb": _rss_mb(chroma.pid),
            }
        )
        print(_format_scale([rows[-1]]))
    return rows


def ingest_rows(manual: Path, copies: int, folder: Path) -> list[dict]:
    """Ingest ``copies`` copies (one collection each) with one worker, then with two; pages/s of each."""
    from django.core.files import File

    from rag_app.core import processes
    from rag_app.documents import services
    from rag_app.documents.models import Document

    rows = []
    for workers in (1, 2):
        started_workers = []
        for n in range(workers):
            log = (folder / f"worker-{workers}-{n}.log").open("w")
            command = [*processes.celery_worker_command(1, os.environ["CELERY_QUEUE"]), "--hostname", f"w{n}@%h"]
            started_workers.append(
                subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            )
        for n in range(workers):
            log_path = folder / f"worker-{workers}-{n}.log"
            processes.wait_until(lambda p=log_path: "ready." in p.read_text(errors="replace"), 120, "A worker")
        # The first task on each worker loads the embedder; warm them on a one-page manual first.
        warm_folder = folder / f"warm-{workers}"
        warm_folder.mkdir()
        documents = []
        for n in range(workers):
            collection = services.create_collection(f"warm-{workers}-{n}")
            path = warm_folder / f"warm-{n}.txt"
            path.write_text(f"Warm-up page {n} for the embedder.\n")
            with path.open("rb") as handle:
                documents.append(services.add_document(collection, File(handle, name=path.name), path.name))
        _wait_ready([d.pk for d in documents])
        began = time.perf_counter()
        ids = []
        for n in range(copies):
            collection = services.create_collection(f"ingest-{workers}-{n}")
            with manual.open("rb") as handle:
                ids.append(services.add_document(collection, File(handle, name=manual.name), manual.name).pk)
        _wait_ready(ids)
        seconds = time.perf_counter() - began
        pages = sum(Document.objects.filter(pk__in=ids).values_list("page_count", flat=True))
        rows.append(
            {
                "workers": workers,
                "documents": copies,
                "pages": pages,
                "seconds": seconds,
                "pages_per_s": pages / seconds,
                "worker_mb": max(_rss_tree_mb(worker.pid) for worker in started_workers),
            }
        )
        for worker in started_workers:
            processes.stop_process(worker)
    return rows


def _rss_tree_mb(pid: int) -> float:
    """Resident memory of a Celery worker: its main process plus its pool child."""
    found = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True)
    return _rss_mb(pid) + sum(_rss_mb(int(child)) for child in found.stdout.split())


def _wait_ready(ids: list[int], timeout: float = 3600) -> None:
    from rag_app.documents.models import Document

    deadline = time.monotonic() + timeout
    while Document.objects.filter(pk__in=ids, status__in=Document.IN_PROGRESS).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("Ingestion did not finish in time.")
        time.sleep(1)
    failed = Document.objects.filter(pk__in=ids, status=Document.Status.FAILED)
    if failed.exists():
        raise RuntimeError(f"Ingestion failed: {[d.error_reason for d in failed]}")


def _format_scale(rows: list[dict]) -> str:
    lines = [
        "| chunks | fill | first query (builds BM25) | hybrid search p50 | p95 | of which embedding the question p50 "
        "| whole retrieval p50 | p95 | app process | Chroma server |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row['chunks']:,} | {row['fill_s']:.0f} s | {row['first_ms'] / 1000:.1f} s | "
            f"{row['search_p50']:.1f} ms | {row['search_p95']:.1f} ms | {row['embed_p50']:.1f} ms | "
            f"{row['retrieve_p50']:.1f} ms | "
            f"{row['retrieve_p95']:.1f} ms | {row['app_mb']:,.0f} MB | {row['chroma_mb']:,.0f} MB |"
        )
    return "\n".join(lines)


def _format_ingest(rows: list[dict]) -> str:
    base = rows[0]["pages_per_s"]
    lines = [
        "| workers | documents | pages | seconds | pages/s | vs one worker | memory per worker |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row['workers']} | {row['documents']} | {row['pages']} | {row['seconds']:.1f} | "
            f"{row['pages_per_s']:.2f} | {row['pages_per_s'] / base:.2f}x | {row['worker_mb']:,.0f} MB |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="Chunk counts to measure at, comma-separated.")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--manual", default="gutenprint-users-manual.pdf", help="A real manual's name (see --help).")
    parser.add_argument("--copies", type=int, default=4, help="Copies of the manual ingested per run.")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="manualist-scale-"))
    _configure(folder)
    from django.core.management import call_command

    from rag_app.core import processes

    call_command("migrate", verbosity=0)
    chroma = _start_chroma(folder)
    try:
        print(f"CPU: {_cpu()}")
        if not args.skip_scale:
            rows = scale_rows([int(size) for size in args.sizes.split(",")], args.queries, chroma)
            print("\n" + _format_scale(rows))
        if not args.skip_ingest:
            from evaluation.real_manuals import write_real_manuals

            manuals = {path.name: path for path in write_real_manuals(folder / "manuals")}
            print(f"\nIngesting {args.copies} copies of {args.manual} with one worker, then two …")
            print("\n" + _format_ingest(ingest_rows(manuals[args.manual], args.copies, folder)))
    finally:
        processes.stop_process(chroma)
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
    return f"{os.cpu_count()} cores"


if __name__ == "__main__":
    raise SystemExit(main())
