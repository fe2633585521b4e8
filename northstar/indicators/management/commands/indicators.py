"""`northstar indicators load` (default indicators), `northstar indicators derive [CODE…]`
(recompute derived observations from the imported statistics), `northstar indicators status
[--place CODE]`."""

from django.core.management.base import BaseCommand, CommandError

from northstar.core.errors import UserInputError
from northstar.indicators import services


class Command(BaseCommand):
    help = "Load, derive and report the North Star indicators."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["load", "derive", "status"])
        parser.add_argument("codes", nargs="*", help="Indicator codes (derive): all by default")
        parser.add_argument(
            "--place", default="", help="Place code (status); default place by default"
        )

    def handle(self, *args, action, codes, place, **options):
        try:
            if action == "load":
                for line in services.load_default_indicators():
                    self.stdout.write(line)
            elif action == "derive":
                results = (
                    [services.derive_observations(services.get_indicator(c)) for c in codes]
                    if codes
                    else services.derive_all()
                )
                for result in results:
                    self.stdout.write(str(result))
            else:
                where = services.place_by_code(place or None)
                if where is None:
                    raise CommandError(f"No such place {place!r}")
                for s in services.dashboard(where):
                    self.stdout.write(
                        f"{s.indicator.code}: {s.status_label}. {s.assessment.reason}"
                    )
        except UserInputError as exc:
            raise CommandError(str(exc)) from exc
