"""Evaluation pages for admins: upload gold questions, watch runs, compare them over time."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from rag_app.chat.evaluation import EvaluationError
from rag_app.documents.models import Collection
from rag_app.evaluations import comparison, services
from rag_app.evaluations.forms import EvaluationForm
from rag_app.evaluations.models import EvaluationRun, QuestionSet

ADMIN_PERMISSION = "documents.add_document"


def _history_url(collection: Collection) -> str:
    return reverse("rag-eval-history", args=[collection.pk])


def _render_page(request, collection: Collection | None, form: EvaluationForm):
    runs = list(collection.evaluation_runs.select_related("question_set")[:10]) if collection else []
    context = {
        "collections": Collection.objects.readable_by(request.user),
        "collection": collection,
        "form": form,
        "question_sets": collection.question_sets.all() if collection else [],
        "runs": runs,
        "refresh": any(run.is_pending for run in runs),
    }
    return render(request, "evaluations/evaluations.html", context)


@require_GET
@permission_required(ADMIN_PERMISSION, raise_exception=True)
def evaluations_page(request):
    wanted = request.GET.get("collection", "")
    collections = Collection.objects.readable_by(request.user)
    collection = collections.filter(pk=wanted).first() if wanted.isdigit() else collections.first()
    return _render_page(request, collection, EvaluationForm(initial={"collection": collection}, user=request.user))


@require_POST
@permission_required(ADMIN_PERMISSION, raise_exception=True)
def start_evaluation(request):
    form = EvaluationForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            question_set = services.add_question_set(
                data["collection"], data["questions"], request.user, is_guard=data["is_guard"]
            )
        except EvaluationError as error:
            form.add_error("questions", str(error))
        else:
            runs = services.start_runs(
                question_set, form.modes, k=data["k"], retrieval_only=data["retrieval_only"], user=request.user
            )
            messages.success(request, f"{question_set.name}: {len(question_set.questions)} questions queued.")
            return redirect(runs[0] if len(runs) == 1 else _history_url(question_set.collection))
    fallback = Collection.objects.readable_by(request.user).first()
    return _render_page(request, form.cleaned_data.get("collection") or fallback, form)


@require_POST
@permission_required(ADMIN_PERMISSION, raise_exception=True)
def make_guard(request, pk):
    question_set = get_object_or_404(QuestionSet, pk=pk, collection__in=Collection.objects.readable_by(request.user))
    services.make_guard(question_set)
    messages.success(request, f"{question_set.name} now guards {question_set.collection.name}.")
    return redirect(f"{reverse('rag-eval')}?collection={question_set.collection_id}")


@require_GET
@permission_required(ADMIN_PERMISSION, raise_exception=True)
def run_page(request, pk):
    runs = EvaluationRun.objects.select_related("question_set", "collection")
    run = get_object_or_404(runs, pk=pk, collection__in=Collection.objects.readable_by(request.user))
    return render(request, "evaluations/run.html", {"run": run, "rows": services.question_rows(run)})


@require_GET
@permission_required(ADMIN_PERMISSION, raise_exception=True)
def history_page(request, pk):
    collection = get_object_or_404(Collection.objects.readable_by(request.user), pk=pk)
    runs, charts = services.collection_history(collection)
    context = {"collection": collection, "runs": runs, "charts": charts, "refresh": any(r.is_pending for r in runs)}
    return render(request, "evaluations/history.html", context)


@require_GET
@permission_required(ADMIN_PERMISSION, raise_exception=True)
def compare_page(request, pk):
    """Side by side for the collection's chosen (or newest) question set: every approach's latest run."""
    collection = get_object_or_404(Collection.objects.readable_by(request.user), pk=pk)
    sets = collection.question_sets.all()
    wanted = request.GET.get("set", "")
    question_set = sets.filter(pk=wanted).first() if wanted.isdigit() else sets.first()
    shown = comparison.compare(question_set) if question_set else None
    context = {
        "collection": collection,
        "question_sets": sets,
        "comparison": shown,
        "refresh": bool(shown and shown.pending),
    }
    return render(request, "evaluations/compare.html", context)


@require_POST
@permission_required(ADMIN_PERMISSION, raise_exception=True)
def start_comparison(request, pk):
    sets = QuestionSet.objects.filter(collection__in=Collection.objects.readable_by(request.user))
    question_set = get_object_or_404(sets, pk=pk)
    runs = comparison.start_comparison(question_set, request.user)
    messages.success(
        request, f"{len(runs)} approaches queued on {question_set.name}; the table fills in as they finish."
    )
    return redirect(f"{reverse('rag-eval-compare', args=[question_set.collection_id])}?set={question_set.pk}")
