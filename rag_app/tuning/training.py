"""Train a LoRA adapter from a collection in a worker: gather pairs, train, store, attach.

Pairs come from the auditors' approved answers first (a real question, the passages it was
answered from, an answer a person checked), then from the collection's pages
(``tuning.pairs``). The base model is the served GGUF, so the adapter fits it.
"""

import json
import logging
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from answering.packaged_models import PACKAGED_MODELS, ensure_packaged_model, packaged_model
from answering.prompt import format_sources
from rag_app.chat.models import Answer, AuditMark
from rag_app.documents.models import Chunk, Collection
from rag_app.tuning import services
from rag_app.tuning.models import TrainingJob
from rag_app.tuning.tasks import train_adapter_task

logger = logging.getLogger(__name__)


def start_training(collection: Collection, name: str, *, steps: int, pairs: int, user=None) -> TrainingJob:
    """Queue a training job for the worker; raise TuningError when the name is taken or the caps are exceeded."""
    with transaction.atomic():
        job = create_job(collection, name, steps=steps, pairs=pairs, user=user)
        train_adapter_task.delay_on_commit(job.pk)
    return job


def create_job(collection: Collection, name: str, *, steps: int, pairs: int, user=None) -> TrainingJob:
    """Record a queued job within the caps; raise TuningError when the name is taken or the caps are exceeded."""
    name = name.strip()
    if collection.adapters.filter(name=name).exists():
        raise services.TuningError(f"The collection already has an adapter named {name}.")
    if steps > settings.TRAINING_MAX_STEPS or pairs > settings.TRAINING_MAX_PAIRS:
        raise services.TuningError(
            f"This machine allows at most {settings.TRAINING_MAX_STEPS} steps and {settings.TRAINING_MAX_PAIRS} pairs."
        )
    config = {
        "max_steps": steps,
        "max_pairs": pairs,
        "threads": settings.TRAINING_THREADS,
        "max_seq_tokens": settings.TRAINING_MAX_SEQ_TOKENS,
        "rank": settings.TRAINING_RANK,
        "alpha": 2.0 * settings.TRAINING_RANK,
    }
    return TrainingJob.objects.create(collection=collection, name=name, config=config, started_by=user)


def run_training(job_id: int, on_stage=None) -> TrainingJob | None:
    """Claim a queued job and train it; None when it was not queued (a redelivered task).

    The training runs in a child process (``tuning.run``): the gigabytes a base model takes
    in float32 go back to the system when it ends, instead of staying with the worker.
    ``on_stage(stage, done)`` hears the progress the job's page shows.
    """
    claimed = TrainingJob.objects.filter(pk=job_id, status=TrainingJob.Status.QUEUED).update(
        status=TrainingJob.Status.RUNNING, started_at=timezone.now(), stage="gathering pairs"
    )
    if not claimed:
        return None
    job = TrainingJob.objects.select_related("collection", "started_by").get(pk=job_id)
    try:
        pairs, approved = training_pairs(job.collection, job.config["max_pairs"])
        if not pairs:
            raise services.TuningError("The collection has no approved answers and no ingested pages to learn from.")
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "adapter.gguf"
            report = _train_in_child(job, base_model_path(), pairs, out, Path(folder), on_stage)
            upload = SimpleUploadedFile(f"{job.name}.gguf", out.read_bytes())
        adapter = services.add_adapter(
            job.collection, job.name, upload, report["architecture"], job.started_by, source="training"
        )
        services.attach_adapter(adapter)
    except services.TuningError as error:
        _finish(job, TrainingJob.Status.FAILED, error=str(error))
    except Exception as error:
        logger.exception("Training job %s failed", job_id)
        _finish(job, TrainingJob.Status.FAILED, error=f"Unexpected error ({type(error).__name__}: {error}).")
    else:
        job.adapter = adapter
        job.report = {
            "pairs": report["pairs"],
            "approved_pairs": min(approved, report["pairs"]),
            "steps": report["steps"],
            "first_loss": report["first_loss"],
            "last_loss": report["last_loss"],
            "minutes": round(report["seconds"] / 60, 1),
            "peak_rss_mb": round(report["peak_rss_mb"]),
        }
        _finish(job, TrainingJob.Status.DONE)
    return job


def _train_in_child(job: TrainingJob, base: Path, pairs: list, out: Path, folder: Path, on_stage) -> dict:
    """Run ``tuning.run`` on the job and return its report; raise TuningError with its reason when it fails."""
    spec = folder / "job.json"
    spec.write_text(
        json.dumps({"base": str(base), "out": str(out), "config": job.config, "pairs": [asdict(p) for p in pairs]}),
        encoding="utf-8",
    )
    # The child's warnings and progress bars go to a file: a full stderr pipe would block it.
    log_path = folder / "training.log"
    with log_path.open("w") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "tuning.run", str(spec)], stdout=subprocess.PIPE, stderr=log, text=True
        )
    result: dict = {}
    try:
        for line in child.stdout:
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "stage" in message:
                _progress(job, message["stage"], message["done"], on_stage)
            result = message
        child.wait()
    finally:
        # A worker stopped for time (or any error here) must not leave the training running.
        if child.poll() is None:
            child.kill()
            child.wait()
    if "report" in result:
        return result["report"]
    if "error" in result:
        raise services.TuningError(result["error"])
    tail = log_path.read_text(errors="replace").strip()[-500:]
    raise services.TuningError(f"The training process ended with status {child.returncode}: {tail}")


def fail_job(job_id: int, error: str) -> None:
    """Mark a job failed from outside the training, e.g. when the worker stopped it for time."""
    TrainingJob.objects.filter(pk=job_id).update(
        status=TrainingJob.Status.FAILED, error=error, finished_at=timezone.now()
    )


def fail_interrupted_jobs() -> int:
    """Mark every job still "running" as failed; return how many. Call it only when no worker runs."""
    return TrainingJob.objects.filter(status=TrainingJob.Status.RUNNING).update(
        status=TrainingJob.Status.FAILED,
        error="The worker stopped while this adapter was being trained. Start the training again.",
        finished_at=timezone.now(),
    )


def training_pairs(collection: Collection, limit: int) -> tuple[list, int]:
    """Return pairs from approved answers, then from the searchable pages, ``limit`` in all; and the approved count.

    An approved answer keeps its sources' numbers, so its [n] markers still point at them.
    """
    from tuning.pairs import TrainingPair, pairs_from_pages

    approved = (
        Answer.objects.filter(
            collections=collection, marks__verdict=AuditMark.Verdict.APPROVED, no_answer=False, status="complete"
        )
        .distinct()
        .prefetch_related("sources")[:limit]
    )
    pairs = []
    for answer in approved:
        cited = [source for source in answer.sources.all() if source.cited]
        if not cited:
            continue
        passages = [source.as_passage() for source in cited]
        pairs.append(TrainingPair(question=answer.question, sources=format_sources(passages), answer=answer.text))
    pages = (
        Chunk.objects.served()
        .filter(document__collection=collection, searchable=True)
        .select_related("document")
        .order_by("document_id", "ordinal")
    )
    page_texts = [
        (chunk.document.title or chunk.document.original_name, chunk.page_start, chunk.text) for chunk in pages
    ]
    approved_count = len(pairs)
    if approved_count < limit:
        pairs += pairs_from_pages(page_texts, limit - approved_count)
    return pairs, approved_count


def base_model_path() -> Path:
    """The GGUF the LLM server serves, which the adapter must fit; it must be on this machine."""
    if settings.LLM_MODEL_PATH:
        path = Path(settings.LLM_MODEL_PATH)
        if not path.is_file():
            raise services.TuningError(f"Training needs the served model's file on this machine; {path} is not here.")
        return path
    if settings.LLM_MODEL not in PACKAGED_MODELS:
        raise services.TuningError(f"Training needs a GGUF base model; {settings.LLM_MODEL} is not a packaged model.")
    return ensure_packaged_model(packaged_model(settings.LLM_MODEL), settings.MODELS_DIR)


def _progress(job: TrainingJob, stage: str, done: float, on_stage=None) -> None:
    TrainingJob.objects.filter(pk=job.pk).update(stage=stage[:100], progress=max(0.0, min(done, 1.0)))
    if on_stage:
        on_stage(stage, done)


def _finish(job: TrainingJob, status: str, *, error: str = "") -> None:
    job.status, job.error, job.finished_at = status, error, timezone.now()
    job.progress = 1.0 if status == TrainingJob.Status.DONE else job.progress
    job.save(update_fields=["status", "error", "finished_at", "progress", "adapter", "report"])
