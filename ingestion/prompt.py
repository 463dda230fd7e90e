"""Build the chat messages that ask the LLM to answer from numbered sources.

The wording lives in ``ingestion/prompts/*.txt`` so it can be read and tuned without
touching code; this module only fills in the sources and the question.
"""

from collections.abc import Sequence
from functools import cache
from importlib.resources import files

from ingestion.types import Passage

# The exact reply the prompts ask for when the sources do not hold the answer; callers
# test for it (see ``grounding.is_decline``) instead of guessing from free text.
NO_ANSWER_SENTINEL = "NO_ANSWER"


@cache
def load_template(name: str) -> str:
    """Return the text of ``ingestion/prompts/<name>.txt``, read once per process."""
    return files("ingestion").joinpath("prompts", f"{name}.txt").read_text(encoding="utf-8")


def format_sources(passages: Sequence[Passage]) -> str:
    """Return the passages as ``[n] title, page p`` blocks, so the model can cite them by number."""
    return "\n\n".join(f"[{p.number}] {_title(p)}, {_pages(p)}\n{p.text.strip()}" for p in passages)


def build_messages(
    question: str, passages: Sequence[Passage], *, allow_general_knowledge: bool = False
) -> list[dict]:
    """Return the system and user messages for one question.

    With ``allow_general_knowledge`` the model may answer beyond the sources when they do not
    cover the question, labelling that part; otherwise it must reply with the sentinel.
    """
    system = load_template("system_general" if allow_general_knowledge else "system_grounded")
    user = load_template("user")
    return [
        {"role": "system", "content": system.format(no_answer=NO_ANSWER_SENTINEL).strip()},
        {"role": "user", "content": user.format(sources=format_sources(passages), question=question.strip()).strip()},
    ]


def _title(passage: Passage) -> str:
    # Titles are optional at upload; the file name always exists.
    return passage.document_title.strip() or passage.document_name


def _pages(passage: Passage) -> str:
    if passage.page_start == passage.page_end:
        return f"page {passage.page_start}"
    return f"pages {passage.page_start}\u2013{passage.page_end}"
