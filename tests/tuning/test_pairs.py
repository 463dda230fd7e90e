"""Training pairs made from a manual's own sentences: which sentences qualify, and what a pair holds."""

from answering.prompt import load_template
from answering.sentinel import NO_ANSWER_SENTINEL
from tuning.pairs import (
    DECLINE_EVERY,
    OTHER_PASSAGE_CHARS,
    PASSAGE_CHARS,
    TrainingPair,
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


def test_it_keeps_the_sentence_an_answer_restates():
    assert pairs()[0].restates == "Use `pumpctl start` to start the pump."


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

    assert [pair.question for pair in chosen] == [
        f"What does the manual say about `command{n}`?" for n in (1, 3, 5, 7, 9)
    ]


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


def manual(count: int, filler: str = "") -> list[tuple[str, int, str]]:
    return [("Manual", n, f"Use `command{n}` to do step {n}.{filler}") for n in range(1, count + 1)]


def test_a_pair_also_holds_a_passage_from_elsewhere_and_cites_the_right_one():
    first, second = pairs_from_pages(manual(4), 4)[:2]

    assert (
        first.sources
        == "[1] Manual, page 3\nUse `command3` to do step 3.\n\n[2] Manual, page 1\nUse `command1` to do step 1."
    )
    assert first.answer == "Use `command1` to do step 1 [2]."
    assert second.sources.startswith("[1] Manual, page 2\n") and second.answer.endswith("[1].")


def test_the_passage_from_elsewhere_is_cut_short():
    filler = " The casing is blue and made of steel." * 20

    other = pairs_from_pages(manual(4, filler), 4)[0].sources.split("\n\n")[0].partition("\n")[2]

    assert len(other) <= OTHER_PASSAGE_CHARS + 2 and other.endswith(" …")


def test_a_passage_that_names_the_subject_is_not_used_as_the_one_from_elsewhere():
    pages = [("Manual", 1, "Use `pumpctl` to start the pump."), ("Manual", 2, "Run `reset` before `pumpctl` again.")]

    assert pairs_from_pages(pages, 2)[0].sources == "[1] Manual, page 1\nUse `pumpctl` to start the pump."


def test_every_fifth_pair_declines_a_question_its_passages_do_not_cover():
    chosen = pairs_from_pages(manual(10), 10)

    declines = [pair for pair in chosen if pair.answer == NO_ANSWER_SENTINEL]
    assert [pair.question for pair in declines] == [
        f"What does the manual say about `command{n}`?" for n in (DECLINE_EVERY, 2 * DECLINE_EVERY)
    ]
    assert all("command5`" not in source for source in declines[0].sources.split("\n\n"))
    assert declines[0].sources.count("\n\n") == 1


def test_a_single_defining_sentence_gives_one_pair_with_one_source():
    (pair,) = pairs_from_pages(manual(1), 5)

    assert pair.sources == "[1] Manual, page 1\nUse `command1` to do step 1." and pair.answer.endswith("[1].")


def test_a_decline_restates_no_sentence():
    decline = next(pair for pair in pairs_from_pages(manual(10), 10) if pair.answer == NO_ANSWER_SENTINEL)

    assert decline.restates is None
