"""Question sets uploaded by admins and the evaluation runs scored against them."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from rag_app.documents.models import Collection


class QuestionSet(models.Model):
    """Gold questions for one collection, as ``load_questions`` parsed them."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="question_sets")
    name = models.CharField(max_length=255)
    questions = models.JSONField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    is_guard = models.BooleanField(
        default=False, help_text="The collection's regression set, re-run whenever one of its documents is ingested."
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection"], condition=models.Q(is_guard=True), name="one_guard_per_collection"
            ),
        ]

    def __str__(self):
        return self.name


class EvaluationRun(models.Model):
    """One scoring of a question set in one mode; ``metrics`` holds the summary, ``details`` one dict per question."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Manual"
        REINGEST = "reingest", "Re-ingestion"
        SETTINGS = "settings", "Settings change"

    question_set = models.ForeignKey(QuestionSet, on_delete=models.CASCADE, related_name="runs")
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="evaluation_runs")
    mode = models.CharField(max_length=20, default="rag")
    k = models.PositiveSmallIntegerField(default=5)
    retrieval_only = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error = models.TextField(blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    details = models.JSONField(default=list, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.question_set} ({self.mode}) #{self.pk}"

    def get_absolute_url(self):
        return reverse("rag-eval-run", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def headline_metrics(self) -> dict:
        """The summary's single numbers, without the mode and the per-check tables."""
        return {name: value for name, value in self.metrics.items() if name != "mode" and not isinstance(value, dict)}
