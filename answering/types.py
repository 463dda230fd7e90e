"""Value types passed between retrieval, prompting and citation."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Passage:
    """A retrieved source given to the model as [number]: one chunk, or neighbouring chunks merged."""

    number: int  # 1-based source number shown as [n]
    chunk_ids: tuple[str, ...]  # vector ids of the chunks merged into it, in order
    document_id: int
    document_title: str
    document_name: str  # original file name
    page_start: int
    page_end: int
    text: str
    score: float  # best relevance (cosine similarity) among its chunks
    section: str = ""  # heading path of its first chunk, outermost first
