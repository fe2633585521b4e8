import getpass
import os

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from northstar.accounts.roles import Role
from northstar.accounts.services import create_user


class Command(BaseCommand):
    help = (
        "Create an account with a role (default: the first administrator). The password is asked for, "
        "or read from NORTHSTAR_NEW_PASSWORD for scripted set-ups."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--role", choices=Role.values, default=Role.ADMIN)

    def handle(self, *args, username, email, role, **options):
        User = get_user_model()
        try:
            User._meta.get_field(User.USERNAME_FIELD).run_validators(username)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if User.objects.filter(username=username).exists():
            raise CommandError(f"There is already an account called {username!r}.")
        password = os.environ.get("NORTHSTAR_NEW_PASSWORD")
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        try:
            password_validation.validate_password(password, User(username=username, email=email))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        create_user(username, password, role=role, email=email)
        self.stdout.write(
            self.style.SUCCESS(f"Created {username} with the role {Role(role).label}.")
        )
