"""Serve an uploaded manual as itself, so nothing in it can run in the app's origin.

The content type comes from the bytes, never from the file name: a PDF only when the file
really starts like one, everything else as plain UTF-8 text. An HTML manual therefore
opens as its source, which is what an auditor checking a passage needs.
"""

from django.http import FileResponse

from ingestion.detect import looks_like_pdf
from rag_app.core.security import UPLOADED_PDF_POLICY, UPLOADED_TEXT_POLICY
from rag_app.documents.models import Document


def original_file_response(document: Document) -> FileResponse:
    """Return the stored file inline: as a PDF when its bytes are one, else as sandboxed plain text."""
    handle = document.file.open("rb")
    head = handle.read(1024)
    handle.seek(0)
    is_pdf = document.kind == "pdf" and looks_like_pdf(head)
    response = FileResponse(
        handle,
        filename=document.original_name,
        as_attachment=False,
        content_type="application/pdf" if is_pdf else "text/plain; charset=utf-8",
    )
    response.headers["Content-Security-Policy"] = UPLOADED_PDF_POLICY if is_pdf else UPLOADED_TEXT_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
