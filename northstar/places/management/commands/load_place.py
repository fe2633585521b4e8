from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from northstar.core.errors import UserInputError
from northstar.places.services import DEFAULT_PLACE_FILE, load_place


class Command(BaseCommand):
    help = "Load a place (a city region and its local authorities) from a JSON definition file."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_PLACE_FILE), type=Path)
        parser.add_argument(
            "--data-dir", type=Path, help="Folder of boundary files (default: NORTHSTAR_DATA_DIR)"
        )

    def handle(self, *args, file, data_dir, **options):
        try:
            result = load_place(file, data_dir)
        except UserInputError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{result.place.name}: {result.members} member areas. {result.boundary_message}"
        )
