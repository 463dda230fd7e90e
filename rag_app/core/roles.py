"""The three roles as Django groups: admin, staff and auditor, with their permissions."""

from django.contrib.auth.models import Group, Permission

ROLE_PERMISSIONS = {
    # Collections, uploads, deletes, settings; chat and audit too.
    "admin": [
        "documents.add_collection", "documents.change_collection", "documents.delete_collection",
        "documents.view_collection", "documents.add_document", "documents.change_document",
        "documents.delete_document", "documents.view_document", "chat.use_chat", "chat.audit_answer",
    ],
    # Support staff: ask questions.
    "staff": ["chat.use_chat"],
    # Auditors: audit pages, marks, replay and export; no uploads or deletes.
    "auditor": ["chat.audit_answer"],
}  # fmt: skip


def ensure_roles() -> dict[str, Group]:
    """Create or update the role groups so each has exactly its permissions; safe to repeat."""
    groups = {}
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            permissions.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(permissions)
        groups[role] = group
    return groups
