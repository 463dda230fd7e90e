import json

import pytest

from answering.few_shot import MAX_EXAMPLES, ExampleError, builtin_examples, example_sources_text, parse_examples

SENTINEL = "UNANSWERABLE"


def example(**changes):
    base = {
        "sources": [{"title": "Pump manual", "page": 3, "text": "Replace the filter every 200 hours."}],
        "question": "How often does the filter need replacing?",
        "answer": "Every 200 operating hours [1].",
    }
    return {**base, **changes}


def parse(examples) -> list[dict]:
    return parse_examples(json.dumps(examples), SENTINEL)


def test_it_accepts_a_cited_example_and_keeps_only_known_fields():
    parsed = parse([{**example(), "note": "ignored"}])

    assert parsed == [example()]


def test_it_accepts_the_sentinel_as_an_answer():
    assert parse([example(answer=SENTINEL)])[0]["answer"] == SENTINEL


def test_it_names_the_line_of_broken_json():
    with pytest.raises(ExampleError, match="line 1"):
        parse_examples("[{", SENTINEL)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (example(answer="[1]"), "in words"),
        (example(answer="Every 200 hours."), "must cite"),
        (example(answer="Every 200 hours [2]."), r"cites \[2\], but the example has 1 sources"),
        (example(question=" "), "'question'"),
        (example(sources=[]), "'sources'"),
        (example(sources=[{"title": "Pump", "page": 0, "text": "x"}]), "'page'"),
        (example(sources=[{"title": "Pump", "page": True, "text": "x"}]), "'page'"),
    ],
)
def test_it_refuses_an_example_saying_what_is_wrong(broken, message):
    with pytest.raises(ExampleError, match=message):
        parse([example(), broken])


def test_the_error_names_the_example_at_fault():
    with pytest.raises(ExampleError, match="Example 2"):
        parse([example(), example(answer="no citation")])


def test_it_refuses_too_many_examples():
    with pytest.raises(ExampleError, match=f"1 to {MAX_EXAMPLES}"):
        parse([example()] * (MAX_EXAMPLES + 1))


def test_it_refuses_examples_too_long_to_read_before_every_question():
    long_source = [{"title": "Pump manual", "page": 3, "text": "word " * 1500}]

    with pytest.raises(ExampleError, match="characters"):
        parse([example(sources=long_source, answer="It says word [1].")])


@pytest.mark.parametrize("general", [False, True])
def test_the_builtin_examples_pass_their_own_checks(general):
    assert parse(builtin_examples(general)) == builtin_examples(general)


def test_example_sources_are_numbered_like_retrieved_passages():
    assert example_sources_text(example()) == "[1] Pump manual, page 3\nReplace the filter every 200 hours."
