"""What admins do to how a collection is answered: its prompt style, its LoRA adapters, their training."""

import hashlib
import json
import tempfile
from pathlib import Path

from django.core.files import File
from django.db import IntegrityError, transaction

from answering.few_shot import ExampleError, builtin_examples, parse_examples
from answering.lora import AdapterError, read_adapter_info
from answering.prompt import FEW_SHOT, PromptStyle, build_messages, prompt_version
from answering.sentinel import NO_ANSWER_SENTINEL
from answering.types import Passage
from rag_app.documents.models import Chunk, Collection
from rag_app.tuning.models import Adapter

# Adapters for the packaged models are a few MB; a file far beyond that is not an adapter for them.
MAX_ADAPTER_BYTES = 512 * 2**20
PREVIEW_QUESTION = "How do I reset the device to its factory settings?"


class TuningError(ValueError):
    """The admin's change cannot be made; the message says why."""


def examples_text(collection: Collection) -> str:
    """The collection's few-shot examples as the JSON an admin edits (the built-in ones when it has none)."""
    examples = collection.few_shot_examples or builtin_examples(collection.allow_general_knowledge)
    return json.dumps(examples, indent=2, ensure_ascii=False)


def style_from_form(style: str, examples: str) -> PromptStyle:
    """Return the style an admin entered; raise TuningError when few-shot examples do not pass the checks."""
    if style == FEW_SHOT or examples.strip():
        try:
            checked = parse_examples(examples, NO_ANSWER_SENTINEL) if examples.strip() else []
        except ExampleError as error:
            raise TuningError(str(error)) from error
        return PromptStyle(style, tuple(checked))
    return PromptStyle(style)


def preview(collection: Collection, style: PromptStyle, question: str, chat: bool) -> dict:
    """Return the exact messages ``style`` sends for ``question``, with two of the collection's own passages."""
    passages = _sample_passages(collection)
    messages = build_messages(
        question.strip() or PREVIEW_QUESTION,
        passages,
        allow_general_knowledge=collection.allow_general_knowledge,
        chat=chat,
        style=style,
    )
    version = prompt_version(style, chat=chat, allow_general_knowledge=collection.allow_general_knowledge)
    return {"messages": messages, "style": style.resolved(chat), "version": version, "sampled": bool(passages)}


def save_style(collection: Collection, style: PromptStyle) -> None:
    """Store the style and, when they differ from the built-in ones, the admin's examples."""
    builtin = builtin_examples(collection.allow_general_knowledge)
    examples = list(style.examples)
    examples = [] if examples == builtin else examples
    collection.prompt_style, collection.few_shot_examples = style.name, examples
    collection.save(update_fields=["prompt_style", "few_shot_examples"])


def add_adapter(collection: Collection, name: str, upload, served_architecture: str, user=None, source="upload"):
    """Check and store an uploaded GGUF LoRA adapter for the collection; raise TuningError saying why not.

    ``served_architecture`` is the served model's (empty when the server does not say): an
    adapter for another architecture could never load, so it is refused here rather than at
    the first question.
    """
    name = name.strip()
    if not name:
        raise TuningError("Give the adapter a name.")
    if upload.size > MAX_ADAPTER_BYTES:
        raise TuningError(
            f"The file is {upload.size // 2**20} MB; adapters here are at most {MAX_ADAPTER_BYTES // 2**20} MB."
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "adapter.gguf"
        digest = hashlib.sha256()
        with path.open("wb") as handle:
            for block in upload.chunks():
                digest.update(block)
                handle.write(block)
        try:
            info = read_adapter_info(path)
        except AdapterError as error:
            raise TuningError(f"{Path(upload.name).name}: {error}") from error
        if served_architecture and info.architecture != served_architecture:
            raise TuningError(
                f"This adapter is for the {info.architecture} architecture, "
                f"but the served model is {served_architecture}."
            )
        adapter = Adapter(
            collection=collection,
            name=name,
            sha256=digest.hexdigest(),
            size=path.stat().st_size,
            architecture=info.architecture,
            rank=info.rank,
            alpha=info.alpha,
            created_by=user,
            source=source,
        )
        try:
            with transaction.atomic(), path.open("rb") as handle:
                adapter.file.save(f"{adapter.sha256}.gguf", File(handle), save=False)
                adapter.save()
        except IntegrityError as error:
            adapter.file.delete(save=False)
            raise TuningError(f"The collection already has an adapter named {name}.") from error
    return adapter


def attach_adapter(adapter: Adapter) -> None:
    """Make answers for the adapter's collection use it, instead of any other."""
    with transaction.atomic():
        Adapter.objects.filter(collection=adapter.collection_id, is_attached=True).update(is_attached=False)
        Adapter.objects.filter(pk=adapter.pk).update(is_attached=True)


def detach_adapters(collection: Collection) -> None:
    Adapter.objects.filter(collection=collection, is_attached=True).update(is_attached=False)


def delete_adapter(adapter: Adapter) -> None:
    """Delete the adapter and its file; answers keep the name and sha256 they recorded."""
    adapter.file.delete(save=False)
    adapter.delete()


def _sample_passages(collection: Collection) -> list[Passage]:
    chunks = (
        Chunk.objects.served()
        .filter(document__collection=collection, searchable=True)
        .select_related("document")
        .order_by("document_id", "ordinal")[:2]
    )
    return [
        Passage(
            number=number,
            chunk_ids=(chunk.vector_id,),
            document_id=chunk.document_id,
            document_title=chunk.document.title,
            document_name=chunk.document.original_name,
            page_start=chunk.page_start,
            page_end=chunk.page_end,
            text=chunk.text,
            score=1.0,
            section=chunk.section,
        )
        for number, chunk in enumerate(chunks, 1)
    ]
