"""`northstar funding --place liverpool-city-region --from 2017-18 --to 2021-22 --by enterprise-size`

Award offered to Innovate UK participants as a table (or CSV with --csv), stating its filters and
the files (name, SHA-256, date imported) it came from.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from northstar.core.errors import UserInputError
from northstar.funding import calculations as calc
from northstar.funding.services import (
    Breakdown,
    FundingQuery,
    FundingTable,
    award_table,
    find_place,
)


class Command(BaseCommand):
    # It only reads: Django's system checks (which import every URL and the API to check them)
    # would be most of its start-up; `northstar check`, migrate and the server run them.
    requires_system_checks = []

    help = (
        "Innovate UK award offered to participants of a place, by enterprise size, programme, "
        "competition, sector, financial year or local authority (withdrawn participants left out "
        "unless --include-withdrawn)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--place", help="slug, code or name (default: every participant)")
        parser.add_argument("--from", dest="first", help="first financial year, e.g. 2017-18")
        parser.add_argument("--to", dest="last", help="last financial year, e.g. 2021-22")
        parser.add_argument(
            "--by", choices=Breakdown.CHOICES, default=Breakdown.ENTERPRISE_SIZE, help="grouping"
        )
        parser.add_argument("--include-withdrawn", action="store_true")
        parser.add_argument(
            "--csv",
            dest="csv_file",
            nargs="?",
            const="-",
            metavar="FILE",
            help="write CSV instead of a table (to FILE, or to standard output)",
        )

    def handle(self, *args, place, first, last, by, include_withdrawn, csv_file, **options):
        try:
            query = FundingQuery(
                place=find_place(place) if place else None,
                first_year=calc.parse_financial_year(first) if first else None,
                last_year=calc.parse_financial_year(last) if last else None,
                include_withdrawn=include_withdrawn,
            )
            result = award_table(query, by)
        except UserInputError as exc:
            raise CommandError(str(exc)) from exc
        if csv_file is None:
            self.stdout.write(render_table(result), ending="")
        elif csv_file == "-":
            self.stdout.write(render_csv(result), ending="")
        else:
            Path(csv_file).write_text(render_csv(result), encoding="utf-8", newline="")
            self.stdout.write(f"Wrote {csv_file}.")


def _sources(result: FundingTable) -> list[str]:
    if not result.sources:
        return [
            "Sources: none — no Innovate UK participant data matches (import it with "
            "`northstar import innovate-uk-funded-projects FILE`)."
        ]
    return [f"Source: {s}" for s in result.sources]


def render_table(result: FundingTable) -> str:
    table = Table(title="Innovate UK award offered")
    table.add_column(Breakdown.LABELS[result.by])
    table.add_column("Participations", justify="right")
    table.add_column("Award offered", justify="right")
    table.add_column("Share", justify="right")
    for line in result.lines:
        style = "bold" if line.kind != "group" else None
        table.add_row(
            line.label,
            f"{line.participations:,}",
            calc.format_pounds(line.award_pence),
            f"{line.share}%" if line.share is not None else "—",
            style=style,
            end_section=line.kind == "subtotal",
        )
    buffer = io.StringIO()
    Console(file=buffer, width=120, color_system=None).print(table)
    # Filters and sources as plain lines, never wrapped (a SHA-256 must stay whole).
    return buffer.getvalue() + "".join(f"{text}\n" for text in result.filters() + _sources(result))


def render_csv(result: FundingTable) -> str:
    """CSV with the filters and sources first, as '#' comment lines."""
    buffer = io.StringIO()
    for text in result.filters() + _sources(result):
        buffer.write(f"# {text}\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["group", "key", "kind", "participations", "award_offered_gbp", "share_percent"]
    )
    for line in result.lines:
        writer.writerow(
            [
                line.label,
                line.key,
                line.kind,
                line.participations,
                calc.pounds(line.award_pence),
                line.share if line.share is not None else "",
            ]
        )
    return buffer.getvalue()
