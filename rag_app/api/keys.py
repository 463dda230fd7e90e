"""Create, check and revoke API keys.

A key is 32 random bytes, so a plain SHA-256 digest is enough to store it: there is nothing
to guess, and a slow password hash would cost every API request.
"""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from rag_app.api.models import ApiKey

KEY_PREFIX = "mnl_"
SHOWN_CHARS = 12
# last_used_at is written at most this often, not on every request.
_TOUCH_EVERY = timedelta(minutes=1)


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(user, name: str) -> tuple[ApiKey, str]:
    """Return the new key's row and the key itself, which is shown once and never stored."""
    name = name.strip()
    if not name:
        raise ValueError("Name the key after what will use it, e.g. “ticket system”.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey.objects.create(user=user, name=name[:100], prefix=key[:SHOWN_CHARS], digest=digest_of(key))
    return row, key


def user_for_key(key: str):
    """Return the active user a key belongs to, or None for an unknown, revoked or inactive one."""
    if not key.startswith(KEY_PREFIX):
        return None
    row = ApiKey.objects.select_related("user").filter(digest=digest_of(key), revoked_at__isnull=True).first()
    if row is None or not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > _TOUCH_EVERY:
        ApiKey.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def revoke_key(row: ApiKey) -> None:
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
