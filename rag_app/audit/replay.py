"""Re-run an audited question as it was recorded, and tell what changed since.

A replay with the same manuals, model and sampling settings should give the same answer;
a difference points at a changed manual, model or setting, which the comparison names.
"""

import difflib
from dataclasses import asdict

from django.core.exceptions import ValidationError
from django.db import transaction

from answering.llm import GenerationParams
from rag_app.chat import llm_settings
from rag_app.chat import services as chat_services
from rag_app.chat.access import record_access
from rag_app.chat.models import Answer, AnswerSource, Conversation


def replay_answer(original: Answer, auditor) -> Answer:
    """Answer the question again over the same collections, retrieval query and sampling settings.

    Runs to the end before returning (seconds with the bundled model). Raise ValidationError
    when the collections the original searched no longer exist.
    """
    collections = list(original.collections.all())
    if not collections:
        raise ValidationError("The collections this answer searched no longer exist.")
    with transaction.atomic():
        conversation = Conversation.objects.create(user=auditor, title=f"Replay of #{original.pk}")
        conversation.collections.set(collections)
        replay = Answer.objects.create(
            conversation=conversation,
            user=auditor,
            question=original.question,
            retrieval_query=original.retrieval_query,
            search_terms=original.search_terms,
            replay_of=original,
        )
        replay.collections.set(collections)
        record_access(replay, collections)
    # The answer is generated, and recorded, as its events are read.
    for _event in chat_services.stream_answer(replay, recorded_params(original)):
        pass
    replay.refresh_from_db()
    return replay


def recorded_params(answer: Answer) -> GenerationParams:
    """Return the sampling settings the answer was generated with; today's settings fill any gap."""
    values = asdict(llm_settings.generation_params())
    values.update((key, value) for key, value in answer.generation_params.items() if key in values)
    return GenerationParams(**{**values, "stop": tuple(values["stop"])})


def compare(original: Answer, replay: Answer) -> dict:
    """Return what differs between a recorded answer and its replay.

    ``text_diff`` is a list of ``(kind, words)`` with kind "same", "removed" or "added".
    Passages and citations are matched by document and pages, since their numbers may shift.
    """
    before, after = list(original.sources.all()), list(replay.sources.all())
    return {
        "same_text": original.text == replay.text,
        "text_diff": _word_diff(original.text, replay.text),
        "passages": _passage_changes(before, after),
        "citations": _citation_changes(before, after),
        "model_changed": original.model_info.get("sha256") != replay.model_info.get("sha256"),
        "params_changed": original.generation_params != replay.generation_params,
        # The collection's prompt style or adapter may have changed since: say so, not just "the text differs".
        "prompt_changed": (original.prompt_style, original.prompt_version)
        != (replay.prompt_style, replay.prompt_version),
        "adapter_changed": original.adapter_sha256 != replay.adapter_sha256,
    }


def _word_diff(old: str, new: str) -> list[tuple[str, str]]:
    old_words, new_words = old.split(), new.split()
    runs = []
    for tag, old_start, old_end, new_start, new_end in difflib.SequenceMatcher(
        None, old_words, new_words, autojunk=False
    ).get_opcodes():
        if tag == "equal":
            runs.append(("same", " ".join(old_words[old_start:old_end])))
            continue
        if old_end > old_start:
            runs.append(("removed", " ".join(old_words[old_start:old_end])))
        if new_end > new_start:
            runs.append(("added", " ".join(new_words[new_start:new_end])))
    return runs


def _place(source: AnswerSource) -> tuple:
    """Identify a passage across answers: its document (by name once deleted) and its pages."""
    return (source.document_id or source.document_name, source.page_start, source.page_end)


def _passage_changes(before: list[AnswerSource], after: list[AnswerSource]) -> dict:
    """Return passages "added", "removed", "changed" (as old and new pairs) and kept the "same"."""
    old = {_place(source): source for source in before}
    new = {_place(source): source for source in after}
    kept = [place for place in new if place in old]
    return {
        "added": [source for place, source in new.items() if place not in old],
        "removed": [source for place, source in old.items() if place not in new],
        "changed": [(old[place], new[place]) for place in kept if old[place].text != new[place].text],
        "same": [new[place] for place in kept if old[place].text == new[place].text],
    }


def _citation_changes(before: list[AnswerSource], after: list[AnswerSource]) -> dict:
    """Return the cited passages only the replay cites ("added"), only the original ("removed"), or both."""
    old = {_place(source): source for source in before if source.cited}
    new = {_place(source): source for source in after if source.cited}
    return {
        "added": [source for place, source in new.items() if place not in old],
        "removed": [source for place, source in old.items() if place not in new],
        "same": [source for place, source in new.items() if place in old],
    }
