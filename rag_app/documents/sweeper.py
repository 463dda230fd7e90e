"""Keep ingestion moving whatever dies: leases on documents being read, and a sweeper.

A worker holds a lease on the document it ingests and renews it while it works (``ingest.leased``).
The sweeper, run by runapp at start-up and every SWEEP_EVERY_S (or ``manage.py sweep`` in
production), puts a document whose lease lapsed back in the queue, fails one whose worker died
MAX_INGEST_INTERRUPTIONS times, and sends again the tasks the broker never got or lost.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from rag_app.documents import ingest
from rag_app.documents.dispatch import dispatch
from rag_app.documents.models import Document

logger = logging.getLogger(__name__)

SWEEP_EVERY_S = 30
# A queued task the broker may have lost (a Redis restart without persistence) is sent again
# after this long; a task sent twice is harmless, only one run can claim the document.
_RESEND_AFTER = datetime.timedelta(minutes=10)
# An upload's own task is sent when its transaction commits; leave it that moment.
_JUST_QUEUED = datetime.timedelta(seconds=10)

RESTARTED = "The worker stopped while reading this file; reading it again."
APP_STOPPED = "The app stopped while reading this file; it is read again when the app starts."


@dataclass
class SweepReport:
    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)


def interrupted_reason(times: int) -> str:
    return (
        f"The worker stopped while reading this file {times} times, so it is not tried again. "
        "The file may be too large or damaged for this machine: split it or check it, then re-ingest."
    )


def sweep(*, no_worker_running: bool = False) -> SweepReport:
    """Requeue documents whose worker died, fail those that keep killing it, resend lost tasks.

    ``no_worker_running`` (runapp at start-up, before its worker) takes every document still
    being read as interrupted, without waiting for its lease to lapse.
    """
    report = SweepReport()
    now = timezone.now()
    working = Document.objects.filter(status__in=Document.WORKING)
    if not no_worker_running:
        working = working.filter(Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True))
    for document in working.select_related("collection"):
        if document.interruptions + 1 >= settings.MAX_INGEST_INTERRUPTIONS:
            _fail_interrupted(document)
            report.failed.append(document.pk)
        elif _requeue(document, RESTARTED, count_interruption=True):
            report.requeued.append(document.pk)
    unsent = Document.objects.filter(status=Document.Status.QUEUED, updated_at__lt=now - _JUST_QUEUED).filter(
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - _RESEND_AFTER)
    )
    for document_id in unsent.values_list("pk", flat=True):
        if dispatch(document_id):
            report.sent.append(document_id)
    if report.requeued or report.failed or report.sent:
        logger.info("Sweep: requeued %s, failed %s, sent %s", report.requeued, report.failed, report.sent)
    return report


def release_working() -> int:
    """Put every document being read back in the queue, uncounted: the app is stopping on purpose.

    Call it only once the worker has stopped. The next start's sweep sends their tasks again.
    """
    released = 0
    for document in Document.objects.filter(status__in=Document.WORKING):
        released += _requeue(document, APP_STOPPED, count_interruption=False)
    return released


def _requeue(document: Document, detail: str, *, count_interruption: bool) -> bool:
    return bool(
        Document.objects.filter(pk=document.pk, generation=document.generation, status=document.status).update(
            status=Document.Status.QUEUED,
            progress=0,
            stage_detail=detail,
            lease_expires_at=None,
            dispatched_at=None,
            interruptions=F("interruptions") + (1 if count_interruption else 0),
        )
    )


def _fail_interrupted(document: Document) -> None:
    Document.objects.filter(pk=document.pk, generation=document.generation).update(
        interruptions=F("interruptions") + 1, lease_expires_at=None
    )
    ingest.fail_outside_a_run(document, interrupted_reason(document.interruptions + 1))
