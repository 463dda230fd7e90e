"""Ingest files or folders of manuals into a collection, in this process, with the app's pipeline."""

import json
import time
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ingestion.store import StoreUnavailable
from rag_app.documents import services, vectors
from rag_app.documents.ingest import ingest_document
from rag_app.documents.models import Document

SUPPORTED_SUFFIXES = {".pdf", ".txt", ".md", ".markdown", ".html", ".htm"}


def collect_files(paths: list[str]) -> list[Path]:
    """Expand folders into the supported files below them, in a stable order."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(".")
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"{raw}: no such file or folder.")
    return files


class Command(BaseCommand):
    help = "Ingest manuals (files or folders) into a collection and print a summary."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Files or folders to ingest.")
        parser.add_argument("--collection", required=True, help="Collection name; created if missing.")
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the summary as one JSON object.")

    def handle(self, *args, paths, collection, as_json: bool, **options):
        files = collect_files(paths)
        if not files:
            raise CommandError("No PDF, text, Markdown or HTML files found.")
        target = services.create_collection(collection)
        try:
            client = vectors.command_client()
        except StoreUnavailable as error:
            raise CommandError(str(error)) from error
        started = time.perf_counter()
        pages = chunks = ingested = 0
        problems: list[str] = []
        for path in files:
            document = self._ingest_one(path, target, client, problems, quiet=as_json)
            if document is not None and document.is_ready:
                ingested += 1
                pages += document.page_count or 0
                chunks += document.chunk_count
        seconds = time.perf_counter() - started
        summary = {
            "documents": ingested,
            "pages": pages,
            "chunks": chunks,
            "seconds": round(seconds, 2),
            "pages_per_s": round(pages / seconds, 2) if seconds else 0.0,
        }
        self._report(summary, problems, as_json=as_json)
        if problems and not ingested:
            raise CommandError("Nothing was ingested.")

    def _ingest_one(self, path: Path, collection, client, problems: list[str], quiet: bool) -> Document | None:
        try:
            with path.open("rb") as handle:
                document = services.add_document(collection, File(handle, name=path.name), path.name, enqueue=False)
        except services.UploadRejected as error:
            problems.append(error.reason)
            return None
        with tqdm(total=100, desc=path.name[:40], unit="%", disable=quiet, leave=False) as bar:

            def show(percent: int, detail: str) -> None:
                bar.n = percent
                bar.set_postfix_str(detail)

            ingest_document(document.pk, lambda: client, on_progress=show)
        document.refresh_from_db()
        if document.status == Document.Status.FAILED:
            problems.append(f"{path.name}: {document.error_reason}")
        return document

    def _report(self, summary: dict, problems: list[str], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(summary))
            for problem in problems:
                self.stderr.write(problem)
            return
        for problem in problems:
            self.stderr.write(self.style.WARNING(f"Skipped: {problem}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Ingested {summary['documents']} documents: {summary['pages']} pages, {summary['chunks']} chunks "
                f"in {summary['seconds']} s ({summary['pages_per_s']} pages/s)."
            )
        )
