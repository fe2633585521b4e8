from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from northstar.accounts.services import end_sessions


class Command(BaseCommand):
    help = (
        "Sign accounts out everywhere: end the sessions of the named accounts, or with --all of "
        "every account. They can sign in again (disable an account in the admin to stop that)."
    )

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="*")
        parser.add_argument("--all", dest="everyone", action="store_true", help="end every session")

    def handle(self, *args, usernames, everyone, **options):
        if everyone == bool(usernames):
            raise CommandError("Name one or more accounts, or give --all (not both).")
        if everyone:
            self.stdout.write(f"Ended {end_sessions()} sessions.")
            return
        User = get_user_model()
        for username in usernames:
            try:
                user = User.objects.get(username=username)
            except User.DoesNotExist:
                raise CommandError(f"There is no account called {username!r}.") from None
            self.stdout.write(f"Ended {end_sessions(user)} sessions of {username}.")
