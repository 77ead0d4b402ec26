"""Print a new API token for a user, and only the token, on stdout."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from integrations.services import api_token_issue


class Command(BaseCommand):
    help = "Issue an API token for --user; prints only the token (shown once, stored hashed)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="Username the token acts as.")
        parser.add_argument("--name", default="", help="A label, e.g. the client system.")

    def handle(self, *args, user, name, **options):
        try:
            owner = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user named {user!r}.") from exc
        _token, key = api_token_issue(user=owner, name=name)
        self.stdout.write(key)
