"""`indicator-observations`: officers' observations from a CSV file, through the import framework
(all or nothing; every bad row reported with its line, column and reason).

Columns: indicator, place, period, value; optional numerator, denominator, status, evidence_url,
dimension, category, revision (yes/no), note. Each row is checked exactly as the form and the API
check one observation (services.check_observation); two rows for the same indicator, place,
period and breakdown are refused unless the later says revision=yes.
"""

from __future__ import annotations

from pathlib import Path

from northstar.economy.importers.common import read_csv_rows
from northstar.ingest.framework import Importer, RowProblem, register

from . import services
from .models import Indicator, Origin

REQUIRED = ("indicator", "place", "period", "value")
OPTIONAL = (
    "numerator",
    "denominator",
    "status",
    "evidence_url",
    "dimension",
    "category",
    "revision",
    "note",
)
YES = {"yes", "y", "true", "1"}
NO = {"", "no", "n", "false", "0"}


@register
class IndicatorObservationsImporter(Importer):
    dataset = "indicator-observations"
    title = "Indicator observations (CSV entered by officers)"
    publisher = "The partnership's officers"
    licence = ""
    extensions = (".csv",)
    order = 90

    def read(self, path: Path):
        self.indicators = {i.code: i for i in Indicator.objects.all()}
        self.seen: set[tuple] = set()
        yield from read_csv_rows(path, REQUIRED)

    def parse(self, line, raw):
        code = (raw.get("indicator") or "").strip()
        indicator = self.indicators.get(code)
        if indicator is None:
            raise RowProblem(f"there is no indicator {code!r}", "indicator")
        place_code = (raw.get("place") or "").strip()
        place = services.place_by_code(place_code) if place_code else None
        if place is None:
            raise RowProblem(f"there is no place {place_code!r}", "place")
        revision = (raw.get("revision") or "").strip().lower()
        if revision not in YES | NO:
            raise RowProblem(f"{raw.get('revision')!r} is not yes or no", "revision")
        data = services.ObservationIn(
            indicator=indicator,
            place=place,
            period=raw.get("period") or "",
            value=raw.get("value"),
            numerator=raw.get("numerator") or None,
            denominator=raw.get("denominator") or None,
            status=(raw.get("status") or "final").strip().lower(),
            evidence_url=raw.get("evidence_url") or "",
            dimension=raw.get("dimension") or "",
            category=raw.get("category") or "",
            revision=revision in YES,
            note=raw.get("note") or "",
        )
        try:
            checked = services.check_observation(data)
        except services.ObservationRefused as refused:
            field, messages = next(iter(refused.errors.items()))
            raise RowProblem(" ".join(messages), "" if field == "__all__" else field) from None
        if checked.key in self.seen and not checked.revision:
            raise RowProblem(
                "an earlier row of this file has the same indicator, place, period and "
                "breakdown; say revision=yes on the later row to supersede it"
            )
        self.seen.add(checked.key)
        return checked

    def write(self, rows, record) -> int:
        for checked in rows:
            # Re-check the duplicate against what earlier rows of this file have just written.
            current = (
                services.Observation.objects.current()
                .filter(
                    indicator=checked.indicator,
                    place=checked.place,
                    period_kind=checked.period_kind,
                    year=checked.year,
                    quarter=checked.quarter,
                    dimension=checked.dimension,
                    category=checked.category,
                )
                .first()
            )
            checked.supersedes = current
            services.save_observation(
                checked, user=record.created_by, origin=Origin.IMPORTED, source_import=record
            )
        return len(rows)
