"""Conversations, and every answer with what it was built from, so it can be audited."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from answering.llm import StopReason
from answering.types import Passage
from rag_app.documents.models import Chunk, Collection, Document


class Conversation(models.Model):
    """A thread of questions by one user over chosen collections."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    title = models.CharField(max_length=200)
    collections = models.ManyToManyField(Collection, related_name="conversations")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("rag-chat-conversation", args=[self.pk])


class Answer(models.Model):
    """One question and its answer, with the retrieval, prompt, model and timings behind it."""

    class Status(models.TextChoices):
        STREAMING = "streaming", "Streaming"
        COMPLETE = "complete", "Complete"
        NO_ANSWER = "no_answer", "Not in the manuals"
        STOPPED = "stopped", "Stopped"
        FAILED = "failed", "Failed"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="answers")
    collections = models.ManyToManyField(Collection, related_name="answers")
    question = models.TextField()
    retrieval_query = models.TextField(help_text="The standalone query used for retrieval.")
    search_terms = models.TextField(blank=True, help_text="The model's guesses at the manual's words for BM25.")
    text = models.TextField(blank=True, help_text="The answer as shown, citations resolved.")
    raw_text = models.TextField(blank=True, help_text="The answer exactly as the model generated it.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.STREAMING)
    no_answer = models.BooleanField(default=False)
    no_answer_reason = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    stop_reason = models.CharField(max_length=20, blank=True, help_text="Why generation ended (see StopReason).")
    prompt = models.JSONField(default=list, help_text="The chat messages sent to the model.")
    prompt_style = models.CharField(max_length=20, blank=True, help_text="The prompt style it was asked in.")
    prompt_version = models.CharField(
        max_length=12, blank=True, help_text="Fingerprint of the style's templates and examples (prompt_version)."
    )
    reasoning = models.TextField(blank=True, help_text="A chain-of-thought answer's reasoning, hidden from readers.")
    adapter_name = models.CharField(max_length=255, blank=True, help_text="The LoRA adapter it was generated with.")
    adapter_sha256 = models.CharField(max_length=64, blank=True)
    model_info = models.JSONField(default=dict)
    generation_params = models.JSONField(default=dict)
    wait_ms = models.FloatField(null=True, help_text="Time in line for the model, from the request's arrival.")
    retrieval_ms = models.FloatField(null=True)
    ttft_ms = models.FloatField(null=True)
    total_ms = models.FloatField(null=True)
    prompt_tokens = models.PositiveIntegerField(null=True)
    completion_tokens = models.PositiveIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays",
        help_text="The recorded answer this one re-ran, for comparison.",
    )  # fmt: skip

    class Meta:
        ordering = ["created_at"]
        permissions = [
            ("use_chat", "Can ask questions in chat"),
            ("audit_answer", "Can open audit pages, mark answers and export them"),
        ]

    def __str__(self):
        return self.question[:80]

    def get_absolute_url(self):
        return reverse("rag-audit-detail", args=[self.pk])

    @property
    def stop_reason_display(self) -> str:
        """Say in words why generation ended, for auditors."""
        return _STOP_REASON_WORDS.get(self.stop_reason, self.stop_reason or "—")

    @property
    def tokens_per_s(self) -> float | None:
        if not self.completion_tokens or not self.total_ms or self.ttft_ms is None:
            return None
        generating_s = (self.total_ms - self.ttft_ms) / 1000
        return round(self.completion_tokens / generating_s, 2) if generating_s > 0 else None


_STOP_REASON_WORDS = {
    StopReason.FINISHED: "The model finished its answer.",
    StopReason.LENGTH: "It reached the token limit (LLM_MAX_TOKENS) and was cut off.",
    StopReason.REPETITION: "It started repeating itself and was cut off after the first copy.",
    StopReason.STOP_SEQUENCE: "It began a new example and was stopped there.",
    StopReason.STOPPED: "The reader stopped it.",
    StopReason.ERROR: "The LLM failed or disappeared while writing it.",
}


class AnswerTicket(models.Model):
    """A place in line for the model, held while an answer waits or is written (rag_app/chat/line.py).

    The line is in the database so every web process sees the same order; a ticket whose
    holder stopped touching it (the process died) is dropped.
    """

    answer = models.OneToOneField(Answer, on_delete=models.CASCADE, related_name="ticket")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    arrived_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, help_text="When it reached the model.")
    seen_at = models.DateTimeField()

    class Meta:
        ordering = ["arrived_at", "pk"]

    def __str__(self):
        return f"ticket for answer {self.answer_id}"


class AnswerAccess(models.Model):
    """Who may read an answer, for one collection it drew on: kept when the collection is deleted.

    Kept in step with the collection's groups while it exists (rag_app/chat/access.py), so an
    answer from a restricted collection stays with that collection's groups after it is gone.
    """

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="access")
    collection = models.ForeignKey(Collection, null=True, on_delete=models.SET_NULL, related_name="+")
    collection_name = models.CharField(max_length=100)
    restricted = models.BooleanField(help_text="Only members of the groups below may read the answer.")
    groups = models.ManyToManyField("auth.Group", blank=True, related_name="+")

    class Meta:
        ordering = ["answer", "collection_name"]

    def __str__(self):
        return f"{self.answer_id}: {self.collection_name}"


class AnswerSource(models.Model):
    """A passage given to the model for an answer, and whether the answer cited it."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="sources")
    number = models.PositiveSmallIntegerField(help_text="The [n] the model saw.")
    rank = models.PositiveSmallIntegerField()
    chunk = models.ForeignKey(Chunk, null=True, on_delete=models.SET_NULL, related_name="+")
    chunk_ids = models.JSONField(default=list, help_text="Vector ids merged into this passage.")
    document = models.ForeignKey(Document, null=True, on_delete=models.SET_NULL, related_name="answer_sources")
    document_title = models.CharField(max_length=255)
    document_name = models.CharField(max_length=255)
    page_start = models.PositiveIntegerField()
    page_end = models.PositiveIntegerField()
    score = models.FloatField()
    text = models.TextField()
    cited = models.BooleanField(default=False)
    attached = models.BooleanField(default=False, help_text="Cited by similarity after generation, not by the model.")
    claim = models.TextField(blank=True)
    support = models.TextField(blank=True, help_text="The passage sentence that supports the claim.")

    class Meta:
        ordering = ["answer", "number"]
        constraints = [models.UniqueConstraint(fields=["answer", "number"], name="unique_source_number")]

    def __str__(self):
        return f"[{self.number}] {self.document_title} p.{self.page_start}"

    def as_passage(self) -> Passage:
        """The whole passage retrieval gave the answer, for code that re-reads an answer against its sources."""
        return Passage(
            number=self.number,
            chunk_ids=tuple(self.chunk_ids),
            document_id=self.document_id or 0,
            document_title=self.document_title,
            document_name=self.document_name,
            page_start=self.page_start,
            page_end=self.page_end,
            text=self.text,
            score=self.score,
        )

    @property
    def file_url(self) -> str | None:
        if self.document_id is None:
            return None
        return f"{reverse('rag-document-file', args=[self.document_id])}#page={self.page_start}"


class Feedback(models.Model):
    """A user's thumbs up or down on an answer, with an optional comment."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    helpful = models.BooleanField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["answer", "user"], name="one_feedback_per_user")]

    def __str__(self):
        return f"{'+' if self.helpful else '-'} {self.answer_id}"


class AuditMark(models.Model):
    """An auditor's verdict on an answer, kept with their name and the time."""

    class Verdict(models.TextChoices):
        APPROVED = "approved", "Approved"
        CITATION_WRONG = "citation_wrong", "Citation wrong"
        ANSWER_WRONG = "answer_wrong", "Answer wrong"

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="marks")
    auditor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_verdict_display()} on {self.answer_id}"
