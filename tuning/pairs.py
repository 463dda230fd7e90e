"""Question-answer pairs for LoRA training, made from a manual's own sentences without an LLM.

A pair teaches the answer form the app asks for (say what the excerpt says, cite [1]) on
the vocabulary of the customer's manuals; it invents nothing. Each pair comes from one
sentence that defines something: it names a command or value in backticks, an option
such as ``--force``, a setting such as ``timeout=30``, or opens with "<subject> is used
to" / "specifies" / "controls" and the like. Then

- the question asks what the manual says about that subject;
- the source is the sentence with its neighbours on the page, headed as the app heads a source;
- the answer is the sentence itself, cited [1].

The answers are therefore extractive: the model learns to find and repeat the relevant
sentence, not to paraphrase or to decline (there are no NO_ANSWER pairs).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from answering.prompt import NO_ANSWER_SENTINEL, load_template
from ingestion.sentences import stop_ends_sentence

# A source holds the defining sentence, the one before it and those after it up to this size,
# so the model has to find the answer in a passage rather than be handed it alone.
PASSAGE_CHARS = 600
_MIN_SENTENCE_CHARS, _MAX_SENTENCE_CHARS = 20, 320

# Candidate sentence ends, as in ingestion.chunk: punctuation, closing quotes, space, a word.
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]\u2019\u201d]*(\s+)[\"'(\[\u2018\u201c]?(?=\w)")
_FINAL_STOP = re.compile(r"[.!?]+[\"')\]\u2019\u201d]*$")
# Subjects, tried in this order; the first three are code and are shown in backticks.
_CODE = re.compile(r"`([^`\n]{1,60})`")
_OPTION = re.compile(r"(?<![^\s\"'(\u2018\u2019])(--?[A-Za-z][\w-]+)")  # "-th" in "<p>-th" is not one
_SETTING = re.compile(r"\b([A-Za-z_][\w.]+)=\S")
# "<subject> is used to / specifies / controls ...": third person only, since "you can specify"
# or "may be set" describe a step, not the subject.
_DEFINITION = re.compile(
    r"^(?:(?P<article>the|an?)\s+)?(?P<subject>\w[^,;:()]{1,58}?)\s+"
    r"(?:(?:is|are) used (?:to|for)|specifies|controls|sets|determines|defines|enables|disables|selects)\b",
    re.IGNORECASE,
)
# Words that show the "subject" is a clause ("If you", "This option can also"), not a name.
_CLAUSE_WORDS = frozenset(
    {"also", "can", "could", "if", "it", "its", "may", "must", "should", "that", "these", "they", "this", "those"}
    | {"to", "we", "when", "which", "will", "would", "you", "your"}
)
_MAX_SUBJECT_WORDS = 6
_CITATION = "[1]"


@dataclass(frozen=True)
class TrainingPair:
    """One training example: the question, its numbered sources, and the answer wanted."""

    question: str
    sources: str  # numbered as answering.prompt.format_sources numbers them: "[1] <title>, page <n>\n<passage>"
    answer: str


def pairs_from_pages(pages: list[tuple[str, int, str]], limit: int) -> list[TrainingPair]:
    """Return up to ``limit`` pairs from ``pages`` ((title, page number, text)), one per subject.

    The same pages always give the same pairs. When there are more candidates than
    ``limit``, they are taken evenly across the pages, so a long manual is not represented
    by its first chapter only.
    """
    candidates, seen = [], set()
    for title, number, text in pages:
        sentences = split_sentences(text)
        for index, sentence in enumerate(sentences):
            subject = defined_subject(sentence)
            if subject is None or subject.lower() in seen:
                continue
            seen.add(subject.lower())
            candidates.append(_pair(title, number, sentences, index, subject))
    return _spread(candidates, limit)


def split_sentences(text: str) -> list[str]:
    """Return the sentences of ``text`` with whitespace collapsed (PDF text breaks lines mid-sentence)."""
    text = " ".join(text.split())
    sentences, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        following = text[match.end()]
        if stop_ends_sentence(text, start, match.start(), following.isupper() or following.isdigit()):
            sentences.append(text[start : match.start(1)])
            start = match.end(1)
    if text[start:]:
        sentences.append(text[start:])
    return sentences


def defined_subject(sentence: str) -> str | None:
    """Return what ``sentence`` defines (code in backticks), or None when it is not a usable definition.

    Only whole sentences of a readable length count: the last words of a page cut off
    mid-sentence, or a table flattened into one line, would teach nothing.
    """
    if not (_MIN_SENTENCE_CHARS <= len(sentence) <= _MAX_SENTENCE_CHARS) or not _FINAL_STOP.search(sentence):
        return None
    for pattern in (_CODE, _OPTION, _SETTING):
        if match := pattern.search(sentence):
            return f"`{match.group(1)}`"
    match = _DEFINITION.match(sentence)
    words = match.group("subject").lower().split() if match else []
    if not words or len(words) > _MAX_SUBJECT_WORDS or _CLAUSE_WORDS.intersection(words):
        return None
    article = match.group("article")
    return f"{article.lower()} {match.group('subject')}" if article else match.group("subject")


def chat_messages(pair: TrainingPair) -> list[dict]:
    """Return the system, user and assistant messages, worded exactly as the app's grounded chat prompt."""
    system = load_template("chat_system_grounded").format(no_answer=NO_ANSWER_SENTINEL)
    user = load_template("chat_user").format(sources=pair.sources, question=pair.question)
    return [
        {"role": "system", "content": system.strip()},
        {"role": "user", "content": user.strip()},
        {"role": "assistant", "content": pair.answer},
    ]


def format_training_text(pair: TrainingPair, tokenizer) -> str:
    """Return the whole conversation as the model sees it, rendered by ``tokenizer``'s chat template."""
    return tokenizer.apply_chat_template(chat_messages(pair), tokenize=False)


def format_prompt_text(pair: TrainingPair, tokenizer) -> str:
    """Return the conversation up to where the model starts answering: the part training does not score."""
    return tokenizer.apply_chat_template(chat_messages(pair)[:-1], tokenize=False, add_generation_prompt=True)


def answer_sentence(pair: TrainingPair) -> str:
    """Return the manual's sentence that ``pair``'s answer restates, without the citation."""
    return pair.answer.replace(f" {_CITATION}", "", 1)


def _pair(title: str, number: int, sentences: list[str], index: int, subject: str) -> TrainingPair:
    sentence = sentences[index]
    passage = " ".join(_window(sentences, index))
    stop = _FINAL_STOP.search(sentence)
    # The app's examples cite before the full stop: "... tips over [2]."
    answer = f"{sentence[: stop.start()]} {_CITATION}{stop.group()}"
    return TrainingPair(
        question=f"What does the manual say about {subject}?",
        sources=f"{_CITATION} {title}, page {number}\n{passage}",
        answer=answer,
    )


def _window(sentences: list[str], index: int) -> Iterator[str]:
    """Yield the sentence before ``index``, the sentence itself, and those after it up to PASSAGE_CHARS."""
    first = max(index - 1, 0)
    size = 0
    for position in range(first, len(sentences)):
        size += len(sentences[position]) + 1
        if position > index and size > PASSAGE_CHARS:
            return
        yield sentences[position]


def _spread(candidates: list[TrainingPair], limit: int) -> list[TrainingPair]:
    if len(candidates) <= limit:
        return candidates
    return [candidates[i * len(candidates) // limit] for i in range(max(limit, 0))]
