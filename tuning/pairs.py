"""Question-answer pairs for LoRA training, made from a manual's own sentences without an LLM.

A pair teaches the answer form the app asks for (say what the excerpt says, cite [1]) on
the vocabulary of the customer's manuals; it invents nothing. Each pair comes from one
sentence that defines something: it names a command or value in backticks, an option
such as ``--force``, a setting such as ``timeout=30``, or opens with "<subject> is used
to" / "specifies" / "controls" and the like. Then

- the question asks what the manual says about that subject;
- the source is the sentence with its neighbours on the page, headed as the app heads a source;
- the answer is the sentence itself, citing that source by its number.

The app's prompts hold several sources, most of them beside the point, and some questions
have no answer in them. So each pair also carries a shorter passage from elsewhere in the
manuals, before or after the right one (the citation follows it), and every
``DECLINE_EVERY``-th pair keeps its question but gets only passages that do not name its
subject, answered UNANSWERABLE as the instructions ask. The answers stay extractive: the model
learns to find and repeat the relevant sentence, or to decline, not to paraphrase.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from answering.prompt import chat_user_text, load_template
from answering.sentinel import NO_ANSWER_SENTINEL
from ingestion.sentences import stop_ends_sentence

# A source holds the defining sentence, the one before it and those after it up to this size,
# so the model has to find the answer in a passage rather than be handed it alone.
PASSAGE_CHARS = 600
# A passage from elsewhere is cut to this size, so two sources still fit the training length.
OTHER_PASSAGE_CHARS = 250
DECLINE_EVERY = 5
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


@dataclass(frozen=True)
class TrainingPair:
    """One training example: the question, its numbered sources, and the answer wanted."""

    question: str
    sources: str  # numbered as answering.prompt.format_sources numbers them: "[1] <title>, page <n>\n<passage>"
    answer: str
    # The manual's sentence the answer repeats (pairs from pages), which a shortened source must keep.
    restates: str | None = None


@dataclass(frozen=True)
class _Candidate:
    """A defining sentence found on a page, before it is made into a pair."""

    subject: str
    sentence: str
    source: str  # "<title>, page <n>\n<passage>", not yet numbered


def pairs_from_pages(pages: list[tuple[str, int, str]], limit: int) -> list[TrainingPair]:
    """Return up to ``limit`` pairs from ``pages`` ((title, page number, text)), one per subject.

    The same pages always give the same pairs. When there are more candidates than
    ``limit``, they are taken evenly across the pages, so a long manual is not represented
    by its first chapter only. Another pair's passage, half the list away, is the one from
    elsewhere; with a single candidate there is none, and the pair has one source.
    """
    candidates, seen = [], set()
    for title, number, text in pages:
        sentences = split_sentences(text)
        for index, sentence in enumerate(sentences):
            subject = defined_subject(sentence)
            if subject is None or subject.lower() in seen:
                continue
            seen.add(subject.lower())
            source = f"{title}, page {number}\n{' '.join(_window(sentences, index))}"
            candidates.append(_Candidate(subject, sentence, source))
    chosen = _spread(candidates, limit)
    return [_pair(position, chosen) for position in range(len(chosen))]


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
    user = chat_user_text(pair.sources, pair.question)
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


def _pair(position: int, chosen: list[_Candidate]) -> TrainingPair:
    candidate = chosen[position]
    question = f"What does the manual say about {candidate.subject}?"
    other = chosen[(position + len(chosen) // 2) % len(chosen)] if len(chosen) > 1 else None
    if position % DECLINE_EVERY == DECLINE_EVERY - 1 and (unrelated := _unrelated_sources(candidate, chosen, position)):
        return TrainingPair(question, _numbered(unrelated), NO_ANSWER_SENTINEL)
    sources = [candidate.source]
    if other is not None and _does_not_name(other.source, candidate):
        # Alternate sides, so the right passage is not always the first.
        sources.insert(position % 2, _shortened(other.source))
    number = sources.index(candidate.source) + 1
    stop = _FINAL_STOP.search(candidate.sentence)
    # The app's examples cite before the full stop: "... tips over [2]."
    answer = f"{candidate.sentence[: stop.start()]} [{number}]{stop.group()}"
    return TrainingPair(question, _numbered(sources), answer, restates=candidate.sentence)


def _unrelated_sources(candidate: _Candidate, chosen: list[_Candidate], position: int) -> list[str]:
    """Up to two shortened passages from other pairs that do not name ``candidate``'s subject."""
    offsets = (len(chosen) // 2, len(chosen) // 3)
    others = {(position + offset) % len(chosen) for offset in offsets if offset} - {position}
    return [_shortened(chosen[i].source) for i in sorted(others) if _does_not_name(chosen[i].source, candidate)]


def _does_not_name(source: str, candidate: _Candidate) -> bool:
    """Whether ``source`` leaves out ``candidate``'s subject, so citing it for the subject would be wrong."""
    return candidate.subject.strip("`").lower() not in source.lower()


def _shortened(source: str) -> str:
    heading, _, passage = source.partition("\n")
    if len(passage) > OTHER_PASSAGE_CHARS:
        passage = passage[:OTHER_PASSAGE_CHARS].rsplit(" ", 1)[0] + " …"
    return f"{heading}\n{passage}"


def _numbered(sources: list[str]) -> str:
    return "\n\n".join(f"[{number}] {source}" for number, source in enumerate(sources, 1))


def _window(sentences: list[str], index: int) -> Iterator[str]:
    """Yield the sentence before ``index``, the sentence itself, and those after it up to PASSAGE_CHARS."""
    first = max(index - 1, 0)
    size = 0
    for position in range(first, len(sentences)):
        size += len(sentences[position]) + 1
        if position > index and size > PASSAGE_CHARS:
            return
        yield sentences[position]


def _spread(candidates: list[_Candidate], limit: int) -> list[_Candidate]:
    if len(candidates) <= limit:
        return candidates
    return [candidates[i * len(candidates) // limit] for i in range(max(limit, 0))]
