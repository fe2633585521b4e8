"""`northstar economy`: a measure for a place, year by year (or every area ranked), with sources.

    northstar economy --place liverpool-city-region --measure gva_balanced_current_prices_gbp_million
    northstar economy --measure innovate_uk_funding_gbp --per-head --csv > funding.csv
    northstar economy --measure innovate_uk_funding_gbp --per-gva --compare --level itl2 --year 2019
    northstar economy --list

The figures are the same as the /economy/ pages and the API show (one set of services). With
--csv the table goes to standard output as CSV and the filters and sources to standard error.
"""

from __future__ import annotations

import csv

from django.core.management.base import BaseCommand, CommandError

from northstar.core.errors import UserInputError
from northstar.economy import services


class Command(BaseCommand):
    # It only reads: Django's system checks (which import every URL and the API to check them)
    # would be most of its start-up; `northstar check`, migrate and the server run them.
    requires_system_checks = []

    help = "Print a measure for a place by year, or every area ranked, with its sources."

    def add_arguments(self, parser):
        parser.add_argument(
            "--place", default="", help="place slug or code (default: the default place)"
        )
        parser.add_argument("--measure", default=services.GVA, help="measure code (see --list)")
        per = parser.add_mutually_exclusive_group()
        per.add_argument("--per-head", action="store_true", help="per head of population")
        per.add_argument("--per-gva", action="store_true", help="per £1 million of GVA")
        parser.add_argument("--compare", action="store_true", help="rank every area of --level")
        parser.add_argument("--level", default="", help="itl1, itl2 or itl3 (with --compare)")
        parser.add_argument(
            "--year", default="", help="year to rank (with --compare; default latest)"
        )
        parser.add_argument("--csv", action="store_true", help="CSV on standard output")
        parser.add_argument(
            "--list", action="store_true", help="list the measures and whether loaded"
        )

    def handle(
        self, *args, place, measure, per_head, per_gva, compare, level, year, csv, list, **options
    ):
        try:
            if list:
                self._list()
                return
            found = services.find_place(place)
            per = (
                services.Per.HEAD
                if per_head
                else services.Per.GVA
                if per_gva
                else services.Per.NONE
            )
            m = services.metric(measure, per)
            if compare:
                result = services.compare(
                    m, level or services.area_of(found).level, services.parse_year(year), found
                )
                table = result.as_table()
            else:
                table = services.series(found, m).as_table()
        except UserInputError as exc:
            raise CommandError(exc.message) from exc
        if csv:
            self._csv(table)
        else:
            self._text(table)

    def _list(self) -> None:
        loaded = services.loaded_measure_codes()
        for code in services.area_measure_codes():
            info = services.measure_info(code)
            state = "loaded" if code in loaded else "not loaded"
            self.stdout.write(f"{code:45} {state:11} {info.name} ({info.unit})")

    def _provenance(self, table: services.Table) -> list[str]:
        lines = [f"{label}: {value}" for label, value in table.filters]
        lines += [f"Note: {note}" for note in table.notes]
        lines += [f"Source: {source}" for source in table.sources]
        for name, hint in table.missing_hints:
            lines.append(f"Not loaded yet: {name}. Load it with: {hint}")
        return lines

    def _csv(self, table: services.Table) -> None:
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerows(table.csv_rows())
        for line in self._provenance(table):
            self.stderr.write(line)

    def _text(self, table: services.Table) -> None:
        self.stdout.write(table.caption)
        if table.is_empty:
            self.stdout.write(table.empty_message)
        else:
            header = [c.heading for c in table.columns]
            body = [[text for _, text in row["cells"]] for row in table.display_rows()]
            marks = table.highlighted or [False] * len(body)
            widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
            numeric = [c.numeric for c in table.columns]

            def line(cells: list[str], mark: str = " ") -> str:
                parts = [
                    cell.rjust(w) if num else cell.ljust(w)
                    for cell, w, num in zip(cells, widths, numeric, strict=True)
                ]
                return f"{mark} " + "  ".join(parts).rstrip()

            self.stdout.write(line(header))
            for cells, mark in zip(body, marks, strict=True):
                self.stdout.write(line(cells, "*" if mark else " "))
            if any(marks):
                self.stdout.write("* = the place's own area")
        self.stdout.write("")
        for text in self._provenance(table):
            self.stdout.write(text)
