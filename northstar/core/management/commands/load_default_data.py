from django.core.management.base import BaseCommand, CommandError

from northstar.core.errors import UserInputError
from northstar.core.services import load_default_data


class Command(BaseCommand):
    help = (
        "Load the default place (Liverpool City Region), its boundaries, themes and asset register."
    )

    def handle(self, *args, **options):
        try:
            for line in load_default_data():
                self.stdout.write(line)
        except UserInputError as exc:
            raise CommandError(str(exc)) from exc
