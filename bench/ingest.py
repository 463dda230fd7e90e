"""Measure ingestion speed on a generated 120-page manual, stage by stage.

Baseline in the same run: pypdf pages cut into 1000-character windows (200 overlap),
embedded one window at a time, the way a first prototype would do it. Run:

    python bench/ingest.py [--pages 120]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingestion import embed, store
from ingestion.config import ChunkConfig, EmbedConfig, StoreConfig
from ingestion.pipeline import ingest_file
from tests.pdfs import make_pdf

PARAGRAPH = (
    "Section {n}.{m}: To configure the {thing}, open the settings menu, choose {thing} and set the "
    "value to {value}. The device confirms the change with two short beeps. If the {thing} does not "
    "respond within {value} seconds, restart the unit and repeat the procedure. "
)
THINGS = ["fan controller", "water filter", "pressure valve", "display timeout", "network port", "alarm relay"]


def make_manual(path: Path, pages: int) -> None:
    texts = []
    for n in range(1, pages + 1):
        texts.append(
            "\n\n".join(
                PARAGRAPH.format(n=n, m=m, thing=THINGS[(n + m) % len(THINGS)], value=(n * 7 + m) % 90 + 5)
                for m in range(1, 6)
            )
        )
    make_pdf(path, texts, header="Acme Industrial Pump P-400 Manual", footer="Page {page}")


def run_app_pipeline(path: Path, client, config: EmbedConfig) -> dict:
    result = ingest_file(
        path, "pdf", client=client, collection="bench-app", document_id=1, generation=1,
        embed_config=config, chunk_config=ChunkConfig(),
    )  # fmt: skip
    return {"pages": len(result.pages), "chunks": len(result.chunks), **result.seconds}


def run_baseline(path: Path, client, config: EmbedConfig) -> dict:
    from pypdf import PdfReader

    seconds = {}
    started = time.perf_counter()
    pages = [page.extract_text() or "" for page in PdfReader(path).pages]
    seconds["parse"] = time.perf_counter() - started
    started = time.perf_counter()
    text = "\n".join(pages)
    windows = [text[i : i + 1000] for i in range(0, len(text), 800)]
    seconds["chunk"] = time.perf_counter() - started
    started = time.perf_counter()
    model = embed.load_model(config)
    vectors = [model.encode([window], normalize_embeddings=True)[0].tolist() for window in windows]
    seconds["embed"] = time.perf_counter() - started
    started = time.perf_counter()
    collection = store.get_collection(client, "bench-baseline", "baseline")
    for number, (window, vector) in enumerate(zip(windows, vectors, strict=True)):
        collection.add(ids=[f"b{number}"], embeddings=[vector], metadatas=[{"document_id": 2}], documents=[window])
    seconds["store"] = time.perf_counter() - started
    return {"pages": len(pages), "chunks": len(windows), **seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=120)
    args = parser.parse_args()
    config = EmbedConfig()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "manual.pdf"
        make_manual(path, args.pages)
        client = store.open_client(StoreConfig(chroma_path=str(Path(tmp) / "chroma")))
        embed.load_model(config)  # Load time is paid once per worker process, not per document.
        rows = {"app": run_app_pipeline(path, client, config), "baseline": run_baseline(path, client, config)}
    headings = ["pages", "chunks", "parse s", "chunk s", "embed s", "store s", "total s", "pages/s"]
    print(f"{'':10}" + "".join(f"{heading:>9}" for heading in headings))
    for name, row in rows.items():
        total = row["parse"] + row["chunk"] + row["embed"] + row["store"]
        row["total"] = total
        print(
            f"{name:10}{row['pages']:>9}{row['chunks']:>9}{row['parse']:>9.2f}{row['chunk']:>9.2f}"
            f"{row['embed']:>9.2f}{row['store']:>9.2f}{total:>9.2f}{row['pages'] / total:>9.1f}"
        )
    print(f"speed ratio app/baseline (pages/s): {rows['baseline']['total'] / rows['app']['total']:.2f}x")


if __name__ == "__main__":
    main()
