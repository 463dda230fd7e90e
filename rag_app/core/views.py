"""The home page sends each role to its own starting page."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

_START_PAGES = [
    ("chat.use_chat", "rag-chat"),
    ("chat.audit_answer", "rag-audit"),
    ("documents.add_document", "rag-documents"),
]


def home(request):
    for permission, page in _START_PAGES:
        if request.user.has_perm(permission):
            return redirect(page)
    raise PermissionDenied("Your account has no role yet: ask an admin to add you to staff, auditor or admin.")
