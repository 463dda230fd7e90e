"""Audit detail, marks, replay and the content-gap report (auditors and admins)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from rag_app.audit import gaps, replay, services, support
from rag_app.audit.filters import visible_answers
from rag_app.chat.models import Answer, AuditMark

AUDIT = "chat.audit_answer"


def _answers(user):
    """Return the answers the user may audit, with what the pages show: the audit list's and their replays."""
    visible = visible_answers(user).values("pk")
    return (
        Answer.objects.filter(Q(pk__in=visible) | Q(replay_of__in=visible))
        .select_related("user", "conversation")
        .prefetch_related("sources", "collections", "feedback__user", "marks__auditor")
    )


@require_GET
@permission_required(AUDIT, raise_exception=True)
def answer_detail(request, pk):
    """The answer beside every passage it was given, with how well each sentence is supported."""
    answer = get_object_or_404(_answers(request.user), pk=pk)
    supports = support.sentence_support(answer)
    context = {
        "answer": answer,
        "supports": supports,
        "passages": support.highlighted_sources(answer, supports),
        "verdicts": AuditMark.Verdict.choices,
    }
    return render(request, "audit/detail.html", context)


@require_POST
@permission_required(AUDIT, raise_exception=True)
def add_mark(request, pk):
    answer = get_object_or_404(_answers(request.user), pk=pk)
    try:
        services.mark_answer(answer, request.user, request.POST.get("verdict", ""), request.POST.get("comment", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Mark saved.")
    return redirect("rag-audit-detail", pk)


@require_POST
@permission_required(AUDIT, raise_exception=True)
def run_replay(request, pk):
    """Answer the question again as recorded, then show both answers side by side."""
    original = get_object_or_404(_answers(request.user), pk=pk)
    try:
        replayed = replay.replay_answer(original, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("rag-audit-detail", pk)
    return redirect("rag-audit-compare", replayed.pk)


@require_GET
@permission_required(AUDIT, raise_exception=True)
def replay_comparison(request, pk):
    replayed = get_object_or_404(_answers(request.user), pk=pk, replay_of__isnull=False)
    original = get_object_or_404(_answers(request.user), pk=replayed.replay_of_id)
    context = {"original": original, "replay": replayed, "changes": replay.compare(original, replayed)}
    return render(request, "audit/compare.html", context)


@require_GET
@permission_required(AUDIT, raise_exception=True)
def gap_report(request):
    return render(
        request,
        "audit/gaps.html",
        {"gaps": gaps.content_gaps(visible_answers(request.user)), "threshold": gaps.GAP_THRESHOLD},
    )


urlpatterns = [
    path("answers/<int:pk>/", answer_detail, name="rag-audit-detail"),
    path("answers/<int:pk>/mark/", add_mark, name="rag-audit-mark"),
    path("answers/<int:pk>/replay/", run_replay, name="rag-audit-replay"),
    path("answers/<int:pk>/compare/", replay_comparison, name="rag-audit-compare"),
    path("gaps/", gap_report, name="rag-audit-gaps"),
]
