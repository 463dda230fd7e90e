"""Ingestion speed on a real manual: the app's pipeline against the LangChain tutorial pipeline, same run.

The baseline is what a team would otherwise copy: LangChain's PyPDFLoader, its
RecursiveCharacterTextSplitter (1000 characters, 200 overlap), all-MiniLM-L6-v2 through
HuggingFaceEmbeddings, and Chroma through langchain-chroma. The app's row is ``ingest_file``, the
function a Celery worker runs. Both use the same embedder files, the same CPU threads and an
embedded Chroma in a temporary folder, and both have their model loaded before the clock starts
(a worker loads it once, not per manual). Runs alternate (baseline, app, baseline, app …) so a
machine that slows down mid-run does not favour either; the table gives the median of each.
Where the app embeds in bfloat16 (``EMBEDDING_BFLOAT16``, by default on CPUs that compute it
natively), a third row runs the app in float32, to show what that buys.

The manual defaults to the DRBD User's Guide (148 pages, Debian's drbd-doc, see
``evaluation/real_manuals.py``). LangChain is a bench-only dependency::

    pip install -e '.[dev,bench]'
    python bench/ingest.py [--manual FILE.pdf] [--repeat 3]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from evaluation.real_manuals import write_real_manuals
from ingestion import embed, store
from ingestion.config import ChunkConfig, EmbedConfig, StoreConfig
from ingestion.pipeline import ingest_file

DEFAULT_MANUAL = "drbd-users-guide.pdf"


def langchain_pipeline(model_path: str):
    """Return a function that ingests one PDF the LangChain tutorial's way; the embedder is loaded now."""
    from langchain_chroma import Chroma
    from langchain_community.document_loaders import PyPDFLoader
    from langchain_community.embeddings import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    embeddings = HuggingFaceEmbeddings(
        model_name=model_path, model_kwargs={"device": "cpu"}, encode_kwargs={"normalize_embeddings": True}
    )

    def ingest(pdf: Path, chroma_folder: Path) -> dict:
        pages = PyPDFLoader(str(pdf)).load()
        splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(pages)
        Chroma.from_documents(splits, embeddings, client=store.open_client(StoreConfig(chroma_path=str(chroma_folder))))
        return {"pages": len(pages), "chunks": len(splits)}

    return ingest


def app_pipeline(config: EmbedConfig):
    """Return a function that ingests one PDF as a worker does (``ingest_file``); the embedder is loaded now."""
    embed.load_model(config)

    def ingest(pdf: Path, chroma_folder: Path) -> dict:
        result = ingest_file(
            pdf, "pdf", client=store.open_client(StoreConfig(chroma_path=str(chroma_folder))), collection="bench",
            document_id=1, generation=1, embed_config=config, chunk_config=ChunkConfig(), title=pdf.stem,
        )  # fmt: skip
        return {
            "pages": len(result.pages),
            "chunks": sum(chunk.searchable for chunk in result.chunks),
            **{f"{stage} s": seconds for stage, seconds in result.seconds.items()},
        }

    return ingest


def timed(ingest, pdf: Path, folder: Path) -> dict:
    started = time.perf_counter()
    row = ingest(pdf, folder)
    row["seconds"] = time.perf_counter() - started
    return row


def median_row(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manual", type=Path, help="a PDF (default: the DRBD User's Guide from drbd-doc)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each pipeline (default 3)")
    args = parser.parse_args()
    config = EmbedConfig()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pdf = args.manual
        if pdf is None:
            pdf = next(path for path in write_real_manuals(folder / "manuals") if path.name == DEFAULT_MANUAL)
        pipelines = {
            "LangChain tutorial": langchain_pipeline(embed.resolve_model_path(config)),
            "app": app_pipeline(config),
        }
        if embed.uses_bfloat16(config):
            # What bfloat16 buys, in the same run.
            pipelines["app, float32"] = app_pipeline(replace(config, bfloat16=False))
        runs: dict[str, list[dict]] = {name: [] for name in pipelines}
        for attempt in range(args.repeat):
            for number, (name, ingest) in enumerate(pipelines.items()):
                runs[name].append(timed(ingest, pdf, folder / f"chroma-{number}-{attempt}"))
                print(f"  {name} run {attempt + 1}: {runs[name][-1]['seconds']:.1f} s", flush=True)
    rows = {name: median_row(found) for name, found in runs.items()}
    print(f"\n{pdf.name}, median of {args.repeat} runs each:\n")
    print("| pipeline | pages | chunks | seconds | pages/s | chunks/s | parse s | chunk s | embed s | store s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, row in rows.items():
        stages = " | ".join(
            f"{row[stage]:.1f}" if stage in row else "-" for stage in ("parse s", "chunk s", "embed s", "store s")
        )
        print(
            f"| {name} | {row['pages']:.0f} | {row['chunks']:.0f} | {row['seconds']:.1f} | "
            f"{row['pages'] / row['seconds']:.1f} | {row['chunks'] / row['seconds']:.1f} | {stages} |"
        )
    baseline, app = rows["LangChain tutorial"], rows["app"]
    print(f"\napp / LangChain, pages per second: {baseline['seconds'] / app['seconds']:.2f}x")
    precision = "bfloat16" if embed.uses_bfloat16(config) else "float32 (the CPU has no native bfloat16)"
    print(f"The app embedded in {precision} (EMBEDDING_BFLOAT16); LangChain in float32.")


if __name__ == "__main__":
    main()
