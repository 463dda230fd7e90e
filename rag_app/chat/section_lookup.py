"""Read sections of ingested manuals from the database, for following their "See <section>" pointers."""

from answering.retrieve import ChunkSource, Hit, fetch_hits
from rag_app.documents.models import Chunk


class ChunkSections:
    """``answering.references.SectionLookup`` over served chunks; pointed-to chunks are scored in Chroma."""

    def __init__(self, client, query_vector: list[float]):
        self._client = client
        self._query_vector = query_vector

    def section_text(self, document_id: int, section: str) -> str:
        texts = Chunk.objects.served().filter(document_id=document_id, section=section).order_by("ordinal")
        return "\n".join(texts.values_list("text", flat=True))

    def sections(self, document_id: int) -> list[str]:
        chunks = Chunk.objects.served().filter(document_id=document_id, searchable=True).exclude(section="")
        return list(chunks.order_by().values_list("section", flat=True).distinct())

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
        found = fetch_hits(self._client, self._query_vector, [chunk.vector_id], {chunk.vector_id: like.collection})
        if chunk.vector_id not in found:
            return None
        source = ChunkSource(chunk.text, chunk.document.title, chunk.document.original_name, chunk.section)
        return found[chunk.vector_id], source
