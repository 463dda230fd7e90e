import pytest

from answering.grounding import (
    distinctive_terms,
    invented_literals,
    invented_paths,
    is_decline,
    missing_terms,
    unsupported_names,
)


def corpus_lookup(text):
    """Return a term_in_corpus that matches case-insensitively in ``text``, as the caller should."""
    return lambda term: term in text.lower()


# For the checks that also look through the excerpts' manuals: a manual that holds nothing more.
NOWHERE_ELSE = corpus_lookup("")


def test_it_finds_model_codes_with_digits():
    assert distinctive_terms("Does the X200 run firmware v2.1 like the P-400?") == ["x200", "v2.1", "p-400"]


def test_it_finds_acronyms():
    assert distinctive_terms("Can I monitor it over SNMP or MQTT?") == ["snmp", "mqtt"]


def test_it_finds_the_singular_of_a_plural_acronym():
    assert distinctive_terms("Which APIs are there?") == ["api"]


def test_it_finds_camel_case_names():
    assert distinctive_terms("Does the PowerMax work with an iPhone?") == ["powermax", "iphone"]


def test_it_finds_identifiers_and_file_names():
    assert distinctive_terms("Where do I set max_retries in config.yaml?") == ["max_retries", "config.yaml"]


def test_it_finds_a_file_extension_without_its_dot():
    assert distinctive_terms("Can I export the log as .csv?") == ["csv"]


def test_it_finds_capitalised_names_inside_a_sentence():
    assert distinctive_terms("How do I pair the Zephyr with Alexa?") == ["zephyr", "alexa"]


def test_quoted_text_is_no_term_and_its_capitals_name_nothing():
    assert distinctive_terms("The display says \"Filter Alarm\" and 'Eco' blinks.") == []


def test_a_quoted_error_message_is_judged_word_by_word():
    question = 'kinit says "Cannot contact any KDC for realm" on the PowerMax host. What now?'

    assert distinctive_terms(question) == ["kdc", "powermax"]


def test_it_finds_nothing_in_a_question_of_common_words():
    assert distinctive_terms("How do I reset the pump to factory settings?") == []


def test_it_ignores_the_capitalised_first_word_of_each_sentence():
    assert distinctive_terms("Pumps leak. Filters clog? Which one fails first?") == []


def test_it_ignores_capitalised_common_words():
    assert distinctive_terms("Where is the Power button in the Settings menu on Monday?") == []


def test_it_ignores_hyphenated_common_words_but_not_compounds_capitalised_in_every_part():
    assert distinctive_terms("Is the built-in Wi-Fi module always on?") == ["wi-fi"]
    assert distinctive_terms("Fast-oscillating curves look jagged in a two-by-two layout.") == []
    assert distinctive_terms("How Do I Set Up Wi-Fi On The Built-In Module?") == []


def test_wi_fi_counts_as_found_when_the_manual_words_it_otherwise():
    for corpus in ("join a wireless network", "the wlan menu", "wifi settings", "wi-fi setup"):
        assert missing_terms("How do I set up Wi-Fi?", lambda term, corpus=corpus: term in corpus) == [], corpus
    assert missing_terms("How do I set up Wi-Fi?", lambda term: term in "ethernet only") == ["wi-fi"]


def test_it_ignores_numbers_and_measurements():
    assert distinctive_terms("Is 230V at 60Hz fine for the 3rd pump, 10mm hose, 120 g/m2 paper and 4K video?") == []


def test_it_ignores_everyday_acronyms():
    assert distinctive_terms("Is the PDF manual about the USB port and the LEDs OK?") == []


def test_it_ignores_dotted_abbreviations():
    assert distinctive_terms("Can I clean it with soap, e.g. dish soap, i.e. mild soap?") == []


def test_it_ignores_capitals_in_a_shouted_question():
    assert distinctive_terms("HOW DO I RESET THE PUMP CONTROLLER") == []


def test_it_ignores_capitals_in_a_title_case_question():
    assert distinctive_terms("How Do I Reset The Pump Controller") == []


def test_it_finds_names_in_a_question_that_names_several_things():
    assert distinctive_terms("Does Zephyr work with Alexa Echo?") == ["zephyr", "alexa", "echo"]


def test_it_returns_each_term_once_in_lower_case():
    assert distinctive_terms("Is the X200 the same as the x200 or an older X200?") == ["x200"]


def test_it_reports_distinctive_terms_the_corpus_lacks():
    lookup = corpus_lookup("The X200 supports DHCP and SNMP v2c.")

    assert missing_terms("Does the X200 support MQTT and SNMP?", lookup) == ["mqtt"]


@pytest.mark.parametrize("written", ["P-400", "P400", "P 400"])
def test_it_finds_a_code_however_the_corpus_separates_letters_and_digits(written):
    lookup = corpus_lookup(f"The {written} pump runs at two bar.")

    assert missing_terms("How fast does the P-400 run?", lookup) == []
    assert missing_terms("How fast does the P400 run?", lookup) == []


def test_it_does_not_search_the_corpus_for_a_question_of_common_words():
    searched = []

    missing_terms("How do I clean the filter?", lambda term: searched.append(term) or False)

    assert searched == []


@pytest.mark.parametrize(
    "answer",
    [
        "UNANSWERABLE",
        "  UNANSWERABLE\n",
        "UNANSWERABLE.",
        "**UNANSWERABLE**",
        "_UNANSWERABLE_",
        "`UNANSWERABLE`",
        "Unanswerable",
        "UNANSWERABLE [2]",
        "NO_ANSWER",
        "**NO_ANSWER**",
        "No answer",
    ],
)
def test_the_sentinel_or_the_legacy_one_is_a_decline(answer):
    assert is_decline(answer)


def test_the_sentinel_on_the_first_line_is_a_decline():
    assert is_decline("UNANSWERABLE\nThe sources describe the pump, not the router.")


def test_an_empty_answer_is_a_decline():
    assert is_decline("  \n")


@pytest.mark.parametrize(
    "answer",
    [
        "The sources do not contain information about MQTT.",
        "The provided sources don't mention a warranty period.",
        "I don\u2019t know.",
        "This is not mentioned in the provided sources.",
        "There is no information about the warranty in the sources. Please contact the manufacturer.",
        "I cannot answer this from the sources.",
    ],
)
def test_a_plain_refusal_is_a_decline(answer):
    assert is_decline(answer)


@pytest.mark.parametrize(
    "answer",
    [
        "Hold the MODE button for ten seconds [1].",
        "If you don't know the PIN, reset the device [1].",
        "There is no need to unplug the pump during a reset [1].",
        "No. The pump must not run dry [2].",
    ],
)
def test_an_answer_is_not_a_decline(answer):
    assert not is_decline(answer)


def test_a_refusal_that_answers_anyway_is_not_a_decline():
    assert not is_decline("The sources do not give the torque, but hand-tighten the cap [2].")


def test_a_refusal_followed_by_general_knowledge_is_not_a_decline():
    assert not is_decline("The sources do not cover this. General knowledge: most routers reset with a pin.")


def test_a_refusal_phrase_later_in_the_answer_is_not_a_decline():
    assert not is_decline("Hold MODE for ten seconds [1]. The sources do not mention a reset for the router.")


def test_a_long_answer_that_opens_with_a_refusal_is_not_a_decline():
    answer = "The sources do not mention MQTT. " + "The router reports its status over SNMP v2c every minute [3]. " * 5

    assert not is_decline(answer)


def test_a_quoted_command_no_excerpt_contains_is_invented():
    answer = "Run `epsonreset --waste-pads` as root [1]."
    excerpts = ["escputil can clean and align the print heads.", "Reset the printer from its panel."]

    assert invented_literals(answer, excerpts, NOWHERE_ELSE) == ["epsonreset", "waste-pads"]


def test_quoted_words_from_the_excerpts_or_the_question_are_not_invented():
    answer = "Configure with `./configure --enable-user-install`, then run `set fit limit` on `MyHost` [2]."
    grounds = ["./configure --Enable-User-Install puts it in your home.", "set fit limit 1e-5", "Is MyHost fine?"]

    assert invented_literals(answer, grounds, NOWHERE_ELSE) == []


def test_a_quoted_command_the_manual_gives_on_another_page_is_not_invented():
    answer = "Raise the number with `set samples 500`."
    excerpts = ["gnuplot draws a function with straight lines between the points it evaluates."]
    manual = corpus_lookup("set samples <samples_1> {,<samples_2>} ... The default is 100 points.")

    assert invented_literals(answer, excerpts, NOWHERE_ELSE) == ["samples"]
    assert invented_literals(answer, excerpts, manual) == []


def test_short_or_unquoted_words_are_not_judged():
    assert invented_literals("Use `-d` or `on`, or type epsonreset.", ["nothing relevant"], NOWHERE_ELSE) == []


def test_an_answer_quoting_a_word_the_excerpts_hold_is_not_withdrawn_for_an_example_value_beside_it():
    answer = "Use `set decimalsign locale \"de_DE\"` [1], or `stats 'data' noplot` [2]."
    excerpts = ["set decimalsign locale uses the locale's separator.", "The stats command prints a summary."]

    assert invented_literals(answer, excerpts, NOWHERE_ELSE) == []


CUPS_EXCERPTS = [
    "Move the epson and canon files to /usr/lib/cups/old-backend.",
    "Set LogLevel debug in /etc/cups/cupsd.conf. Remove any .lpoptions file in your home directory.",
]


def test_a_path_no_excerpt_holds_is_invented_even_beside_grounded_words():
    answer = "Go to `/var/lib/cups/old-backend` and run `sudo rm -f epson*` to reset the counter."

    assert invented_paths(answer, CUPS_EXCERPTS) == ["/var/lib/cups/old-backend"]


def test_paths_the_excerpts_hold_are_not_invented_whatever_surrounds_them():
    answer = "Edit /etc/cups/cupsd.conf. Old back ends go in (`/usr/lib/cups/old-backend/*`) [1]."

    assert invented_paths(answer, CUPS_EXCERPTS) == []


def test_a_home_path_is_held_when_the_excerpts_name_what_follows_the_tilde():
    assert invented_paths("Remove `~/.lpoptions` [2].", CUPS_EXCERPTS) == []
    assert invented_paths("Remove `~/.gimp-2.8/printers.conf` [2].", CUPS_EXCERPTS) == ["~/.gimp-2.8/printers.conf"]


def test_urls_fractions_devices_and_words_joined_by_a_slash_are_not_paths():
    answer = "See https://example.com/docs/cups; 5/2 is 2, I/O and read/write stay on /dev/sdb1 [1]."

    assert invented_paths(answer, ["nothing relevant"]) == []


def test_a_path_the_customer_gave_in_the_question_is_not_invented():
    grounds = [*CUPS_EXCERPTS, "My queue logs to /srv/print/queue.log, where else should I look?"]

    assert invented_paths("Besides /srv/print/queue.log, check /etc/cups/cupsd.conf [2].", grounds) == []


LINUX_MANUAL = "DRBD is a Linux kernel module. Install the drbd-utils package on both nodes."


def named_in(manual: str):
    return lambda term: term in manual.casefold()


def test_an_answer_naming_a_system_its_excerpts_never_name_is_unsupported():
    question = "Can DRBD be installed on Windows Server to mirror a volume?"
    answer = "Yes, DRBD can be installed on Windows Server to mirror a volume [1]."

    assert unsupported_names(question, answer, named_in(LINUX_MANUAL)) == ["windows", "server"]


def test_an_answer_that_leaves_the_unknown_name_out_is_not_judged():
    question = "Can DRBD be installed on Windows Server to mirror a volume?"
    answer = "DRBD is a Linux kernel module; install drbd-utils on both nodes [1]."

    assert unsupported_names(question, answer, named_in(LINUX_MANUAL)) == []


def test_a_name_the_manual_holds_is_supported():
    question = "How do I install DRBD on Linux?"

    assert unsupported_names(question, "Install the drbd-utils package on Linux [1].", named_in(LINUX_MANUAL)) == []


def test_a_term_with_digits_is_a_value_not_a_name():
    question = "With set logscale y, how would the customer get a base-2 y axis?"
    answer = "For a base-2 y axis use `set logscale y 2` [1]."

    assert unsupported_names(question, answer, named_in("<base> is the base of the log scaling")) == []


def test_a_name_inside_a_longer_word_is_not_stated():
    question = "Does the pump work with Windows?"

    assert unsupported_names(question, "Close the windowsill vent first [1].", named_in("Close the vent.")) == []
