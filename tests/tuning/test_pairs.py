"""Training pairs made from a manual's own sentences: which sentences qualify, and what a pair holds."""

from answering.prompt import NO_ANSWER_SENTINEL, load_template
from tuning.pairs import (
    PASSAGE_CHARS,
    TrainingPair,
    answer_sentence,
    chat_messages,
    defined_subject,
    pairs_from_pages,
    split_sentences,
)

PAGE = (
    "Unpack the pump. Use `pumpctl start` to start the pump. The flow limiter is used to cap the flow "
    "at 20 litres per minute. Fig. 3 shows the casing."
)


def pairs(text: str = PAGE, limit: int = 10, title: str = "Pump P1 manual", page: int = 3) -> list[TrainingPair]:
    return pairs_from_pages([(title, page, text)], limit)


def test_it_asks_about_a_command_written_in_backticks():
    assert defined_subject("Use `pumpctl start` to start the pump.") == "`pumpctl start`"


def test_it_asks_about_an_option_in_backticks():
    assert defined_subject("Run it with --force to skip the checks.") == "`--force`"


def test_it_asks_about_a_setting_by_its_name():
    assert defined_subject("Set timeout=30 in pump.cfg for slow pipes.") == "`timeout`"


def test_it_asks_about_what_a_sentence_says_is_used_to_do_something():
    assert defined_subject("The flow limiter is used to cap the flow.") == "the flow limiter"


def test_it_asks_about_what_a_sentence_says_specifies_something():
    assert defined_subject("FIT LOG specifies the name of the log file.") == "FIT LOG"


def test_it_skips_a_sentence_that_defines_nothing():
    assert defined_subject("The pump has a blue casing.") is None


def test_it_skips_a_clause_that_only_looks_like_a_subject():
    assert defined_subject("If you set the style to solid, all boxes are filled.") is None


def test_it_skips_a_sentence_cut_off_at_the_end_of_the_page():
    assert defined_subject("Use `pumpctl stop` to stop the pump and then") is None


def test_it_skips_a_word_with_a_hyphen_as_an_option():
    assert defined_subject("Every <p>-th data set is read.") is None


def test_it_does_not_end_a_sentence_at_an_abbreviation():
    assert split_sentences("See Fig. 3 for the casing. Then start it.") == [
        "See Fig. 3 for the casing.",
        "Then start it.",
    ]


def test_it_joins_lines_broken_inside_a_sentence():
    assert split_sentences("The flow limiter is\nused to cap the flow.") == [
        "The flow limiter is used to cap the flow."
    ]


def test_it_makes_one_pair_per_defining_sentence():
    assert [pair.question for pair in pairs()] == [
        "What does the manual say about `pumpctl start`?",
        "What does the manual say about the flow limiter?",
    ]


def test_it_answers_with_the_sentence_and_cites_it_before_the_full_stop():
    assert pairs()[0].answer == "Use `pumpctl start` to start the pump [1]."


def test_it_recovers_the_sentence_an_answer_restates():
    assert answer_sentence(pairs()[0]) == "Use `pumpctl start` to start the pump."


def test_it_heads_the_source_with_the_title_and_page_as_the_app_does():
    assert pairs(title="Pump P1 manual", page=3)[0].sources.startswith("[1] Pump P1 manual, page 3\n")


def test_it_gives_the_sentence_with_the_one_before_and_those_after_as_the_source():
    assert pairs()[0].sources.endswith("\n" + " ".join(split_sentences(PAGE)))


def test_it_keeps_the_source_near_the_passage_size():
    long_page = "Use `pumpctl start` to start the pump. " + "The casing is blue and made of steel. " * 40

    passage = pairs(long_page)[0].sources.partition("\n")[2]

    assert len(passage) <= PASSAGE_CHARS


def test_it_asks_about_a_subject_only_once():
    page = "Use `pumpctl` to start the pump. Use `pumpctl` again to stop it."

    assert len(pairs(page)) == 1


def test_it_spreads_a_limit_evenly_over_the_manual():
    pages = [("Manual", number, f"Use `command{number}` to do step {number}.") for number in range(1, 11)]

    chosen = pairs_from_pages(pages, 5)

    assert [pair.sources.split("\n")[0] for pair in chosen] == [f"[1] Manual, page {n}" for n in (1, 3, 5, 7, 9)]


def test_it_gives_no_pairs_when_the_limit_is_zero():
    assert pairs(limit=0) == []


def test_it_gives_the_same_pairs_for_the_same_pages():
    assert pairs() == pairs()


def test_it_asks_with_the_apps_grounded_instructions():
    system = chat_messages(pairs()[0])[0]

    assert system == {
        "role": "system",
        "content": load_template("chat_system_grounded").format(no_answer=NO_ANSWER_SENTINEL).strip(),
    }


def test_it_shows_the_source_as_excerpt_1_before_the_question():
    pair = TrainingPair(question="What is X?", sources="[1] Manual, page 2\nX is a pump.", answer="X is a pump [1].")

    user = chat_messages(pair)[1]["content"]

    assert user == "Manual excerpts:\n\n[1] Manual, page 2\nX is a pump.\n\nQuestion: What is X?"


def test_it_ends_with_the_answer_as_the_assistant_turn():
    pair = pairs()[0]

    assert chat_messages(pair)[-1] == {"role": "assistant", "content": pair.answer}
