"""The home page sends each role to its own starting page; the health endpoint reports the services."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rag_app.core.health import service_health

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


@login_not_required
@never_cache
@require_GET
def health(request):
    """Each service up or down with its latency; 503 when one is down, so a load balancer drops this instance."""
    report = service_health()
    return JsonResponse(report, status=200 if report["status"] == "up" else 503)
