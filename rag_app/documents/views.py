"""Documents page for admins: upload manuals, watch them ingest, re-ingest or delete them."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from ingestion.store import StoreUnavailable
from rag_app.documents import services
from rag_app.documents.forms import CollectionForm
from rag_app.documents.models import Collection, Document
from rag_app.documents.originals import original_file_response
from rag_app.evaluations.services import guard_warning

ADMIN_PERMISSION = "documents.add_document"
# Every role opens the manuals: staff and auditors through citations, admins from this page.
FILE_PERMISSIONS = ("chat.use_chat", "chat.audit_answer", ADMIN_PERMISSION)


def _managed(user):
    """Collections this admin manages: those they can read, so a restricted one stays with its groups."""
    return Collection.objects.readable_by(user)


def _selected_collection(request) -> Collection | None:
    collections = _managed(request.user)
    wanted = request.GET.get("collection") or request.POST.get("collection")
    if wanted and wanted.isdigit():
        return collections.filter(pk=wanted).first()
    return collections.first()


@require_GET
@permission_required(ADMIN_PERMISSION, raise_exception=True)
def documents_page(request):
    collection = _selected_collection(request)
    return render(
        request,
        "documents/documents.html",
        {
            "collections": _managed(request.user),
            "collection": collection,
            "documents": collection.documents.all() if collection else [],
            "collection_form": CollectionForm(),
            "max_upload_mb": settings.MAX_UPLOAD_MB,
            "guard_warning": guard_warning(collection),
        },
    )


@require_GET
@permission_required(ADMIN_PERMISSION, raise_exception=True)
def document_rows(request):
    """The table body alone, polled by the page while documents are ingesting."""
    collection = _selected_collection(request)
    return render(request, "documents/_rows.html", {"documents": collection.documents.all() if collection else []})


@require_POST
@permission_required(ADMIN_PERMISSION, raise_exception=True)
def create_collection(request):
    form = CollectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(error for errors in form.errors.values() for error in errors))
        return redirect("rag-documents")
    collection = form.save()
    messages.success(request, f"Collection “{collection.name}” created.")
    return redirect(collection.get_absolute_url())


@require_POST
@permission_required(ADMIN_PERMISSION, raise_exception=True)
def upload_documents(request):
    """Accept one or more files; answer JSON to the page's script, or redirect a plain form."""
    collection = get_object_or_404(_managed(request.user), pk=request.POST.get("collection"))
    accepted, rejected = [], []
    uploads = request.FILES.getlist("files")
    for upload in uploads:
        try:
            document = services.add_document(collection, upload, upload.name, request.user)
            accepted.append({"name": upload.name, "id": document.pk})
        except services.UploadRejected as error:
            existing = error.existing.get_absolute_url() if error.existing else None
            rejected.append({"name": upload.name, "reason": error.reason, "existing_url": existing})
    for name in services.unreceived_names(request.POST.getlist("names"), [upload.name for upload in uploads]):
        rejected.append({"name": name, "reason": f"“{name}” was not received: rename it and upload it again."})
    if request.headers.get("accept") == "application/json":
        return JsonResponse({"accepted": accepted, "rejected": rejected})
    for item in accepted:
        messages.success(request, f"{item['name']} queued for ingestion.")
    for item in rejected:
        messages.error(request, item["reason"])
    return redirect(collection.get_absolute_url())


@require_POST
@permission_required(ADMIN_PERMISSION, raise_exception=True)
def reingest_document(request, pk):
    document = get_object_or_404(Document, pk=pk, collection__in=_managed(request.user))
    services.reingest_document(document)
    messages.success(request, f"“{document.title}” queued for re-ingestion.")
    return redirect(document.collection.get_absolute_url())


@require_POST
@permission_required("documents.delete_document", raise_exception=True)
def delete_document(request, pk):
    document = get_object_or_404(Document, pk=pk, collection__in=_managed(request.user))
    collection = document.collection
    try:
        services.delete_document(document)
    except StoreUnavailable as error:
        messages.error(request, f"“{document.title}” was not deleted: {error}")
    else:
        messages.success(request, f"“{document.title}” deleted.")
    return redirect(collection.get_absolute_url())


@require_GET
@xframe_options_sameorigin
def document_file(request, pk):
    """Serve the original file inline, so a browser opens a PDF at #page=N; only to users with a role."""
    if not any(request.user.has_perm(permission) for permission in FILE_PERMISSIONS):
        raise PermissionDenied("Your account has no role yet: ask an admin to add you to staff, auditor or admin.")
    document = get_object_or_404(Document, pk=pk, collection__in=_managed(request.user))
    return original_file_response(document)
