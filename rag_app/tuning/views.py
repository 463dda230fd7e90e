"""The collection's tuning page for admins: prompt style with a preview, LoRA adapters, training jobs."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from answering.llm import LLMUnavailable
from rag_app.chat import llm_settings
from rag_app.documents.models import Collection
from rag_app.tuning import services, training
from rag_app.tuning.forms import AdapterUploadForm, PromptStyleForm, TrainingForm
from rag_app.tuning.models import Adapter

ADMIN_PERMISSION = "documents.add_document"


def _collection(request, pk) -> Collection:
    return get_object_or_404(Collection.objects.readable_by(request.user), pk=pk)


def _served_model():
    """The served model's description, or None when the LLM server is down (the page still works)."""
    try:
        return llm_settings.chat_model().info
    except LLMUnavailable:
        return None


def _render(request, collection, *, style_form=None, upload_form=None, training_form=None, preview=None):
    context = {
        "collection": collection,
        "collections": Collection.objects.readable_by(request.user),
        "style_form": style_form
        or PromptStyleForm(initial={"style": collection.prompt_style, "examples": services.examples_text(collection)}),
        "upload_form": upload_form or AdapterUploadForm(),
        "training_form": training_form or TrainingForm(initial={"name": f"{collection.name}-lora"}),
        "adapters": collection.adapters.all(),
        "jobs": collection.training_jobs.select_related("adapter")[:10],
        "preview": preview,
        "model": _served_model(),
    }
    context["refresh"] = any(job.is_pending for job in context["jobs"])
    return render(request, "tuning/tuning.html", context)


@require_GET
@permission_required(ADMIN_PERMISSION, raise_exception=True)
def tuning_page(request, pk):
    return _render(request, _collection(request, pk))


@require_POST
@permission_required(ADMIN_PERMISSION, raise_exception=True)
def prompt_style(request, pk):
    """Preview the prompt the form describes, or save it; nothing is saved without passing the checks."""
    collection = _collection(request, pk)
    form = PromptStyleForm(request.POST)
    if not form.is_valid():
        return _render(request, collection, style_form=form)
    data = form.cleaned_data
    try:
        style = services.style_from_form(data["style"], data["examples"])
    except services.TuningError as error:
        form.add_error("examples", str(error))
        return _render(request, collection, style_form=form)
    if request.POST.get("action") == "save":
        services.save_style(collection, style)
        messages.success(request, f"{collection.name} now uses the {collection.get_prompt_style_display()} prompt.")
        return redirect("rag-tuning", collection.pk)
    model = _served_model()
    shown = services.preview(collection, style, data["preview_question"], chat=model.chat_template if model else True)
    return _render(request, collection, style_form=form, preview=shown)


@require_POST
@permission_required(ADMIN_PERMISSION, raise_exception=True)
def upload_adapter(request, pk):
    collection = _collection(request, pk)
    form = AdapterUploadForm(request.POST, request.FILES)
    if form.is_valid():
        model = _served_model()
        try:
            adapter = services.add_adapter(
                collection,
                form.cleaned_data["name"],
                form.cleaned_data["file"],
                model.architecture if model else "",
                request.user,
            )
        except services.TuningError as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, f"Adapter {adapter.name} added. Attach it to use it for answers.")
            return redirect("rag-tuning", collection.pk)
    return _render(request, collection, upload_form=form)


@require_POST
@permission_required(ADMIN_PERMISSION, raise_exception=True)
def adapter_action(request, pk):
    adapter = get_object_or_404(Adapter, pk=pk, collection__in=Collection.objects.readable_by(request.user))
    action = request.POST.get("action")
    if action == "attach":
        services.attach_adapter(adapter)
        messages.success(request, f"Answers in {adapter.collection.name} are now generated with {adapter.name}.")
    elif action == "detach":
        services.detach_adapters(adapter.collection)
        messages.success(request, f"Answers in {adapter.collection.name} use the base model alone again.")
    elif action == "delete":
        services.delete_adapter(adapter)
        messages.success(request, f"Adapter {adapter.name} deleted.")
    return redirect("rag-tuning", adapter.collection_id)


@require_POST
@permission_required(ADMIN_PERMISSION, raise_exception=True)
def start_training(request, pk):
    collection = _collection(request, pk)
    form = TrainingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            training.start_training(
                collection, data["name"], steps=data["steps"], pairs=data["pairs"], user=request.user
            )
        except services.TuningError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, "Training queued; this page shows its progress.")
            return redirect("rag-tuning", collection.pk)
    return _render(request, collection, training_form=form)


@require_GET
@permission_required(ADMIN_PERMISSION, raise_exception=True)
def tuning_index(request):
    """Open the tuning page of the collection asked for, or of the first one."""
    collections = Collection.objects.readable_by(request.user)
    wanted = request.GET.get("collection", "")
    collection = collections.filter(pk=wanted).first() if wanted.isdigit() else collections.first()
    if collection is None:
        messages.info(request, "Create a collection first: tuning is set per collection.")
        return redirect("rag-documents")
    return redirect("rag-tuning", collection.pk)
