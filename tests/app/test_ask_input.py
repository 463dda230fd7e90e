"""Malformed ids sent to the ask endpoint get a 400 with a message, never a server error."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    "fields",
    [
        {"collections": "²"},
        {"collections": "99999999999999999999999"},
        {"collections": "-1"},
        {"collections": "1", "conversation": "abc"},
        {"collections": "1", "conversation": "99999999999999999999999"},
    ],
)
def test_a_malformed_id_is_refused_with_a_message(admin_client, collection, fields):
    response = admin_client.post(reverse("rag-chat-ask"), {"question": "How do I reset it?", **fields})

    assert response.status_code == 400
    assert b"must be the number of an existing" in response.content
