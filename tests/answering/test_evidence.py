import pytest

from answering.evidence import MAX_UNIT_CHARS, select_evidence
from answering.types import Passage
from ingestion.config import EmbedConfig
from ingestion.embed import embed_texts

# A real manual's shape: a setting explained in prose, its command on a line of its own.
SEPARATOR = (
    "Data files are read one record per line. Fields are separated by white space unless told otherwise. "
    "Blank lines separate data blocks. Lines starting with a comment character are ignored. "
    "To read a comma-separated file, tell the program which character separates the fields:\n"
    "set datafile separator comma\n"
    "After that, each comma starts a new column. Quoted fields may contain the separator. "
    "The setting stays until it is reset with unset datafile separator."
)
COLOURS = (
    "The palette maps values to colours. A gradient is defined by listing values and colours. "
    "The number of colours a terminal can show depends on the terminal. Some terminals dither colours. "
    "The palette can be saved with the current settings."
)
QUESTION = "A customer's CSV file shows everything in one column. How do they split the fields on commas?"


def passage(number: int, text: str, score: float = 0.6) -> Passage:
    return Passage(number, (f"chunk-{number}",), 7, "Plotting guide", "plot.pdf", number, number, text, score)


def words(text: str) -> int:
    return len(text.split())


@pytest.fixture(scope="module")
def embed_fn():
    return lambda texts: embed_texts(texts, EmbedConfig())


def test_it_keeps_the_sentence_that_answers_and_the_command_line_with_it(embed_fn):
    given = select_evidence(QUESTION, [passage(1, SEPARATOR), passage(2, COLOURS)], embed_fn, words, 40)

    text = " ".join(kept.text for kept in given)
    assert "To read a comma-separated file, tell the program which character separates the fields:\n" in text
    assert "set datafile separator comma" in text


def test_the_first_passage_gets_the_largest_share_of_the_budget(embed_fn):
    passages = [passage(1, COLOURS), passage(2, SEPARATOR), passage(3, COLOURS.replace("palette", "scheme"))]

    given = {kept.number: words(kept.text) for kept in select_evidence(QUESTION, passages, embed_fn, words, 40)}

    assert given[1] >= max(count for number, count in given.items() if number != 1)


def test_passages_keep_their_numbers_and_pages_and_one_with_nothing_kept_is_left_out(embed_fn):
    long_sentence = "The palette maps each value of the colour box to one of the many colours " * 3
    passages = [passage(1, SEPARATOR), passage(2, SEPARATOR.replace("comma", "tab")), passage(3, long_sentence)]

    given = select_evidence(QUESTION, passages, embed_fn, words, 45)

    assert [(kept.number, kept.page_start) for kept in given] == [(1, 1), (2, 2)]


def test_it_stays_within_the_budget(embed_fn):
    given = select_evidence(QUESTION, [passage(1, COLOURS), passage(2, SEPARATOR)], embed_fn, words, 40)

    assert sum(words(kept.text) for kept in given) <= 40


def test_gaps_between_kept_sentences_are_marked(embed_fn):
    pump = (
        "Connect the hose to the water inlet of the pump. The housing comes in grey. "
        "The housing is made of steel. The housing has four feet. The housing is painted twice. "
        "The label sits on the housing. Hold the red reset button for five seconds to reset the pump."
    )
    question = "How do they connect the hose to the water inlet, and how do they reset the pump?"

    given = select_evidence(question, [passage(1, pump)], embed_fn, words, 30)

    assert given[0].text.startswith("Connect the hose")
    assert "\n…\n" in given[0].text
    assert given[0].text.endswith("to reset the pump.")


def test_passages_that_fit_whole_are_given_unchanged(embed_fn):
    passages = [passage(1, COLOURS), passage(2, SEPARATOR)]

    assert select_evidence(QUESTION, passages, embed_fn, words, 500) == passages


def test_a_budget_of_zero_turns_selection_off():
    passages = [passage(1, COLOURS)]

    assert select_evidence(QUESTION, passages, lambda texts: pytest.fail("embedded"), words, 0) == passages


def test_a_run_of_code_lines_is_cut_at_line_ends_never_inside_a_line(embed_fn):
    lines = [f"option_{number} = value_{number}  # sets the {number}th limit of the queue" for number in range(30)]
    table = "Options of the queue:\n" + "\n".join(lines)
    assert len(table) > MAX_UNIT_CHARS

    given = select_evidence("Which option sets the 7th limit of the queue?", [passage(1, table)], embed_fn, words, 80)

    kept_lines = [line for line in given[0].text.split("\n") if line != "…"]
    assert kept_lines and all(line in table.split("\n") for line in kept_lines)
    assert any("option_7 " in line for line in kept_lines)


def test_the_model_search_terms_help_find_the_line_the_question_words_miss(embed_fn):
    commands = (
        "The tool keeps its state in a journal. Many commands read the journal. "
        "Use journalctl --vacuum-size=500M to shrink it.\n"
        "Old entries are removed first. Logs can be forwarded to a remote server. Forwarding needs a network."
    )
    question = "The disk fills up with logs. How do they make them smaller?"

    given = select_evidence(question, [passage(1, commands)], embed_fn, words, 14, search_terms="vacuum-size")

    assert "--vacuum-size=500M" in given[0].text


def test_a_sentence_broken_by_a_page_break_is_kept_whole(embed_fn):
    broken = (
        "The system-wide file is read first. The program then looks in\n\nthe user's home directory for a file "
        "called .plotrc on Unix-like systems. Colours can be changed later. Fonts depend on the terminal."
    )

    given = select_evidence("Which file in the home directory does it read?", [passage(1, broken)], embed_fn, words, 22)

    assert "The program then looks in\n\nthe user's home directory for a file called .plotrc" in given[0].text
