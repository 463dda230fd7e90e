"""Worked examples for few-shot prompts: the built-in ones, an admin's own, and their checks.

An example is a small question with its numbered sources and the answer the model should
give, written as JSON an admin can edit::

    {"sources": [{"title": "Heater H2 manual", "page": 3, "text": "…"}],
     "question": "What happens if the heater falls over?",
     "answer": "The heater switches off by itself when it tips over [1]."}

The answer is the sentinel (the sources do not answer), an answer from general knowledge
labelled as such (collections that allow it), or words that cite only the sources the
example has.
"""

import json
import re
from functools import cache
from importlib.resources import files

MAX_EXAMPLES = 6
MAX_SOURCES = 5
# Every example is read before each question: long ones cost prompt time on every answer.
MAX_TOTAL_CHARS = 6000

_MARKER = re.compile(r"\[(\d+)\]")
# How the general-knowledge prompts have the model label an answer from beyond the sources.
GENERAL_KNOWLEDGE_LABEL = "General knowledge:"


class ExampleError(ValueError):
    """The examples cannot be used; the message names the example and what is wrong."""


@cache
def _builtin_text(mode: str) -> str:
    return files("answering").joinpath("prompts", f"few_shot_{mode}.json").read_text(encoding="utf-8")


def builtin_examples(general: bool = False) -> list[dict]:
    """Return the shipped examples: grounded ones decline with the sentinel, general ones answer anyway."""
    return json.loads(_builtin_text("general" if general else "grounded"))


def parse_examples(text: str, no_answer: str) -> list[dict]:
    """Parse an admin's JSON examples and return them checked; raise ExampleError saying what is wrong."""
    try:
        examples = json.loads(text)
    except json.JSONDecodeError as error:
        raise ExampleError(f"Not valid JSON: {error.msg} (line {error.lineno}, column {error.colno}).") from error
    return validate_examples(examples, no_answer)


def validate_examples(examples, no_answer: str) -> list[dict]:
    """Return ``examples`` reduced to their known fields; raise ExampleError at the first problem."""
    if not isinstance(examples, list) or not 1 <= len(examples) <= MAX_EXAMPLES:
        raise ExampleError(f"Give a list of 1 to {MAX_EXAMPLES} examples.")
    cleaned = [_example(example, number, no_answer) for number, example in enumerate(examples, 1)]
    size = sum(len(json.dumps(example)) for example in cleaned)
    if size > MAX_TOTAL_CHARS:
        raise ExampleError(f"The examples hold {size} characters; keep them under {MAX_TOTAL_CHARS}.")
    return cleaned


def _example(example, number: int, no_answer: str) -> dict:
    where = f"Example {number}"
    if not isinstance(example, dict):
        raise ExampleError(f"{where}: expected an object with sources, question and answer.")
    question, answer, sources = example.get("question"), example.get("answer"), example.get("sources")
    if not isinstance(question, str) or not question.strip():
        raise ExampleError(f"{where}: 'question' must be a non-empty string.")
    if not isinstance(answer, str) or not answer.strip():
        raise ExampleError(f"{where}: 'answer' must be a non-empty string.")
    if not isinstance(sources, list) or not 1 <= len(sources) <= MAX_SOURCES:
        raise ExampleError(f"{where}: 'sources' must be a list of 1 to {MAX_SOURCES} sources.")
    cleaned_sources = [_source(source, f"{where}, source {n}") for n, source in enumerate(sources, 1)]
    answer = answer.strip()
    if answer != no_answer:
        cited = {int(n) for n in _MARKER.findall(answer)}
        if not _MARKER.sub("", answer).strip(" .,;"):
            raise ExampleError(f"{where}: the answer must say the answer in words, not only cite a source.")
        if not cited and not answer.startswith(GENERAL_KNOWLEDGE_LABEL):
            raise ExampleError(f"{where}: the answer must cite its source as [1], [2] … (or be {no_answer}).")
        unknown = sorted(n for n in cited if not 1 <= n <= len(sources))
        if unknown:
            raise ExampleError(f"{where}: the answer cites [{unknown[0]}], but the example has {len(sources)} sources.")
    return {"sources": cleaned_sources, "question": question.strip(), "answer": answer}


def _source(source, where: str) -> dict:
    if not isinstance(source, dict):
        raise ExampleError(f"{where}: expected an object with title, page and text.")
    title, page, text = source.get("title"), source.get("page"), source.get("text")
    if not isinstance(title, str) or not title.strip():
        raise ExampleError(f"{where}: 'title' must be a non-empty string.")
    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        raise ExampleError(f"{where}: 'page' must be a page number from 1.")
    if not isinstance(text, str) or not text.strip():
        raise ExampleError(f"{where}: 'text' must be a non-empty string.")
    return {"title": title.strip(), "page": page, "text": text.strip()}


def example_sources_text(example: dict) -> str:
    """Render an example's sources as the prompt renders retrieved passages: ``[n] title, page p``."""
    return "\n\n".join(
        f"[{n}] {source['title']}, page {source['page']}\n{source['text']}"
        for n, source in enumerate(example["sources"], 1)
    )
