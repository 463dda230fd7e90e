"""Follow-up questions are searched with the question before them, and only that one."""

from answering.condense import is_follow_up, standalone_query


def test_a_standalone_question_is_searched_as_it_is():
    assert standalone_query(["How long is the warranty?"], "How do I prime the pump before first use?") == (
        "How do I prime the pump before first use?"
    )


def test_a_follow_up_is_joined_to_the_previous_question():
    assert standalone_query(["How do I reset node one?"], "and on the second node?") == (
        "How do I reset node one? and on the second node?"
    )


def test_the_query_does_not_grow_turn_after_turn():
    history = ["How long is the warranty?", "How long is the warranty? and the receipt?"]
    assert standalone_query(history, "and the motor?") == "How long is the warranty? and the receipt? and the motor?"
    assert standalone_query(["What about it?"], "and that?") == "What about it? and that?"


def test_the_first_question_has_nothing_to_lean_on():
    assert standalone_query([], "and on the second node?") == "and on the second node?"


def test_pronouns_and_connectives_mark_a_follow_up():
    assert is_follow_up("What does it cost to replace?")
    assert is_follow_up("Also, which fuse does the heater use?")
    assert not is_follow_up("Which fuse does the Nordlys heater use for the compressor circuit?")
