from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rich.progress import Progress

from northstar.assets.services import import_assets_csv
from northstar.core.errors import UserInputError


class Command(BaseCommand):
    help = "Import assets from a CSV file in the register's layout: all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user",
            required=True,
            help="Username recorded as the importer (needs the officer role)",
        )
        parser.add_argument("--publisher", default="", help="Who published the file")

    def handle(self, *args, file: Path, user: str, publisher: str, **options):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"No user called {user!r}.")
        if not file.exists():
            raise CommandError(f"No such file: {file}")
        try:
            with Progress(transient=True) as progress, file.open("rb") as stream:
                task = progress.add_task("Checking rows", total=None)
                result = import_assets_csv(
                    stream,
                    file_name=file.name,
                    user=account,
                    publisher=publisher,
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                )
        except UserInputError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{file.name}: {result.created} added, {result.updated} updated, {result.unchanged} unchanged."
            )
        )
