"""Saved few-shot examples follow the sentinel change, so they keep teaching the reply the app recognises."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("documents", "0005_collection_few_shot_examples_collection_prompt_style")
AFTER = ("documents", "0006_few_shot_examples_unanswerable")
SOURCES = [{"title": "Drill D9 manual", "page": 4, "text": "Wear safety glasses while drilling."}]
ANSWERED = {"sources": SOURCES, "question": "What should I wear?", "answer": "Safety glasses [1]."}
DECLINED = {"sources": SOURCES, "question": "Can it cut concrete?", "answer": "NO_ANSWER"}


def migrate_to(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


@pytest.fixture
def latest_schema_after():
    """Leave the database at the latest migrations, as every other test expects it."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_schema_after")
def test_saved_declines_move_to_the_new_sentinel_and_back():
    old_apps = migrate_to(BEFORE)
    collection = old_apps.get_model("documents", "Collection").objects.create(
        name="Drills", few_shot_examples=[ANSWERED, DECLINED]
    )
    untouched = old_apps.get_model("documents", "Collection").objects.create(name="Pumps")

    new_apps = migrate_to(AFTER)
    migrated = new_apps.get_model("documents", "Collection").objects.get(pk=collection.pk)
    assert [example["answer"] for example in migrated.few_shot_examples] == ["Safety glasses [1].", "UNANSWERABLE"]
    assert new_apps.get_model("documents", "Collection").objects.get(pk=untouched.pk).few_shot_examples == []

    reverted = migrate_to(BEFORE).get_model("documents", "Collection").objects.get(pk=collection.pk)
    assert reverted.few_shot_examples == [ANSWERED, DECLINED]
