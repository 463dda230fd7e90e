"""Collections of manuals, the documents in them, and the chunks retrieval serves.

The database is the source of truth for chunk text; Chroma holds only vectors, keyed by
``Chunk.vector_id``, with collection, document and page metadata.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from answering.prompt import PromptStyle

READ_EVERY_COLLECTION = "documents.read_every_collection"
PROMPT_STYLE_CHOICES = [
    ("", "Model default (zero-shot for chat models, few-shot for base models)"),
    ("zero-shot", "Zero-shot: instructions only"),
    ("few-shot", "Few-shot: instructions and worked examples"),
    ("chain-of-thought", "Chain-of-thought: reason step by step, then answer"),
]


def reads_every_collection(user) -> bool:
    """Superusers and the evaluation account (READ_EVERY_COLLECTION) read every collection."""
    return user.is_superuser or user.has_perm(READ_EVERY_COLLECTION)


class CollectionQuerySet(models.QuerySet):
    def readable_by(self, user) -> "CollectionQuerySet":
        """Collections the user may search and open files of: open ones, or those of their groups.

        Superusers and the evaluation account read them all (``reads_every_collection``).
        """
        if reads_every_collection(user):
            return self
        return self.filter(
            models.Q(allowed_groups__isnull=True) | models.Q(allowed_groups__in=user.groups.all())
        ).distinct()


class Collection(models.Model):
    """The manuals of one product line, searched together."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    allowed_groups = models.ManyToManyField(
        "auth.Group",
        blank=True,
        help_text="Only members of these groups may search this collection. Empty: every user.",
    )
    allow_general_knowledge = models.BooleanField(
        default=False,
        help_text="Let the model answer from general knowledge when the manuals do not cover a question.",
    )
    prompt_style = models.CharField(
        max_length=20,
        blank=True,
        choices=PROMPT_STYLE_CHOICES,
        help_text="How the model is asked (see answering.prompt); empty: the model's default.",
    )
    few_shot_examples = models.JSONField(
        default=list,
        blank=True,
        help_text="The admin's worked examples for few-shot prompts; empty: the built-in ones.",
    )
    vector_namespace = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CollectionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [("read_every_collection", "Can read every collection, restricted ones too (evaluation runs)")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"{reverse('rag-documents')}?collection={self.pk}"

    @property
    def prompt(self) -> PromptStyle:
        """The prompt style its answers are asked in."""
        return PromptStyle(self.prompt_style, tuple(self.few_shot_examples or ()))

    @property
    def attached_adapter(self):
        """The LoRA adapter (``tuning.Adapter``) its answers are generated with, or None."""
        return self.adapters.filter(is_attached=True).first()

    @property
    def vector_collection(self) -> str:
        """The Chroma collection's name: unique even if a database is recreated over old vectors."""
        return f"manualist-{self.vector_namespace.hex}"


def _upload_path(document: "Document", filename: str) -> str:
    return f"manuals/{document.collection_id}/{document.sha256[:16]}/{filename}"


class Document(models.Model):
    """One uploaded manual and where its ingestion stands."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PARSING = "parsing", "Parsing"
        EMBEDDING = "embedding", "Embedding"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    IN_PROGRESS = (Status.QUEUED, Status.PARSING, Status.EMBEDDING)
    # Held by a worker: it renews the lease while it works (rag_app/documents/sweeper.py).
    WORKING = (Status.PARSING, Status.EMBEDDING)

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=_upload_path, max_length=500)
    original_name = models.CharField(max_length=255)
    title = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.BigIntegerField()
    kind = models.CharField(max_length=20, help_text="Type detected from the file's content.")
    page_count = models.PositiveIntegerField(null=True, blank=True)
    chunk_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done, 0 to 100.")
    stage_detail = models.CharField(max_length=200, blank=True)
    error_reason = models.TextField(blank=True)
    generation = models.PositiveIntegerField(
        default=1, help_text="Bumped on each re-ingest; vectors of older generations are retired."
    )
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="While a worker holds it: past this, the worker is taken to have died."
    )
    interruptions = models.PositiveSmallIntegerField(
        default=0, help_text="Times a worker died while ingesting this generation; capped by MAX_INGEST_INTERRUPTIONS."
    )
    dispatched_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When its ingestion task last reached the broker; empty while it waits.",
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    ingested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "sha256"], name="unique_file_per_collection"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return f"{self.collection.get_absolute_url()}#document-{self.pk}"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_in_progress(self) -> bool:
        return self.status in self.IN_PROGRESS

    @property
    def ready_note(self) -> str:
        """What a ready document's ingestion left out (damaged pages), or ""."""
        return self.stage_detail.partition("; ")[2] if self.is_ready else ""


class ChunkQuerySet(models.QuerySet):
    def served(self) -> "ChunkQuerySet":
        """Chunks retrieval may serve: of documents with a completed ingestion.

        While a document is re-ingested its previous chunks stay served; the new ones replace
        them in one transaction when the new run completes.
        """
        return self.filter(document__ingested_at__isnull=False)

    def mentions(self, term: str) -> bool:
        """Tell whether any of these chunks holds ``term``, ignoring case: how grounding checks search manuals."""
        return self.filter(text__icontains=term).exists()


class Chunk(models.Model):
    """A passage of a document as embedded: its text, page span, offsets within those pages and section."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks")
    vector_id = models.CharField(max_length=64, unique=True)
    ordinal = models.PositiveIntegerField()
    page_start = models.PositiveIntegerField()
    page_end = models.PositiveIntegerField()
    text = models.TextField()
    char_start = models.PositiveIntegerField()
    char_end = models.PositiveIntegerField()
    token_count = models.PositiveIntegerField()
    section = models.CharField(max_length=500, blank=True, help_text="Heading path, outermost first.")
    searchable = models.BooleanField(default=True, help_text="False on contents and index pages: never retrieved.")

    objects = ChunkQuerySet.as_manager()

    class Meta:
        ordering = ["document", "ordinal"]
        constraints = [
            models.UniqueConstraint(fields=["document", "ordinal"], name="unique_chunk_ordinal"),
        ]

    def __str__(self):
        return f"{self.document} p.{self.page_start}-{self.page_end} #{self.ordinal}"
