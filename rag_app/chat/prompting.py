"""Which prompt style and LoRA adapter an answer is generated with, from the collections it draws on."""

from dataclasses import dataclass

from answering.llm import AdapterRef
from answering.prompt import PromptStyle
from rag_app.documents.models import Collection
from rag_app.tuning.models import Adapter


@dataclass(frozen=True)
class Prompting:
    style: PromptStyle
    adapter: AdapterRef | None


def prompting_for(collections: list[Collection]) -> Prompting:
    """Return the style and attached adapter of the first collection by name.

    An answer drawing on several collections is asked one way: the first collection's, so
    the choice is predictable and recorded with the answer.
    """
    first = min(collections, key=lambda collection: collection.name)
    adapter = first.attached_adapter
    return Prompting(style=first.prompt, adapter=adapter_ref(adapter) if adapter else None)


def adapter_ref(adapter: Adapter) -> AdapterRef:
    return AdapterRef(name=adapter.name, sha256=adapter.sha256, path=adapter.file.path)
