"""Audit list, exports and document usage (auditors and admins)."""

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from rag_app.audit import export
from rag_app.audit.filters import AuditFilterForm, document_usage, filter_answers, totals, with_related
from rag_app.chat.models import Answer
from rag_app.documents.models import Collection, Document

AUDIT = "chat.audit_answer"
PAGE_SIZE = 25
EXPORT_FORMATS = {"csv": (export.to_csv, "text/csv; charset=utf-8"), "json": (export.to_json, "application/json")}


@require_GET
@permission_required(AUDIT, raise_exception=True)
def audit_list(request):
    form = AuditFilterForm(request.GET, user=request.user)
    try:
        answers = filter_answers(request.GET, request.user)
    except ValidationError:
        answers = Answer.objects.none()
    page = Paginator(with_related(answers), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"form": form, "page": page, "totals": totals(answers)})


@require_GET
@permission_required(AUDIT, raise_exception=True)
def export_answers(request, fmt):
    """Download the filtered answers as an attachment, in the list's order."""
    if fmt not in EXPORT_FORMATS:
        raise Http404("Export as csv or json.")
    try:
        answers = filter_answers(request.GET, request.user)
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    render_records, content_type = EXPORT_FORMATS[fmt]
    response = HttpResponse(render_records(export.answer_records(answers)), content_type=content_type)
    filename = f"manualist-answers-{timezone.localdate():%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@permission_required(AUDIT, raise_exception=True)
def document_usage_page(request, pk):
    """Show which pages of one manual answers cite, and which answers cited it."""
    readable = Collection.objects.readable_by(request.user)
    document = get_object_or_404(Document.objects.filter(collection__in=readable), pk=pk)
    usage = document_usage(document, request.user)
    page = Paginator(usage.pop("answers"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/document_usage.html", {"document": document, "page": page, **usage})


urlpatterns = [
    path("", audit_list, name="rag-audit"),
    path("export.<str:fmt>", export_answers, name="rag-audit-export"),
    path("documents/<int:pk>/", document_usage_page, name="rag-audit-document"),
]
