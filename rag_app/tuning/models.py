"""LoRA adapters attached to collections, and the jobs that train them from a collection's manuals."""

from django.conf import settings
from django.db import models

from rag_app.documents.models import Collection


def _adapter_path(adapter: "Adapter", filename: str) -> str:
    return f"adapters/{adapter.sha256}.gguf"


class Adapter(models.Model):
    """A GGUF LoRA adapter (llama.cpp format) for the served base model; one per collection is attached."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="adapters")
    name = models.CharField(max_length=100)
    file = models.FileField(upload_to=_adapter_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    architecture = models.CharField(max_length=50, help_text="The base model architecture it was made for.")
    rank = models.PositiveSmallIntegerField(null=True)
    alpha = models.FloatField(null=True)
    is_attached = models.BooleanField(default=False, help_text="Answers for the collection are generated with it.")
    source = models.CharField(max_length=20, default="upload", help_text="upload, or training (a TrainingJob).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection"], condition=models.Q(is_attached=True), name="one_attached_adapter"
            ),
            models.UniqueConstraint(fields=["collection", "name"], name="unique_adapter_name"),
        ]

    def __str__(self):
        return self.name


class TrainingJob(models.Model):
    """One training of a LoRA adapter from a collection, run by a worker; ``progress`` runs from 0 to 1."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="training_jobs")
    name = models.CharField(max_length=100, help_text="The name the trained adapter gets.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stage = models.CharField(max_length=100, blank=True, help_text="What it is doing now, for the page.")
    progress = models.FloatField(default=0.0)
    error = models.TextField(blank=True)
    config = models.JSONField(default=dict, help_text="The caps and hyperparameters it ran with.")
    report = models.JSONField(default=dict, blank=True, help_text="Pairs used, loss, minutes, peak memory.")
    adapter = models.ForeignKey(Adapter, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.collection} → {self.name} #{self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        return round(self.progress * 100)
