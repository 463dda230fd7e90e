"""Choose the recorded answers an auditor looks at: filters, totals and how a document was used.

Auditors see only answers whose collections they may all read, so a restricted manual's
passages stay with the groups it was restricted to. Replays are comparisons made during an
audit, not questions users asked, so they never appear here.
"""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from rag_app.chat.access import readable_answers
from rag_app.chat.models import Answer, AnswerSource, AuditMark, Feedback
from rag_app.documents.models import Collection, Document


class AuditFilterForm(forms.Form):
    """Validate the audit list's GET parameters; every field is optional."""

    to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    user = forms.ModelChoiceField(queryset=None, required=False, to_field_name="username", empty_label="Anyone")
    collection = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any collection")
    document = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any document")
    feedback = forms.ChoiceField(
        required=False,
        choices=[("", "Any feedback"), ("up", "Thumbs up"), ("down", "Thumbs down"), ("none", "No feedback")],
    )
    no_answer = forms.ChoiceField(
        required=False,
        label="Outcome",
        choices=[("", "Answered or not"), ("no", "Answered"), ("yes", "Not in the manuals")],
    )
    q = forms.CharField(required=False, max_length=200, label="Search")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so it cannot be declared as a class attribute like "to".
        self.fields = {
            "from": forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"})),
            **self.fields,
        }
        readable = Collection.objects.readable_by(user)
        self.fields["user"].queryset = (
            get_user_model().objects.filter(answers__isnull=False).distinct().order_by("username")
        )
        self.fields["collection"].queryset = readable
        self.fields["document"].queryset = Document.objects.filter(collection__in=readable).order_by("title")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("from") and cleaned.get("to") and cleaned["from"] > cleaned["to"]:
            raise ValidationError("The start date must not be after the end date.")
        return cleaned


def visible_answers(user) -> QuerySet[Answer]:
    """Return the recorded answers (no replays) whose collections the user may all read, deleted ones too."""
    return readable_answers(Answer.objects.filter(replay_of__isnull=True), user)


def filter_answers(params, user) -> QuerySet[Answer]:
    """Return the visible answers matching ``params``, newest first; raise ValidationError on bad params."""
    form = AuditFilterForm(params, user=user)
    if not form.is_valid():
        raise ValidationError(form.errors)
    data = form.cleaned_data
    answers = visible_answers(user)
    if data["from"]:
        answers = answers.filter(created_at__gte=_start_of(data["from"]))
    if data["to"]:
        answers = answers.filter(created_at__lt=_start_of(data["to"] + datetime.timedelta(days=1)))
    if data["user"]:
        answers = answers.filter(user=data["user"])
    if data["collection"]:
        answers = answers.filter(collections=data["collection"])
    if data["document"]:
        answers = answers.filter(Exists(AnswerSource.objects.filter(answer=OuterRef("pk"), document=data["document"])))
    if data["feedback"]:
        answers = answers.filter(_feedback_condition(data["feedback"]))
    if data["no_answer"]:
        answers = answers.filter(no_answer=data["no_answer"] == "yes")
    if data["q"]:
        answers = answers.filter(Q(question__icontains=data["q"]) | Q(text__icontains=data["q"]))
    return answers.order_by("-created_at", "-pk")


def _start_of(day: datetime.date) -> datetime.datetime:
    # Bounds as aware datetimes keep the created_at index usable, unlike a __date lookup.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _feedback_condition(choice: str) -> Q | Exists:
    feedback = Feedback.objects.filter(answer=OuterRef("pk"))
    if choice == "none":
        return ~Exists(feedback)
    return Exists(feedback.filter(helpful=choice == "up"))


def with_related(answers: QuerySet[Answer]) -> QuerySet[Answer]:
    """Fetch the user, collections, sources, marks and feedback the list and exports show, in five queries."""
    return answers.select_related("user").prefetch_related(
        "collections",
        "sources",
        Prefetch("marks", queryset=AuditMark.objects.select_related("auditor")),
        Prefetch("feedback", queryset=Feedback.objects.select_related("user")),
    )


def totals(answers: QuerySet[Answer]) -> dict:
    """Count answers, no-answers and feedback votes; ``no_answer_rate`` is None when there are no answers."""
    counts = answers.order_by().aggregate(answers=Count("pk"), no_answers=Count("pk", filter=Q(no_answer=True)))
    votes = Feedback.objects.filter(answer__in=answers.order_by().values("pk")).aggregate(
        thumbs_up=Count("pk", filter=Q(helpful=True)), thumbs_down=Count("pk", filter=Q(helpful=False))
    )
    rate = counts["no_answers"] / counts["answers"] if counts["answers"] else None
    return {**counts, "no_answer_rate": rate, **votes}


def document_usage(document: Document, user) -> dict:
    """Count how the document's pages served the visible answers, and list the answers that cited it.

    Return ``pages`` (page_start, times_cited, times_uncited; most cited first, so a page only ever
    retrieved still shows with 0 citations), the same two counts for the whole document, and
    ``answers``: the citing answers, newest first, each with ``cited_here`` (its cited passages of it).
    """
    sources = AnswerSource.objects.filter(document=document, answer__in=visible_answers(user).values("pk"))
    pages = (
        sources.values("page_start")
        .annotate(**_citation_counts())
        .order_by("-times_cited", "-times_uncited", "page_start")
    )
    counts = sources.aggregate(**_citation_counts())
    citing = visible_answers(user).filter(
        Exists(AnswerSource.objects.filter(answer=OuterRef("pk"), document=document, cited=True))
    )
    citing = citing.select_related("user").prefetch_related(
        Prefetch("sources", queryset=sources.filter(cited=True), to_attr="cited_here")
    )
    return {"pages": list(pages), **counts, "answers": citing.order_by("-created_at", "-pk")}


def _citation_counts() -> dict:
    return {"times_cited": Count("pk", filter=Q(cited=True)), "times_uncited": Count("pk", filter=Q(cited=False))}
