"""What auditors do to answers: mark them approved or wrong."""

from django.core.exceptions import ValidationError

from rag_app.chat.models import Answer, AuditMark


def mark_answer(answer: Answer, auditor, verdict: str, comment: str = "") -> AuditMark:
    """Record an auditor's verdict on an answer; raise ValidationError for an unknown verdict.

    Marks are never replaced, so the history shows who judged what, and when.
    """
    if verdict not in AuditMark.Verdict.values:
        raise ValidationError("Choose approved, citation wrong or answer wrong.")
    return AuditMark.objects.create(answer=answer, auditor=auditor, verdict=verdict, comment=comment.strip()[:2000])
