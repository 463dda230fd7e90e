"""Rewrite saved few-shot examples that decline with the old sentinel to today's (see answering.sentinel)."""

from django.db import migrations

OLD, NEW = "NO_ANSWER", "UNANSWERABLE"


def _replace(apps, old: str, new: str) -> None:
    Collection = apps.get_model("documents", "Collection")
    for collection in Collection.objects.all():
        examples = collection.few_shot_examples or []
        if any(example.get("answer") == old for example in examples):
            collection.few_shot_examples = [
                {**example, "answer": new} if example.get("answer") == old else example for example in examples
            ]
            collection.save(update_fields=["few_shot_examples"])


def forwards(apps, schema_editor):
    _replace(apps, OLD, NEW)


def backwards(apps, schema_editor):
    _replace(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("documents", "0005_collection_few_shot_examples_collection_prompt_style")]

    operations = [migrations.RunPython(forwards, backwards)]
