"""Read sections of ingested manuals from the database, for following their "See <section>" pointers."""

from collections.abc import Callable

from answering.retrieve import ChunkSource, Hit
from rag_app.documents.models import Chunk


class ChunkSections:
    """``answering.references.SectionLookup`` over served chunks.

    ``score_chunk(vector_id, collection)`` scores a pointed-to chunk against the question
    (in Chroma); it returns None for a chunk the vector store does not hold.
    """

    def __init__(self, score_chunk: Callable[[str, str], Hit | None]):
        self._score_chunk = score_chunk
        self._sections: dict[int, list[str]] = {}

    def section_text(self, document_id: int, section: str) -> str:
        texts = Chunk.objects.served().filter(document_id=document_id, section=section).order_by("ordinal")
        return "\n".join(texts.values_list("text", flat=True))

    def sections(self, document_id: int) -> list[str]:
        if document_id not in self._sections:
            chunks = Chunk.objects.served().filter(document_id=document_id, searchable=True).exclude(section="")
            self._sections[document_id] = list(chunks.order_by().values_list("section", flat=True).distinct())
        return self._sections[document_id]

    def entry(self, document_id: int, section: str, like: Hit) -> tuple[Hit, ChunkSource] | None:
        chunk = (
            Chunk.objects.served()
            .filter(document_id=document_id, section=section, searchable=True)
            .select_related("document")
            .order_by("ordinal")
            .first()
        )
        if chunk is None:
            return None
        hit = self._score_chunk(chunk.vector_id, like.collection)
        if hit is None:
            return None
        return hit, ChunkSource(chunk.text, chunk.document.title, chunk.document.original_name, chunk.section)
