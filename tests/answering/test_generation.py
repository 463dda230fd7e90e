"""The Generation wrapper over any server's stream: stop reasons and the loop cut, with scripted events."""

import pytest

from answering.llm import Generation, LLMUnavailable, StopReason


def _events(*pieces, finish="stop"):
    for piece in pieces[:-1]:
        yield piece, ""
    yield pieces[-1], finish


def test_it_yields_the_pieces_and_keeps_the_whole_text():
    generation = Generation(_events("Hold ", "MODE ", "[1]."))

    assert list(generation) == ["Hold ", "MODE ", "[1]."]
    assert generation.text == "Hold MODE [1]."
    assert generation.stop_reason == StopReason.FINISHED


def test_max_tokens_reads_as_length():
    generation = Generation(_events("Hold ", "MODE", finish="length"))
    list(generation)

    assert generation.stop_reason == StopReason.LENGTH


def test_a_looping_answer_ends_early_with_one_copy_kept():
    line = "plot 'file' using 1:2 every 9 with lines\n"
    endless = ((line, "") for _ in range(1000))
    generation = Generation(endless)

    pieces = list(generation)

    assert generation.stop_reason == StopReason.REPETITION
    assert generation.text == line
    assert len(pieces) < 10


def test_closing_the_stream_reads_as_stopped():
    generation = Generation(_events("a ", "b ", "c"))
    stream = iter(generation)
    next(stream)
    stream.close()

    assert generation.stop_reason == StopReason.STOPPED


def test_a_server_failure_reads_as_error_and_reaches_the_caller():
    def failing():
        yield "Hold ", ""
        raise LLMUnavailable("gone")

    generation = Generation(failing())

    with pytest.raises(LLMUnavailable):
        list(generation)
    assert generation.stop_reason == StopReason.ERROR
    assert generation.text == "Hold "
