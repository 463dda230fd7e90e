"""Create the first admin account of a fresh instance."""

import secrets

from django.contrib.auth import get_user_model


def ensure_first_admin(username: str, password: str = "") -> str | None:
    """Create a superuser when none exists; return the password to show, or None if one existed."""
    users = get_user_model()
    if users.objects.filter(is_superuser=True).exists():
        return None
    password = password or secrets.token_urlsafe(12)
    users.objects.create_superuser(username=username, email="", password=password)
    return password
