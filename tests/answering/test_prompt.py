import tomllib
from pathlib import Path

import pytest

from answering.prompt import (
    CHAIN_OF_THOUGHT,
    FEW_SHOT,
    ZERO_SHOT,
    PromptStyle,
    build_messages,
    format_sources,
    load_template,
    prompt_version,
)
from answering.sentinel import NO_ANSWER_SENTINEL
from answering.types import Passage

REPO_ROOT = Path(__file__).resolve().parents[2]


def passage(number=1, title="AquaFlow Pump Manual", pages=(3, 3), text="Hold MODE for ten seconds."):
    return Passage(
        number=number,
        chunk_ids=(f"chunk-{number}",),
        document_id=number,
        document_title=title,
        document_name="aquaflow.pdf",
        page_start=pages[0],
        page_end=pages[1],
        text=text,
        score=0.7,
    )


@pytest.mark.parametrize("name", ["system_grounded", "system_general", "user"])
def test_it_loads_each_template_from_the_package_folder(name):
    assert load_template(name).strip()


def test_templates_ship_with_the_package():
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())

    assert "prompts/*.txt" in config["tool"]["setuptools"]["package-data"]["answering"]
    assert "prompts/*.json" in config["tool"]["setuptools"]["package-data"]["answering"]


def test_it_heads_a_source_with_its_number_title_and_page():
    text = format_sources([passage(pages=(3, 3))])

    assert text == "[1] AquaFlow Pump Manual, page 3\nHold MODE for ten seconds."


def test_it_shows_a_page_range_with_a_dash():
    assert format_sources([passage(pages=(3, 4))]).startswith("[1] AquaFlow Pump Manual, pages 3\u20134\n")


def test_it_names_the_file_when_the_document_has_no_title():
    assert format_sources([passage(title=" ")]).startswith("[1] aquaflow.pdf, page 3\n")


def test_it_separates_sources_with_a_blank_line():
    text = format_sources([passage(1, text="First."), passage(2, text="Second.")])

    assert "First.\n\n[2] AquaFlow Pump Manual, page 3\nSecond." in text


def test_it_sends_the_instructions_as_system_then_the_question_as_user():
    messages = build_messages("How do I reset it?", [passage()])

    assert [message["role"] for message in messages] == ["system", "user"]


def test_user_message_holds_the_sources_and_the_question():
    user = build_messages("How do I reset it?", [passage()])[1]["content"]

    assert "[1] AquaFlow Pump Manual, page 3\nHold MODE for ten seconds." in user
    assert "Question: How do I reset it?" in user


def test_a_base_model_prompt_ends_where_the_answer_begins():
    # A base model continues the prompt, so the prompt must end on the cue.
    assert build_messages("How do I reset it?", [passage()], chat=False)[1]["content"].endswith("Answer:")


def test_a_base_model_prompt_shows_the_exact_sentinel_in_an_example():
    system, user = (message["content"] for message in build_messages("Q?", [passage()], chat=False))

    assert f"the answer is {NO_ANSWER_SENTINEL}." in system
    assert f"Answer: {NO_ANSWER_SENTINEL}\n" in user


def test_a_base_model_prompt_shows_an_answer_citing_its_source_by_number():
    user = build_messages("Q?", [passage()], chat=False)[1]["content"]

    assert "Answer: The heater switches off by itself when it tips over [2]." in user


def test_a_base_model_prompt_puts_the_examples_before_the_real_sources():
    user = build_messages("How do I reset it?", [passage()], chat=False)[1]["content"]

    assert user.index("Heater H2") < user.index("AquaFlow Pump Manual") < user.index("How do I reset it?")


def test_a_chat_model_gets_instructions_instead_of_worked_examples():
    system, user = (message["content"] for message in build_messages("How do I reset it?", [passage()]))

    assert "Heater H2" not in user
    assert user.endswith("Question: How do I reset it?")
    assert f"reply with exactly {NO_ANSWER_SENTINEL}" in system


def test_a_chat_model_is_told_to_lead_with_the_answer_and_quote_exactly_and_is_not_asked_for_markers():
    system = build_messages("Q?", [passage()])[0]["content"]

    assert "Start with the answer itself" in system
    assert "exactly as the excerpt writes it" in system
    assert "Do not describe the excerpts" in system
    # The app attaches citations after generation: the 1.5B model's own markers were wrong more often.
    assert "square brackets" not in system


def test_grounded_prompt_does_not_allow_general_knowledge():
    assert "general knowledge" not in build_messages("Q?", [passage()])[0]["content"].lower()


def test_general_prompt_allows_general_knowledge_labelled_as_such():
    system = build_messages("Q?", [passage()], allow_general_knowledge=True)[0]["content"]

    assert '"General knowledge:"' in system


def test_question_text_with_braces_is_sent_as_written():
    user = build_messages("What does {mode} mean?", [passage(text="The {mode} field.")])[1]["content"]

    assert "What does {mode} mean?" in user
    assert "The {mode} field." in user


ADMIN_EXAMPLE = {
    "sources": [{"title": "Boiler B7 manual", "page": 9, "text": "Bleed the radiators when the pressure drops."}],
    "question": "What if the pressure drops?",
    "answer": "Bleed the radiators [1].",
}


def test_a_chat_model_defaults_to_zero_shot_and_a_base_model_to_few_shot():
    assert PromptStyle().resolved(chat=True) == ZERO_SHOT
    assert PromptStyle().resolved(chat=False) == FEW_SHOT


def test_few_shot_gives_a_chat_model_each_example_as_an_earlier_turn():
    messages = build_messages("How do I reset it?", [passage()], style=PromptStyle(FEW_SHOT))

    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert messages[2]["content"] == "The heater switches off by itself when it tips over [2]."
    assert messages[4]["content"] == NO_ANSWER_SENTINEL
    assert "[2] Heater H2 manual, page 3" in messages[1]["content"]
    assert messages[-1]["content"].endswith("Question: How do I reset it?")


def test_few_shot_uses_the_admins_examples_instead_of_the_builtin_ones():
    messages = build_messages("Q?", [passage()], style=PromptStyle(FEW_SHOT, (ADMIN_EXAMPLE,)))

    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert "Boiler B7 manual, page 9" in messages[1]["content"]
    assert "Heater H2" not in str(messages)


def test_zero_shot_gives_a_base_model_no_examples():
    user = build_messages("Q?", [passage()], chat=False, style=PromptStyle(ZERO_SHOT))[1]["content"]

    assert "Heater H2" not in user
    assert user.startswith("Sources:\n[1] AquaFlow Pump Manual") and user.endswith("Answer:")


def test_chain_of_thought_asks_for_reasoning_then_a_labelled_cited_answer():
    system = build_messages("Q?", [passage()], style=PromptStyle(CHAIN_OF_THOUGHT))[0]["content"]

    assert "Reasoning:" in system and "Answer:" in system
    assert "excerpt number in square brackets" in system


def test_chain_of_thought_has_a_base_model_begin_with_its_reasoning():
    user = build_messages("Q?", [passage()], chat=False, style=PromptStyle(CHAIN_OF_THOUGHT))[1]["content"]

    assert user.endswith("Reasoning:")


def test_the_prompt_version_changes_with_the_style_and_the_examples_only():
    zero = prompt_version(PromptStyle(ZERO_SHOT), chat=True)

    assert zero == prompt_version(PromptStyle(), chat=True)
    assert zero != prompt_version(PromptStyle(FEW_SHOT), chat=True)
    assert prompt_version(PromptStyle(FEW_SHOT), chat=True) != prompt_version(
        PromptStyle(FEW_SHOT, (ADMIN_EXAMPLE,)), chat=True
    )
    assert zero != prompt_version(PromptStyle(ZERO_SHOT), chat=False)
    assert len(zero) == 12
