from answering.repetition import loop_start


def test_a_line_written_three_times_is_cut_to_one_copy():
    line = "Run rsync --bwlimit=RATE to cap the transfer rate.\n"
    text = "Use the option below.\n" + line * 3

    assert text[: loop_start(text)] == "Use the option below.\n" + line


def test_a_loop_caught_mid_copy_keeps_one_whole_copy_and_the_start_of_the_next():
    line = "set datafile separator comma\n"
    text = line * 4 + "set data"

    cut = loop_start(text)

    assert cut is not None
    assert text[:cut].count("set datafile separator comma") == 1


def test_a_short_word_repeated_many_times_is_a_loop():
    assert loop_start("The answer is " + "the " * 20) is not None


def test_an_option_named_twice_is_not_a_loop():
    text = "Use --compress [1]. With --compress, data is compressed as it is sent [1]."

    assert loop_start(text) is None


def test_ordinary_prose_is_not_a_loop():
    text = "Hold the reset button for twelve seconds. All settings return to the factory defaults [2]."

    assert loop_start(text) is None


def test_whitespace_alone_never_counts_as_a_loop():
    assert loop_start("Done.\n" + " " * 80) is None
