from answering.search_terms import parse_terms


def test_it_keeps_distinct_terms_without_list_marks_or_quotes():
    reply = '1. `drbdadm adjust`, resync-rate, "c-plan-ahead"\n- drbdadm Adjust\n* verify-alg.'

    assert parse_terms(reply) == ["drbdadm adjust", "resync-rate", "c-plan-ahead", "verify-alg"]


def test_it_drops_sentences_and_stops_at_eight_terms():
    reply = ", ".join(f"term{n}" for n in range(12)) + ", this is a long explanation that is not a term at all"

    assert parse_terms(reply) == [f"term{n}" for n in range(8)]


def test_an_empty_reply_gives_no_terms():
    assert parse_terms(" \n, ,") == []
