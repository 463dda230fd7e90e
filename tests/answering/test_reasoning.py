import pytest

from answering.reasoning import ReasoningSplitter


def split(text: str, step: int = 3) -> tuple[str, ReasoningSplitter]:
    splitter = ReasoningSplitter()
    shown = "".join(splitter.feed(text[i : i + step]) for i in range(0, len(text), step))
    return shown + splitter.finish(), splitter


@pytest.mark.parametrize("step", [1, 3, 50])
def test_readers_see_only_the_answer_whatever_the_piece_sizes(step):
    shown, splitter = split("Reasoning: Excerpt [2] covers resets.\nIt says hold MODE.\nAnswer: Hold `MODE` [2].", step)

    assert shown == "Hold `MODE` [2]."
    assert splitter.reasoning == "Excerpt [2] covers resets.\nIt says hold MODE."
    assert splitter.answer == "Hold `MODE` [2]."


def test_bold_labels_are_understood():
    shown, splitter = split("**Reasoning:** nothing fits.\n**Answer:** UNANSWERABLE")

    assert shown == "UNANSWERABLE"
    assert splitter.reasoning == "nothing fits."


def test_the_word_answer_inside_the_reasoning_is_not_a_label():
    shown, splitter = split("Reasoning: the answers are in [1].\nAnswer: Yes [1].")

    assert shown == "Yes [1]."
    assert splitter.reasoning == "the answers are in [1]."


def test_text_without_labels_is_all_answer_and_shown_at_the_end():
    splitter = ReasoningSplitter()

    assert splitter.feed("Hold MODE [1].") == ""
    assert splitter.finish() == "Hold MODE [1]."
    assert (splitter.reasoning, splitter.answer) == ("", "Hold MODE [1].")


def test_the_answer_streams_as_it_arrives_once_the_label_is_past():
    splitter = ReasoningSplitter()
    splitter.feed("Reasoning: x\nAnswer: Hold")

    assert splitter.feed(" MODE") == " MODE"


def test_finishing_twice_shows_nothing_more():
    splitter = ReasoningSplitter()
    splitter.feed("Hold MODE [1].")
    splitter.finish()

    assert splitter.finish() == ""
    assert splitter.answer == "Hold MODE [1]."
