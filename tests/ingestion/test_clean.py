from ingestion.clean import clean_text, drop_running_lines


def test_it_joins_a_word_hyphenated_at_a_line_end():
    assert clean_text("Finish the instal-\nlation first.") == "Finish the installation first."


def test_it_joins_hyphenation_despite_spaces_around_the_line_break():
    assert clean_text("the instal- \n  lation") == "the installation"


def test_it_keeps_hyphens_next_to_capitals():
    text = "Connect to Wi-\nFi and take an X-\nray."

    assert clean_text(text) == text


def test_it_keeps_a_hyphen_before_a_paragraph_break():
    assert clean_text("Press the key marked -\n\nthen wait.") == "Press the key marked -\n\nthen wait."


def test_it_normalises_odd_whitespace():
    text = "Press\u00a0the\tblue   button.   \n\u2003Then\u202frelease it.\t"

    assert clean_text(text) == "Press the blue button.\nThen release it."


def test_it_keeps_paragraph_breaks_but_collapses_extra_blank_lines():
    text = "First paragraph.\r\n\r\nSecond paragraph.\n\n\n\n\nThird paragraph."

    assert clean_text(text) == "First paragraph.\n\nSecond paragraph.\n\nThird paragraph."


def test_it_strips_control_and_invisible_characters():
    assert clean_text("Re\x07set the \x1bdevice\u200b now\u00ad.") == "Reset the device now."


BODIES = ["Unpack the pump.", "Prime the pump.", "Start the motor.", "Clean the filter."]


def test_it_drops_a_header_and_footer_repeated_on_most_pages():
    pages = [f"X200 Owner's Manual\n\n{body}\n\nCopyright ACME\n{n}" for n, body in enumerate(BODIES)]

    assert drop_running_lines(pages) == BODIES


def test_it_treats_changing_page_numbers_as_the_same_footer():
    pages = [f"{body}\nPage {n} of 12" for n, body in enumerate(BODIES, start=1)]

    assert drop_running_lines(pages) == BODIES


def test_it_keeps_repeated_lines_away_from_the_page_edges():
    pages = [f"Header\n{body}\nWarning: unplug first.\n{body}\n{body}" for body in BODIES]

    kept = drop_running_lines(pages)

    assert all("Warning: unplug first." in page for page in kept)
    assert not any("Header" in page for page in kept)


def test_it_keeps_lines_repeated_on_fewer_than_half_the_pages():
    pages = ["Note\nOne.", "Note\nTwo.", "Three.", "Four.", "Five."]

    assert drop_running_lines(pages) == pages


def test_it_leaves_documents_under_three_pages_alone():
    pages = ["Manual\nOne.", "Manual\nTwo."]

    assert drop_running_lines(pages) == pages


def test_it_keeps_blank_pages_blank():
    pages = ["Manual\nOne.", "", "Manual\nThree.", "Manual\nFour."]

    assert drop_running_lines(pages) == ["One.", "", "Three.", "Four."]
