"""Create a user with one of the roles (admin, staff, auditor)."""

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from rag_app.core.roles import ROLE_PERMISSIONS, ensure_roles


class Command(BaseCommand):
    help = "Create a user in a role. The password is asked for, or read from --password-env."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLE_PERMISSIONS))
        parser.add_argument("--email", default="")
        parser.add_argument("--password-env", help="Name of an environment variable holding the password.")

    def handle(self, *args, username, role, email, password_env, **options):
        users = get_user_model()
        if users.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username} exists already.")
        password = os.environ.get(password_env, "") if password_env else getpass.getpass(f"Password for {username}: ")
        user = users(username=username, email=email)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        user.set_password(password)
        user.save()
        user.groups.add(ensure_roles()[role])
        self.stdout.write(self.style.SUCCESS(f"Created {username} as {role}."))
