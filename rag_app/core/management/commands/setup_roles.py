"""Create the admin, staff and auditor groups with their permissions."""

from django.core.management.base import BaseCommand

from rag_app.core.roles import ensure_roles


class Command(BaseCommand):
    help = "Create or refresh the role groups (admin, staff, auditor)."

    def handle(self, *args, **options):
        for name, group in ensure_roles().items():
            self.stdout.write(f"{name}: {group.permissions.count()} permissions")
