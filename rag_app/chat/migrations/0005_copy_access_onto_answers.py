"""Copy each existing answer's collections' readers onto it (AnswerAccess)."""

from django.db import migrations


def copy_access(apps, schema_editor):
    Answer = apps.get_model("chat", "Answer")
    AnswerAccess = apps.get_model("chat", "AnswerAccess")
    for answer in Answer.objects.prefetch_related("collections__allowed_groups").iterator(chunk_size=500):
        for collection in answer.collections.all():
            groups = list(collection.allowed_groups.all())
            access = AnswerAccess.objects.create(
                answer=answer, collection=collection, collection_name=collection.name, restricted=bool(groups)
            )
            access.groups.set(groups)


class Migration(migrations.Migration):
    dependencies = [("chat", "0004_answer_line_and_access")]

    operations = [migrations.RunPython(copy_access, migrations.RunPython.noop)]
