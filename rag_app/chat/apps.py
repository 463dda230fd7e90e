from django.apps import AppConfig
from django.db.models.signals import m2m_changed


class ChatConfig(AppConfig):
    name = "rag_app.chat"
    label = "chat"
    verbose_name = "Chat"

    def ready(self):
        from rag_app.documents.models import Collection

        m2m_changed.connect(
            _collection_groups_changed, sender=Collection.allowed_groups.through, dispatch_uid="answer-access"
        )


def _collection_groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Keep answers' copies of a collection's readers in step when its groups change (either side)."""
    from rag_app.chat.access import refresh_access
    from rag_app.documents.models import Collection

    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        refresh_access(instance)
        return
    # From a group's side: pk_set names the collections (None after a clear: refresh them all).
    collections = Collection.objects.filter(pk__in=pk_set) if pk_set is not None else Collection.objects.all()
    for collection in collections:
        refresh_access(collection)
