"""Create, list and revoke API keys from the command line."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from rag_app.api import keys
from rag_app.api.models import ApiKey


class Command(BaseCommand):
    help = "Manage API keys: create USER --name NAME (prints the key once), list [USER], revoke PREFIX."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a key for a user and print it once.")
        create.add_argument("username")
        create.add_argument("--name", required=True, help="What the key is for.")
        listing = actions.add_parser("list", help="List keys (a user's, or everyone's).")
        listing.add_argument("username", nargs="?")
        revoke = actions.add_parser("revoke", help="Revoke the key that starts with PREFIX.")
        revoke.add_argument("prefix")

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _create(self, username: str, name: str, **options):
        try:
            _row, key = keys.create_key(_user(username), name)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(key)
        self.stderr.write("Store it now: it is not shown again.")

    def _list(self, username: str | None = None, **options):
        rows = ApiKey.objects.select_related("user")
        if username:
            rows = rows.filter(user=_user(username))
        for row in rows:
            state = "active" if row.active else f"revoked {row.revoked_at:%Y-%m-%d}"
            used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never used"
            self.stdout.write(f"{row.prefix}…  {row.user.get_username()}  {row.name}  {state}  {used}")

    def _revoke(self, prefix: str, **options):
        given = prefix.rstrip("…")
        matches = (
            list(ApiKey.objects.filter(prefix=given[: keys.SHOWN_CHARS])) if len(given) >= keys.SHOWN_CHARS else []
        )
        if len(matches) != 1:
            raise CommandError(f"No single key starts with {prefix!r}: give the prefix `apikey list` shows.")
        keys.revoke_key(matches[0])
        self.stdout.write(f"Revoked {matches[0]}.")


def _user(username: str):
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist as error:
        raise CommandError(f"No user named {username!r}.") from error
