"""Request and response shapes of the API, which its OpenAPI schema publishes."""

from ninja import Field, Schema


class CollectionOut(Schema):
    id: int
    name: str
    description: str
    documents: int


class DocumentOut(Schema):
    id: int
    collection: str
    name: str
    title: str
    status: str = Field(description="queued, parsing, embedding, ready or failed.")
    progress: int = Field(description="Percent done while ingesting.")
    pages: int | None
    chunks: int | None
    error: str = Field(description="Why a failed document failed.")
    note: str = Field(description="What a ready document skipped, e.g. unreadable pages.")


class AskIn(Schema):
    question: str
    collections: list[str] = Field(description="Names of the collections to search; at least one.")


class SourceOut(Schema):
    n: int = Field(description="The number the answer cites, as [n].")
    document: str
    document_id: int | None
    page_start: int
    page_end: int
    passage: str
    score: float
    chunk_id: str
    attached: bool = Field(description="Matched to a claim by similarity rather than cited by the model.")
    file_url: str | None = Field(description="Opens the original manual at the page.")


class TimingsOut(Schema):
    wait_ms: float | None
    retrieval_ms: float | None
    ttft_ms: float | None
    total_ms: float | None
    tokens_per_s: float | None


class AnswerOut(Schema):
    id: int
    question: str
    answer: str
    status: str = Field(description="complete, no_answer, stopped or failed.")
    error: str
    stop_reason: str
    no_answer: bool = Field(description="True when the manuals do not hold the answer.")
    no_answer_reason: str
    citations: list[SourceOut]
    retrieved: list[SourceOut]
    timings: TimingsOut


class ErrorOut(Schema):
    detail: str
