"""Build the chat messages that ask the LLM to answer from numbered sources, in a chosen prompt style.

The wording lives in ``answering/prompts/*`` so it can be read and tuned without touching
code; this module only fills in the sources, the examples and the question.

Three styles, chosen per collection:

- zero-shot: written instructions, then the sources and the question;
- few-shot: the same instructions, then worked examples (built in, or the admin's own,
  see ``answering.few_shot``) answered in the form wanted, then the real question;
- chain-of-thought: the instructions ask the model to write its reasoning first and the
  final answer after it (``answering.reasoning`` separates the two).

Chat models (a GGUF with a chat template, or any server's chat endpoint) default to
zero-shot; base models to few-shot, because they follow the pattern of examples far better
than rules, and get everything as one text to continue, ending in "Answer:".
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from answering.few_shot import builtin_examples, example_sources_text
from answering.sentinel import NO_ANSWER_SENTINEL
from answering.types import Passage
from ingestion.types import SECTION_SEPARATOR

ZERO_SHOT, FEW_SHOT, CHAIN_OF_THOUGHT = "zero-shot", "few-shot", "chain-of-thought"
STYLES = (ZERO_SHOT, FEW_SHOT, CHAIN_OF_THOUGHT)


@dataclass(frozen=True)
class PromptStyle:
    """How a collection asks the model: ``name`` is one of STYLES, or "" for the model's default.

    ``examples`` are the admin's few-shot examples (checked by ``few_shot.validate_examples``);
    empty means the built-in ones.
    """

    name: str = ""
    examples: tuple[dict, ...] = ()

    def resolved(self, chat: bool) -> str:
        """Return the style actually used for a chat model (``chat``) or a base model."""
        return self.name or (ZERO_SHOT if chat else FEW_SHOT)


@cache
def load_template(name: str) -> str:
    """Return the text of ``answering/prompts/<name>.txt``, read once per process."""
    return files("answering").joinpath("prompts", f"{name}.txt").read_text(encoding="utf-8")


def format_sources(passages: Sequence[Passage]) -> str:
    """Return the passages as ``[n] title, section, page p`` blocks, so the model can cite them by number."""
    return "\n\n".join(f"[{p.number}] {_heading(p)}, {_pages(p)}\n{p.text.strip()}" for p in passages)


def chat_user_text(sources: str, question: str) -> str:
    """Return a chat model's user turn, the numbered sources then the question; fine-tuning pairs use it too."""
    return load_template("chat_user").format(sources=sources, question=question)


def build_messages(
    question: str,
    passages: Sequence[Passage],
    *,
    allow_general_knowledge: bool = False,
    chat: bool = True,
    style: PromptStyle = PromptStyle(),
) -> list[dict]:
    """Return the messages for one question in ``style``: system first, the question last.

    With ``allow_general_knowledge`` the model may answer beyond the sources, labelling that
    part; otherwise it must reply with the sentinel.
    """
    mode = "general" if allow_general_knowledge else "grounded"
    name = style.resolved(chat)
    examples = (list(style.examples) or builtin_examples(allow_general_knowledge)) if name == FEW_SHOT else []
    sources, question = format_sources(passages), question.strip()
    if chat:
        system = load_template(f"chat_system_{mode}")
        if name == CHAIN_OF_THOUGHT:
            system = f"{system.strip()}\n\n{load_template('chat_reasoning')}"
        messages = [_message("system", system.format(no_answer=NO_ANSWER_SENTINEL))]
        for example in examples:
            messages.append(_message("user", chat_user_text(example_sources_text(example), example["question"])))
            messages.append(_message("assistant", example["answer"]))
        return [*messages, _message("user", chat_user_text(sources, question))]
    system = load_template(f"system_{mode}")
    if name == CHAIN_OF_THOUGHT:
        system = f"{system.strip()} {load_template('system_reasoning')}"
    shown = [_completion(example_sources_text(e), e["question"], f"Answer: {e['answer']}") for e in examples]
    label = "Reasoning:" if name == CHAIN_OF_THOUGHT else "Answer:"
    user = "\n\n".join([*shown, _completion(sources, question, label)])
    return [_message("system", system.format(no_answer=NO_ANSWER_SENTINEL)), _message("user", user)]


def prompt_version(style: PromptStyle, *, chat: bool, allow_general_knowledge: bool = False) -> str:
    """Return a short fingerprint of everything a style's prompt holds besides the question and sources.

    It changes whenever a template file, the built-in or the admin's examples, or the style
    changes, so an answer's recorded version tells which prompt produced it.
    """
    skeleton = build_messages(
        "{question}", [_PLACEHOLDER], allow_general_knowledge=allow_general_knowledge, chat=chat, style=style
    )
    text = json.dumps([style.resolved(chat), skeleton], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def build_prompt_only_messages(question: str, *, chat: bool = True) -> list[dict]:
    """Return the system and user messages that ask the model a question without any sources.

    This is the evaluation's baseline for what retrieval adds: the same kind of prompt and
    the same sentinel as ``build_messages``, so the two differ only in the sources.
    """
    if chat:
        system = load_template("chat_system_prompt_only").format(no_answer=NO_ANSWER_SENTINEL)
        return [_message("system", system), _message("user", f"Question: {question.strip()}")]
    system = load_template("system_prompt_only").format(no_answer=NO_ANSWER_SENTINEL)
    examples = load_template("examples_prompt_only").format(no_answer=NO_ANSWER_SENTINEL)
    return [
        _message("system", system),
        _message("user", f"{examples.strip()}\n\nQuestion: {question.strip()}\nAnswer:"),
    ]


_PLACEHOLDER = Passage(
    number=1,
    chunk_ids=("placeholder",),
    document_id=0,
    document_title="{title}",
    document_name="{file}",
    page_start=1,
    page_end=1,
    text="{text}",
    score=1.0,
)


def _message(role: str, content: str) -> dict:
    return {"role": role, "content": content.strip()}


def _completion(sources: str, question: str, label: str) -> str:
    return load_template("user").format(sources=sources, question=question, label=label).strip()


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
