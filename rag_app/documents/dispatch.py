"""Send a document's ingestion task to the broker, surviving a broker that is away.

An upload is committed first and its task sent after; when the broker cannot be reached the
document waits as *waiting for a worker* (``dispatched_at`` empty) and the sweeper sends it
once the broker answers again, so nothing uploaded is lost and nothing hangs on a 500.
"""

import logging

from django.utils import timezone
from kombu.exceptions import OperationalError

from rag_app.documents.models import Document
from rag_app.documents.tasks import ingest_document_task

logger = logging.getLogger(__name__)

WAITING_FOR_BROKER = "Waiting for a worker: the task queue cannot be reached. It is sent as soon as the queue answers."
# One quick retry: an upload must not hang on a broker that is down.
_PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1}


def dispatch(document_id: int) -> bool:
    """Send the document's ingestion task; return False, noting why it waits, when the broker is away."""
    try:
        ingest_document_task.apply_async((document_id,), retry=True, retry_policy=_PUBLISH_RETRY)
    except (OperationalError, OSError) as error:
        logger.warning("Could not send the ingestion of document %s to the broker: %s", document_id, error)
        Document.objects.filter(pk=document_id, status=Document.Status.QUEUED).update(
            stage_detail=WAITING_FOR_BROKER, dispatched_at=None
        )
        return False
    Document.objects.filter(pk=document_id, stage_detail=WAITING_FOR_BROKER).update(stage_detail="Queued")
    Document.objects.filter(pk=document_id).update(dispatched_at=timezone.now())
    return True
