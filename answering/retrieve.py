"""Find the passages that answer a question: search, threshold, neighbour merge and expansion, context fit.

Shared by the web app, the `ask` command and benchmarks. Chunk text comes from the caller
(the database is its source of truth); Chroma only supplies ids, scores and metadata.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from answering.keyword import KeywordIndex, reciprocal_rank_fusion
from answering.types import Passage


@dataclass(frozen=True)
class Hit:
    """One chunk found by vector search; ``score`` is cosine similarity (1 is identical).

    ``rerank_score`` is the cross-encoder's score when the hits were reranked: it orders hits,
    while the relevance threshold keeps applying to ``score``.
    """

    vector_id: str
    score: float
    collection: str
    document_id: int
    ordinal: int
    page_start: int
    page_end: int
    rerank_score: float | None = None


@dataclass(frozen=True)
class Neighbour:
    """A chunk next to a retrieved one, which may widen its passage."""

    vector_id: str
    section: str
    page_start: int
    page_end: int
    text: str


@dataclass(frozen=True)
class ChunkSource:
    """What the caller knows about a chunk: its text and the document it belongs to."""

    text: str
    document_title: str
    document_name: str
    section: str = ""


SCORE_FUSION, RRF_FUSION = "scores", "rrf"
# BM25's share of a fused score, chosen on the real-manual set with the chat path's search terms
# (bench/retrieval.py, README): 0.1 to 0.2 rank alike within a question or two; 0.3 and more lose
# hits in the top 5.
KEYWORD_WEIGHT = 0.1

# Candidates searched per hit kept, so that keeping one hit per section still fills the top k.
SECTION_CANDIDATES_PER_HIT = 3

# Threads that fetch keyword hits' vectors during the dense query (see hybrid_search).
_FETCHES = ThreadPoolExecutor(max_workers=8, thread_name_prefix="keyword-hits")

# Looking a Chroma collection up is a round trip to the server, as costly as the query
# itself, so each client keeps the handles it looked up (they die with it).
_HANDLES = "_manualist_collection_handles"


def _missing(error: Exception) -> bool:
    return "does not exist" in str(error) or type(error).__name__ == "NotFoundError"


def _on_collection(client, name: str, use: Callable):
    """Return ``use(handle)`` for the named collection; a handle gone stale is looked up again, once."""
    handles = client.__dict__.setdefault(_HANDLES, {})
    kept = handles.get(name)
    try:
        return use(kept or handles.setdefault(name, client.get_collection(name)))
    except Exception as error:
        handles.pop(name, None)
        if kept is not None and _missing(error):
            return use(handles.setdefault(name, client.get_collection(name)))
        raise


def search(client, query_vector: list[float], collections: list[str], top_k: int) -> list[Hit]:
    """Return the top_k most similar chunks across the named Chroma collections, best first."""
    hits: list[Hit] = []
    for name in collections:
        try:
            found = _on_collection(
                client,
                name,
                lambda handle: handle.query(
                    query_embeddings=[query_vector], n_results=top_k, include=["distances", "metadatas"]
                ),
            )
        except Exception as error:
            # A collection with no ingested document has no Chroma collection yet.
            if _missing(error):
                continue
            raise
        for vector_id, distance, meta in zip(
            found["ids"][0], found["distances"][0], found["metadatas"][0], strict=True
        ):
            hits.append(
                Hit(
                    vector_id=vector_id,
                    score=1.0 - float(distance),
                    collection=name,
                    document_id=int(meta["document_id"]),
                    ordinal=int(meta["ordinal"]),
                    page_start=int(meta["page_start"]),
                    page_end=int(meta["page_end"]),
                )
            )
    hits.sort(key=lambda hit: hit.score, reverse=True)
    return hits[:top_k]


def hybrid_search(
    client,
    query_vector: list[float],
    query: str,
    indexes: dict[str, KeywordIndex],
    top_k: int,
    candidates: int = 20,
    keyword_weight: float = KEYWORD_WEIGHT,
    fusion: str = SCORE_FUSION,
    keyword_query: str | None = None,
) -> list[Hit]:
    """Fuse dense and BM25 results and return the top_k hits.

    ``fusion`` is SCORE_FUSION (see ``fuse_scores``; ``keyword_weight`` is BM25's share) or
    RRF_FUSION (reciprocal rank fusion, k 60; ``keyword_weight`` weighs BM25's ranking).
    ``indexes`` maps each Chroma collection name to its keyword index. Every hit keeps its
    cosine similarity as ``score`` (keyword-only hits get theirs from Chroma), so the
    relevance threshold means the same thing in both modes. ``keyword_query`` replaces
    ``query`` for BM25 (the question with the model's search terms added).
    """
    keyword = sorted(
        (
            (vector_id, score, name)
            for name, index in indexes.items()
            for vector_id, score in index.search(keyword_query or query, candidates)
        ),
        key=lambda found: found[1],
        reverse=True,
    )[:candidates]
    collection_of = {vector_id: name for vector_id, _, name in keyword}
    # The keyword candidates' vectors are fetched while Chroma runs the dense query: two round
    # trips at once instead of one after the other. Those the dense results hold go unused.
    fetched = _FETCHES.submit(fetch_hits, client, query_vector, list(collection_of), collection_of)
    try:
        dense = search(client, query_vector, list(indexes), candidates)
    finally:
        keyword_hits = fetched.result()
    by_id = {**keyword_hits, **{hit.vector_id: hit for hit in dense}}
    if fusion == RRF_FUSION:
        fused = reciprocal_rank_fusion(
            [[hit.vector_id for hit in dense], [vector_id for vector_id, _, _ in keyword]],
            weights=[1.0, keyword_weight],
        )
    else:
        cosines = {vector_id: hit.score for vector_id, hit in by_id.items()}
        fused = fuse_scores(cosines, {vector_id: score for vector_id, score, _ in keyword}, keyword_weight)
    return [by_id[vector_id] for vector_id in fused[:top_k] if vector_id in by_id]


def fuse_scores(cosines: dict[str, float], keyword_scores: dict[str, float], keyword_weight: float) -> list[str]:
    """Rank ids by ``(1 - keyword_weight) * cosine + keyword_weight * BM25 / the best BM25``, best first.

    Unlike rank fusion this keeps how far apart the scores are: a chunk far closer in meaning
    than the next is not pulled level with it by a keyword rank. Only ids with a cosine can be
    ranked; an id BM25 did not find counts 0 there.
    """
    best = max(keyword_scores.values(), default=0.0) or 1.0
    fused = {
        vector_id: (1 - keyword_weight) * cosine + keyword_weight * keyword_scores.get(vector_id, 0.0) / best
        for vector_id, cosine in cosines.items()
    }
    return sorted(fused, key=lambda vector_id: fused[vector_id], reverse=True)


def one_per_section(hits: list[Hit], sources: dict[str, ChunkSource], top_k: int) -> list[Hit]:
    """Return the best hit of each section (of each page where sections are unknown), top_k at most.

    Chunks of one section share its heading and most of its words, so one question often ranks
    three of them first and pushes other sections out of the prompt; the neighbours step still
    widens a kept chunk by the chunks beside it. Hits without a source (a stale vector) are dropped.
    """
    kept: list[Hit] = []
    seen: set[tuple] = set()
    for hit in hits:
        if hit.vector_id not in sources:
            continue
        where = _section_of(hit, sources)
        if where not in seen:
            seen.add(where)
            kept.append(hit)
    return kept[:top_k]


def with_pages_beside(kept: list[Hit], candidates: list[Hit], sources: dict[str, ChunkSource]) -> list[Hit]:
    """Return the kept hits, each with its pages widened over the candidates right beside it in its section.

    ``one_per_section`` keeps a section's best chunk, yet search often found the chunk next to
    it as well: a section running from page 25 onto 26 ranks its page-26 lines first and the
    statement asked for, one chunk earlier, second. ``build_passages`` shows the model that
    neighbour when the budget allows; the widened pages say where search found the section, so
    retrieval is scored on them. The passage text is not changed here.
    """
    by_place = {(hit.document_id, hit.ordinal): hit for hit in candidates if hit.vector_id in sources}
    widened = []
    for hit in kept:
        where = _section_of(hit, sources)
        nearby = [by_place.get((hit.document_id, hit.ordinal + step)) for step in (-1, 1)]
        run = [hit, *(other for other in nearby if other and _section_of(other, sources) == where)]
        widened.append(
            replace(hit, page_start=min(one.page_start for one in run), page_end=max(one.page_end for one in run))
        )
    return widened


def _section_of(hit: Hit, sources: dict[str, ChunkSource]) -> tuple:
    """Where a hit belongs: its document's section, or its pages where the document has no sections."""
    return (hit.document_id, sources[hit.vector_id].section or (hit.page_start, hit.page_end))


def fetch_hits(
    client, query_vector: list[float], vector_ids: list[str], collection_of: dict[str, str]
) -> dict[str, Hit]:
    """Look chunks up in Chroma by id and score them against the query vector.

    For keyword-only hits, and for the sections found hits point to (``answering.references``).
    """
    import numpy

    hits = {}
    query = numpy.asarray(query_vector)
    for name in {collection_of[vector_id] for vector_id in vector_ids}:
        wanted = [vector_id for vector_id in vector_ids if collection_of[vector_id] == name]
        found = _on_collection(
            client, name, lambda handle, wanted=wanted: handle.get(ids=wanted, include=["embeddings", "metadatas"])
        )
        for vector_id, vector, meta in zip(found["ids"], found["embeddings"], found["metadatas"], strict=True):
            hits[vector_id] = _hit(vector_id, float(numpy.dot(query, numpy.asarray(vector))), name, meta)
    return hits


def _hit(vector_id: str, score: float, collection: str, meta: dict) -> Hit:
    return Hit(
        vector_id=vector_id,
        score=score,
        collection=collection,
        document_id=int(meta["document_id"]),
        ordinal=int(meta["ordinal"]),
        page_start=int(meta["page_start"]),
        page_end=int(meta["page_end"]),
    )


def build_passages(
    hits: list[Hit],
    sources: dict[str, ChunkSource],
    *,
    min_score: float,
    count_tokens: Callable[[str], int],
    token_budget: int,
    neighbours: dict[tuple[int, int], Neighbour] | None = None,
) -> list[Passage]:
    """Turn hits into numbered passages that fit the model's context.

    Hits under ``min_score`` or without a chunk row (a stale vector) are dropped. Adjacent
    chunks of one document are merged into one passage, so the model sees a continuous
    text once instead of two overlapping pieces, and a passage whose text a better passage
    already contains (the same page in two manuals) is dropped. Passages are added best
    first until the token budget is spent. Returns an empty list when nothing relevant is left.

    ``neighbours`` maps (document_id, ordinal) to the chunks next to the hits. With it, the
    leftover budget widens passages, best first, by the unretrieved chunk just before and just
    after that continues them (``same_passage``), so an answer cut at a chunk border reaches
    the model whole. None leaves passages as retrieved.
    """
    kept = [hit for hit in hits if hit.score >= min_score and hit.vector_id in sources]
    drafts: list[_Draft] = []
    spent = 0
    for group in _merge_adjacent(kept, sources):
        text = _join_overlapping([sources[hit.vector_id].text for hit in group])
        if any(text in draft.text for draft in drafts):
            continue
        cost = count_tokens(text) + 16  # The "[n] title, page" heading and separators.
        if spent + cost > token_budget:
            continue
        spent += cost
        section = sources[group[0].vector_id].section
        pages = (min(hit.page_start for hit in group), max(hit.page_end for hit in group))
        drafts.append(_Draft(group, [hit.vector_id for hit in group], text, section, *pages))
    if neighbours:
        retrieved = {(hit.document_id, hit.ordinal) for hit in hits}
        _add_neighbours(drafts, neighbours, retrieved, count_tokens, token_budget - spent)
    return [
        Passage(
            number=number,
            chunk_ids=tuple(draft.chunk_ids),
            document_id=draft.hits[0].document_id,
            document_title=sources[draft.hits[0].vector_id].document_title,
            document_name=sources[draft.hits[0].vector_id].document_name,
            section=draft.section,
            page_start=draft.page_start,
            page_end=draft.page_end,
            text=draft.text,
            score=max(hit.score for hit in draft.hits),
        )
        for number, draft in enumerate(drafts, start=1)
    ]


@dataclass
class _Draft:
    """A passage being assembled: its retrieved hits, and the chunk ids and text so far."""

    hits: list[Hit]
    chunk_ids: list[str]
    text: str
    section: str
    page_start: int  # widened by neighbours, so the citation covers every page the text is from
    page_end: int


def _add_neighbours(
    drafts: list[_Draft],
    neighbours: dict[tuple[int, int], Neighbour],
    retrieved: set[tuple[int, int]],
    count_tokens: Callable[[str], int],
    budget_left: int,
) -> None:
    """Widen each draft by the neighbour chunks that continue it while ``budget_left`` allows."""
    used = set(retrieved)
    for draft in drafts:
        first, last = draft.hits[0], draft.hits[-1]
        for key, before in (
            ((first.document_id, first.ordinal - 1), True),
            ((last.document_id, last.ordinal + 1), False),
        ):
            neighbour = neighbours.get(key)
            if key in used or neighbour is None:
                continue
            if before and not same_passage(neighbour.section, neighbour.page_end, draft.section, first.page_start):
                continue
            if not before and not same_passage(draft.section, last.page_end, neighbour.section, neighbour.page_start):
                continue
            vector_id, text = neighbour.vector_id, neighbour.text
            widened = _join_overlapping([text, draft.text] if before else [draft.text, text])
            extra = count_tokens(widened) - count_tokens(draft.text)
            if extra > budget_left:
                continue
            budget_left -= extra
            used.add(key)
            draft.text = widened
            draft.page_start = min(draft.page_start, neighbour.page_start)
            draft.page_end = max(draft.page_end, neighbour.page_end)
            if before:
                draft.chunk_ids.insert(0, vector_id)
            else:
                draft.chunk_ids.append(vector_id)


def _merge_adjacent(hits: list[Hit], sources: dict[str, ChunkSource]) -> list[list[Hit]]:
    """Group hits whose chunks follow each other in one section; order groups by their best hit.

    A merged passage cites the pages from its first chunk's to its last's.
    """
    by_key = {(hit.document_id, hit.ordinal): hit for hit in hits}

    def follows(earlier: Hit, later: Hit) -> bool:
        section = sources[earlier.vector_id].section
        return same_passage(section, earlier.page_end, sources[later.vector_id].section, later.page_start)

    groups: list[list[Hit]] = []
    seen: set[str] = set()
    for hit in hits:
        if hit.vector_id in seen:
            continue
        first = hit
        while (before := by_key.get((first.document_id, first.ordinal - 1))) and follows(before, first):
            first = before
        group = [first]
        while (after := by_key.get((first.document_id, group[-1].ordinal + 1))) and follows(group[-1], after):
            group.append(after)
        seen.update(member.vector_id for member in group)
        groups.append(group)
    return groups


def same_passage(section: str, page_end: int, next_section: str, next_page_start: int) -> bool:
    """Tell whether the chunk after another one continues it: the same section, or the same page.

    Without known sections only the page says where a topic ends, so chunks merge within it.
    """
    return section == next_section and (bool(section) or page_end == next_page_start)


def _join_overlapping(texts: list[str], longest_overlap: int = 1200) -> str:
    """Join consecutive chunk texts, dropping the overlap chunking repeated at each seam."""
    joined = texts[0]
    for text in texts[1:]:
        overlap = 0
        for size in range(min(len(joined), len(text), longest_overlap), 0, -1):
            if joined.endswith(text[:size]):
                overlap = size
                break
        joined = joined + ("" if overlap else "\n") + text[overlap:]
    return joined
