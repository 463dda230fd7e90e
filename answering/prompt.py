"""Build the chat messages that ask the LLM to answer from numbered sources.

The wording lives in ``answering/prompts/*.txt`` so it can be read and tuned without
touching code; this module only fills in the sources and the question.
"""

from collections.abc import Sequence
from functools import cache
from importlib.resources import files

from answering.types import Passage
from ingestion.types import SECTION_SEPARATOR

# The exact reply the prompts ask for when the sources do not hold the answer; callers
# test for it (see ``grounding.is_decline``) instead of guessing from free text.
NO_ANSWER_SENTINEL = "NO_ANSWER"


@cache
def load_template(name: str) -> str:
    """Return the text of ``answering/prompts/<name>.txt``, read once per process."""
    return files("answering").joinpath("prompts", f"{name}.txt").read_text(encoding="utf-8")


def format_sources(passages: Sequence[Passage]) -> str:
    """Return the passages as ``[n] title, section, page p`` blocks, so the model can cite them by number."""
    return "\n\n".join(f"[{p.number}] {_heading(p)}, {_pages(p)}\n{p.text.strip()}" for p in passages)


def build_messages(
    question: str, passages: Sequence[Passage], *, allow_general_knowledge: bool = False, chat: bool = True
) -> list[dict]:
    """Return the system and user messages for one question.

    ``chat`` models (a GGUF with a chat template, or any server's chat endpoint) get
    written instructions and the sources (``chat_*.txt``). Base models get a few-shot
    completion instead: two worked examples, then the sources and the question, ending in
    "Answer:", because they follow the pattern of examples far better than rules. With
    ``allow_general_knowledge`` the model may answer beyond the sources, labelling that
    part; otherwise it must reply with the sentinel.
    """
    style = "general" if allow_general_knowledge else "grounded"
    sources, question = format_sources(passages), question.strip()
    if chat:
        system = load_template(f"chat_system_{style}").format(no_answer=NO_ANSWER_SENTINEL)
        user = load_template("chat_user").format(sources=sources, question=question)
    else:
        system = load_template(f"system_{style}").format(no_answer=NO_ANSWER_SENTINEL)
        examples = load_template(f"examples_{style}").format(no_answer=NO_ANSWER_SENTINEL)
        user = load_template("user").format(examples=examples.strip(), sources=sources, question=question)
    return [
        {"role": "system", "content": system.strip()},
        {"role": "user", "content": user.strip()},
    ]


def _heading(passage: Passage) -> str:
    """Name the manual, and the innermost heading the passage sits under when it is known."""
    # Titles are optional at upload; the file name always exists.
    title = passage.document_title.strip() or passage.document_name
    section = passage.section.rpartition(SECTION_SEPARATOR)[2].strip()
    return f"{title}, \u201c{section}\u201d" if section else title


def _pages(passage: Passage) -> str:
    if passage.page_start == passage.page_end:
        return f"page {passage.page_start}"
    return f"pages {passage.page_start}\u2013{passage.page_end}"


def build_prompt_only_messages(question: str, *, chat: bool = True) -> list[dict]:
    """Return the system and user messages that ask the model a question without any sources.

    This is the evaluation's baseline for what retrieval adds: the same kind of prompt and
    the same sentinel as ``build_messages``, so the two differ only in the sources.
    """
    if chat:
        system = load_template("chat_system_prompt_only").format(no_answer=NO_ANSWER_SENTINEL)
        return [
            {"role": "system", "content": system.strip()},
            {"role": "user", "content": f"Question: {question.strip()}"},
        ]
    system = load_template("system_prompt_only").format(no_answer=NO_ANSWER_SENTINEL)
    examples = load_template("examples_prompt_only").format(no_answer=NO_ANSWER_SENTINEL)
    return [
        {"role": "system", "content": system.strip()},
        {"role": "user", "content": f"{examples.strip()}\n\nQuestion: {question.strip()}\nAnswer:"},
    ]
