"""Which answers a user may read: those whose every collection they could read, deleted ones included.

An answer carries the passages and the full prompt of the collections it drew on, so its
readers are the readers of all of them. The collections' rules are copied onto the answer
(AnswerAccess) when it is asked and whenever a collection's groups change, so they still
hold after a collection is deleted.
"""

from django.db.models import Exists, OuterRef, QuerySet

from rag_app.chat.models import Answer, AnswerAccess
from rag_app.documents.models import Collection, reads_every_collection


def record_access(answer: Answer, collections: list[Collection]) -> None:
    """Copy each collection's readers onto the answer."""
    for collection in collections:
        groups = list(collection.allowed_groups.all())
        access = AnswerAccess.objects.create(
            answer=answer, collection=collection, collection_name=collection.name, restricted=bool(groups)
        )
        access.groups.set(groups)


def refresh_access(collection: Collection) -> None:
    """Bring the copies on the collection's answers in step with its groups, after they changed."""
    groups = list(collection.allowed_groups.all())
    rows = AnswerAccess.objects.filter(collection=collection)
    rows.update(restricted=bool(groups), collection_name=collection.name)
    through = AnswerAccess.groups.through
    through.objects.filter(answeraccess__in=rows).delete()
    through.objects.bulk_create(
        through(answeraccess_id=row_id, group_id=group.pk)
        for row_id in rows.values_list("pk", flat=True)
        for group in groups
    )


def readable_answers(answers: QuerySet[Answer], user) -> QuerySet[Answer]:
    """Keep the answers the user could read every collection of, as those collections are or were."""
    if reads_every_collection(user):
        return answers
    unreadable = Collection.objects.exclude(pk__in=Collection.objects.readable_by(user).values("pk"))
    locked = AnswerAccess.objects.filter(answer=OuterRef("pk"), restricted=True).exclude(groups__in=user.groups.all())
    return answers.exclude(collections__in=unreadable).exclude(Exists(locked))
