"""/health: each service up or down with its latency, 503 when one is down, no login needed."""

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_health_is_up_when_every_service_answers(client, chroma_server, llm_server):
    response = client.get("/health")

    assert response.status_code == 200, response.content
    report = response.json()
    assert report["status"] == "up"
    assert set(report["checks"]) == {"database", "broker", "chroma", "llm"}
    assert all(check["up"] and check["ms"] >= 0 for check in report["checks"].values())
    assert "no-cache" in response["Cache-Control"]


def test_health_names_the_service_that_is_down(client, chroma_server, llm_server, settings):
    settings.CHROMA_URL = "http://127.0.0.1:9"
    response = client.get("/health")

    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "down"
    assert report["checks"]["chroma"] == {
        "up": False,
        "error": "refused the connection",
        "ms": pytest.approx(0, abs=2100),
    }
    assert report["checks"]["database"]["up"] and report["checks"]["llm"]["up"]
