import math
import re
import zlib

import pytest

from answering.citations import ATTACH_THRESHOLD, clean_markers, resolve_citations, split_sentences
from answering.types import Passage
from ingestion.config import EmbedConfig
from ingestion.embed import embed_texts

RESET = (
    "To reset the pump controller, hold the MODE button for ten seconds until the status light blinks green. "
    "The controller then restarts with factory settings. Do not unplug the pump during the reset."
)
FILTER = (
    "Replace the intake filter every six months. Turn off the power before opening the filter housing. "
    "Rinse the filter cartridge with clean water; never use detergent."
)
ROUTER = (
    "The router supports DHCP and static addressing. To enable SNMP, open Settings > Network > Monitoring "
    "and switch on SNMP v2c. The default community string is public."
)
BATTERY = (
    "Charge the battery fully before first use; a full charge takes about three hours. "
    "The battery indicator turns solid blue when charging is complete."
)
INLET = (
    "If the display shows error E04, the water inlet is blocked. "
    "Check that the inlet hose is not kinked and clean the inlet strainer."
)
PRINTER = (
    "The X200 printer accepts paper from 60 to 120 g/m2. Load envelopes in the rear tray with the flap facing down. "
    "Print speed drops to 8 pages per minute for heavy paper."
)
DESCALING = (
    "Descale the coffee machine every 200 cups or when the descale light comes on. "
    "Use only the supplied descaling solution, diluted with one litre of water."
)
MANUALS = [RESET, FILTER, ROUTER, BATTERY, INLET, PRINTER, DESCALING]

# Answer sentences, as a small model writes them, that one of the manuals above supports.
PARAPHRASES = [
    "Hold the MODE button for ten seconds until the light blinks green.",
    "The intake filter should be replaced every six months.",
    "Switch off the power before you open the filter housing.",
    "Go to Settings > Network > Monitoring and turn on SNMP v2c.",
    "The default SNMP community string is public.",
    "A full charge takes about three hours.",
    "Error E04 means the water inlet is blocked.",
    "Clean the filter cartridge with clean water and do not use detergent.",
    "The battery light turns solid blue when charging is done.",
    "Make sure the inlet hose is not kinked.",
    "The controller restarts with its factory settings.",
    "Envelopes go in the rear tray, flap down.",
    "The X200 takes paper between 60 and 120 g/m2.",
    "You should descale the machine every 200 cups.",
    "Only use the descaling solution that came with the machine.",
    "Do not unplug the pump while it is resetting.",
]
# Claims on the same subjects that the manuals do not make: what a small model invents.
SAME_SUBJECT_CLAIMS = [
    "Press the power button to turn on the pump.",
    "Vinegar works well for descaling.",
    "The router is connected to the Internet.",
    "Yes, the router supports MQTT.",
    "Error E07 indicates a faulty heating element.",
    "Charging overnight damages the battery.",
    "The printer supports double-sided printing.",
    "The filter housing is made of plastic.",
    "Contact customer support if the problem persists.",
]
UNRELATED = [
    "Paris is the capital of France.",
    "The warranty period is one year from the date of purchase.",
    "Yes.",
]


def passage(number, text, title="Manual"):
    return Passage(number, (f"chunk-{number}",), number, title, f"manual-{number}.pdf", 1, 1, text, 0.6)


@pytest.fixture(scope="module")
def embed_fn():
    return lambda texts: embed_texts(texts, EmbedConfig())


@pytest.fixture(scope="module")
def manuals():
    return [passage(number, text) for number, text in enumerate(MANUALS, start=1)]


def fake_embed(texts):
    """Embed by hashed word counts: shared words make texts similar, deterministically."""
    vectors = []
    for text in texts:
        vector = [0.0] * 64
        for word in re.findall(r"[a-z0-9]+", text.lower()):
            vector[zlib.crc32(word.encode()) % 64] += 1.0
        norm = math.sqrt(sum(value * value for value in vector)) or 1.0
        vectors.append([value / norm for value in vector])
    return vectors


class CountingEmbedder:
    def __init__(self):
        self.calls = []

    def __call__(self, texts):
        self.calls.append(list(texts))
        return fake_embed(texts)


def test_it_splits_sentences_at_full_stops():
    assert split_sentences("Open the lid. Remove the filter! Is it clean?") == [
        "Open the lid.",
        "Remove the filter!",
        "Is it clean?",
    ]


def test_it_keeps_a_marker_written_after_the_full_stop_with_its_sentence():
    assert split_sentences("Open the lid. [1] Remove the filter.[2] Rinse it [3].") == [
        "Open the lid. [1]",
        "Remove the filter.[2]",
        "Rinse it [3].",
    ]


def test_it_does_not_split_after_abbreviations_or_inside_numbers():
    text = "See Fig. 3 for firmware v2.1, e.g. the valve. Then close it."

    assert split_sentences(text) == ["See Fig. 3 for firmware v2.1, e.g. the valve.", "Then close it."]


def test_it_splits_paragraphs_and_list_items_without_their_bullets():
    text = "Do this:\n- Open the lid [1]\n- Remove the filter\n\n1. Rinse it.\n2. Refit it."

    assert split_sentences(text) == ["Do this:", "Open the lid [1]", "Remove the filter", "Rinse it.", "Refit it."]


def test_it_joins_lines_wrapped_inside_a_sentence():
    assert split_sentences("Hold the MODE button\nfor ten seconds. Release it.") == [
        "Hold the MODE button\nfor ten seconds.",
        "Release it.",
    ]


def test_it_removes_markers_that_point_to_no_source():
    assert clean_markers("Hold MODE for ten seconds [7].", {1, 2}) == "Hold MODE for ten seconds."


def test_it_keeps_the_valid_numbers_of_a_list_marker():
    assert clean_markers("Hold MODE [1, 9] first.", {1, 2}) == "Hold MODE [1] first."


def test_it_keeps_the_valid_marker_among_adjacent_markers():
    assert clean_markers("Hold MODE [1][9].", {1, 2}) == "Hold MODE [1]."


def test_it_writes_a_range_marker_as_one_marker_per_source():
    assert clean_markers("Hold MODE [1-2].", {1, 2}) == "Hold MODE [1][2]."


def test_it_keeps_only_the_valid_part_of_a_range():
    assert clean_markers("Hold MODE [2\u20139].", {1, 2, 3}) == "Hold MODE [2][3]."


def test_it_keeps_words_apart_when_removing_a_marker_between_them():
    assert clean_markers("Hold MODE [7] for ten seconds.", {1}) == "Hold MODE for ten seconds."


def test_it_removes_a_marker_that_opens_a_line_with_its_space():
    assert clean_markers("[7] Hold MODE.\n[8] Wait.", {1}) == "Hold MODE.\nWait."


def test_it_leaves_valid_markers_as_written():
    answer = "Hold MODE [1]. Wait [2]."

    assert clean_markers(answer, {1, 2}) == answer


def test_it_cites_each_sentence_and_number_the_model_wrote():
    passages = [passage(1, RESET), passage(2, FILTER)]
    answer = "Hold MODE for ten seconds [1]. Replace the intake filter every six months [2][1]."

    text, citations = resolve_citations(answer, passages, fake_embed)

    assert text == answer
    assert [(c.n, c.claim, c.attached) for c in citations] == [
        (1, "Hold MODE for ten seconds.", False),
        (2, "Replace the intake filter every six months.", False),
        (1, "Replace the intake filter every six months.", False),
    ]


def test_it_gives_one_citation_per_sentence_and_number():
    _, citations = resolve_citations("Hold MODE [1] for ten seconds [1].", [passage(1, RESET)], fake_embed)

    assert len(citations) == 1


def test_it_highlights_the_passage_sentence_that_best_supports_a_given_marker():
    _, citations = resolve_citations("Do not unplug the pump during the reset [1].", [passage(1, RESET)], fake_embed)

    assert citations[0].support == "Do not unplug the pump during the reset."


def test_a_marker_alone_on_its_line_cites_the_sentence_before_it():
    _, citations = resolve_citations("Rinse the filter cartridge.\n\n[2]", [passage(2, FILTER)], fake_embed)

    assert [(c.n, c.claim) for c in citations] == [(2, "Rinse the filter cartridge.")]


def test_it_drops_citations_of_sources_that_were_not_given():
    text, citations = resolve_citations("Hold MODE [1]. Rinse it [5].", [passage(1, RESET)], fake_embed)

    assert text == "Hold MODE [1]. Rinse it."
    assert [c.n for c in citations] == [1]


def test_brackets_inside_backticks_are_code_not_citations():
    answer = "Give the options as `[2,2]` for a grid [1]."

    text, citations = resolve_citations(answer, [passage(1, RESET), passage(2, FILTER)], fake_embed)

    assert text == answer
    assert [(c.n, c.claim) for c in citations] == [(1, "Give the options as `[2,2]` for a grid.")]


def test_it_does_not_attach_markers_when_the_model_cited_a_source(manuals, embed_fn):
    answer = "Hold the MODE button for ten seconds [1]. Replace the intake filter every six months."

    text, citations = resolve_citations(answer, manuals, embed_fn)

    assert text == answer
    assert [c.n for c in citations] == [1]


def test_it_embeds_all_texts_in_one_call():
    embedder = CountingEmbedder()

    resolve_citations("Hold MODE. Rinse the filter.", [passage(1, RESET), passage(2, FILTER)], embedder)

    assert len(embedder.calls) == 1


def test_it_does_not_embed_when_there_are_no_passages():
    embedder = CountingEmbedder()

    text, citations = resolve_citations("Hold MODE [1].", [], embedder)

    assert (text, citations, embedder.calls) == ("Hold MODE.", [], [])


@pytest.mark.slow
def test_it_attaches_a_marker_before_the_final_full_stop_of_a_supported_sentence(manuals, embed_fn):
    text, _ = resolve_citations("The intake filter should be replaced every six months.", manuals, embed_fn)

    assert text == "The intake filter should be replaced every six months [2]."


@pytest.mark.slow
def test_it_attaches_a_marker_at_the_end_of_a_sentence_without_a_full_stop(manuals, embed_fn):
    text, _ = resolve_citations("- Make sure the inlet hose is not kinked", manuals, embed_fn)

    assert text == "- Make sure the inlet hose is not kinked [5]"


@pytest.mark.slow
def test_an_attached_citation_records_the_claim_and_the_sentence_that_supports_it(manuals, embed_fn):
    _, citations = resolve_citations("A full charge takes about three hours.", manuals, embed_fn)

    (citation,) = citations
    assert (citation.n, citation.attached, citation.claim) == (4, True, "A full charge takes about three hours.")
    assert citation.support == "Charge the battery fully before first use; a full charge takes about three hours."
    assert citation.score >= ATTACH_THRESHOLD


@pytest.mark.slow
def test_it_attaches_only_to_the_supported_sentences_of_an_answer(manuals, embed_fn):
    answer = "Hold the MODE button for ten seconds until the light blinks green. Vinegar works well for descaling."

    text, citations = resolve_citations(answer, manuals, embed_fn)

    assert text == (
        "Hold the MODE button for ten seconds until the light blinks green [1]. Vinegar works well for descaling."
    )
    assert [c.claim for c in citations] == ["Hold the MODE button for ten seconds until the light blinks green."]


@pytest.mark.slow
def test_it_replaces_invalid_markers_with_attached_ones(manuals, embed_fn):
    text, citations = resolve_citations("Error E04 means the water inlet is blocked [9].", manuals, embed_fn)

    assert text == "Error E04 means the water inlet is blocked [5]."
    assert [(c.n, c.attached) for c in citations] == [(5, True)]


@pytest.mark.slow
@pytest.mark.parametrize("claim", PARAPHRASES)
def test_the_default_threshold_attaches_paraphrases_with_margin(manuals, embed_fn, claim):
    _, citations = resolve_citations(claim, manuals, embed_fn, attach_threshold=ATTACH_THRESHOLD + 0.05)

    assert len(citations) == 1


@pytest.mark.slow
@pytest.mark.parametrize("claim", SAME_SUBJECT_CLAIMS)
def test_it_leaves_claims_the_manuals_do_not_make_uncited(manuals, embed_fn, claim):
    assert resolve_citations(claim, manuals, embed_fn) == (claim, [])


@pytest.mark.slow
@pytest.mark.parametrize("claim", UNRELATED)
def test_unrelated_sentences_score_far_below_the_default_threshold(manuals, embed_fn, claim):
    # Citing every source makes each citation report the claim's best score within that source.
    markers = "".join(f"[{p.number}]" for p in manuals)

    _, citations = resolve_citations(f"{claim} {markers}", manuals, embed_fn)

    assert max(c.score for c in citations) <= ATTACH_THRESHOLD - 0.3


OVERVIEW = "Dual-primary mode lets both nodes of a cluster be primary at once, for cluster file systems."
CONFIGURING = "To enable dual-primary mode, set allow-two-primaries to yes in the net section of the resource."
STARTUP = "When gnuplot starts, GNUTERM, if defined, names the terminal it opens."


@pytest.mark.slow
def test_a_loosely_worded_sentence_is_cited_to_the_passage_holding_the_option_it_quotes(embed_fn):
    sources = [passage(1, OVERVIEW), passage(2, CONFIGURING)]
    answer = "Your team should put `allow-two-primaries` in the configuration, then the file system works."

    text, citations = resolve_citations(answer, sources, embed_fn)

    assert text.endswith("then the file system works [2].")
    assert [(c.n, c.attached) for c in citations] == [(2, True)]
    assert citations[0].support == CONFIGURING


@pytest.mark.slow
def test_a_name_written_without_backticks_counts_and_the_best_ranked_holder_is_cited(embed_fn):
    sources = [passage(1, OVERVIEW), passage(2, STARTUP), passage(3, f"{STARTUP} It is read once.")]

    text, _ = resolve_citations("Yes: the customer sets GNUTERM to their favourite device.", sources, embed_fn)

    assert text == "Yes: the customer sets GNUTERM to their favourite device [2]."


@pytest.mark.slow
def test_a_quoted_name_no_passage_holds_attaches_nothing(embed_fn):
    sources = [passage(1, OVERVIEW), passage(2, CONFIGURING)]
    answer = "They should run `drbd-dualctl --enable` on both nodes and reboot them."

    assert resolve_citations(answer, sources, embed_fn) == (answer, [])
