"""Nesta's "BEIS indicators" regional aggregates (nestauk/beis-indicators, ds/data/processed/…).

Each file is `year, <geo>_id, <geo>_year_spec, <value>`: one figure per area and year, the area
coded in the NUTS (or LEP) version named by the spec column. Aggregates only.

* Innovate UK funding (`gbp_innovate_uk_funding`, NUTS2 and NUTS3): the sum of grant offered to
  participants by the NUTS area of their postcode, by the first year of the competition year.
  Innovate UK competition years run April–March, so these are stored as financial years
  (`year` = the year the financial year starts). `innovate_uk_funding_gbp`.
* UKRI funding (`total_ukri_funding`, NUTS2, NUTS3 and LEP): despite its name the figure is the
  MEAN amount per funded project led from the area, not a total: Nesta's make_gtr_funding.py
  aggregates with `aggfunc=np.mean` (its metadata still says "sum"), and the values agree (London
  LEP £0.4m a year; a NUTS2 figure lies between its NUTS3 figures instead of being their sum, as
  the Innovate UK figures are). Stored as `ukri_mean_project_funding_gbp`, calendar year of the
  fund's start.
* Eurostat BERD (`eurostat_berd_data`, NUTS2): euros, nominal, calendar year. `berd_eur`.

NUTS versions. The files use NUTS 2006, 2010, 2013 and 2016 codes (the spec column says which);
places are ITL 2021 (= NUTS 2016 with TL for UK). Eurostat changes a code whenever a boundary
changes, so a code that is an ITL 2021 area means that area whatever the spec (UKD7 under NUTS
2010 is already Merseyside with Halton). The codes below are not ITL 2021 areas — their
boundaries differ from every ITL 2021 area — and rows for them are skipped (counted in rows read,
not loaded); any other code that is not a known place is refused with the row and column:
  NUTS2: UKD2 Cheshire and UKD5 Merseyside (NUTS 2006: Halton was in Cheshire), UKI1/UKI2 Inner
  and Outer London (NUTS 2010), UKM2 Eastern Scotland and UKM3 South Western Scotland (NUTS 2013).
  NUTS3: those areas' NUTS3 codes, and the NUTS3 codes replaced in 2010, 2013 and 2016 (below),
  and UKK21/UKK22 (Bournemouth and Poole / Dorset CC, replaced in ITL 2021 by TLK24/TLK25).
One correspondence: Nesta's NUTS 2016 NUTS3 file writes Northern Ireland's UKN0A…UKN0G as
UKN10…UKN16 (the letter read as a base-36 digit: A = 10 … G = 16), next to UKN06…UKN09 written
correctly; those seven are read as UKN0A…UKN0G.

LEPs: there is no LEP place level, and no file here names the LEPs. A LEP row is loaded onto the
place a PlaceCode alias of scheme 'lep' points its E37 code at (e.g. E37000022 → the Liverpool
City Region, whose LEP covers the same six boroughs); rows for LEPs without an alias are skipped,
not refused. A code that is not an E37 code is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from northstar.core.errors import UserInputError
from northstar.economy.measures import MEASURES
from northstar.economy.models import PeriodKind
from northstar.ingest.framework import Importer, Prepared, Progress, RowProblem, register
from northstar.places.models import Place, PlaceLevel
from northstar.places.services import itl_level_of

from .common import (
    PlaceCodes,
    RowKeys,
    StatisticRow,
    parse_amount,
    parse_year,
    read_csv_rows,
    refuse_figures_of_other_datasets,
    replace_statistics,
)

NESTA = "Nesta (nestauk/beis-indicators), from Innovate UK, UKRI Gateway to Research and Eurostat"
EARLIEST_YEAR = 2000  # the series start in 2006 (UKRI), 2007 (Eurostat) and 2010 (Innovate UK)
NUTS_VERSIONS = {2006, 2010, 2013, 2016}
LEP_VERSIONS = {-2014, 2014, 2017}  # "-2014" = the LEP boundaries up to 2014

UKRI_MEAN = "ukri_mean_project_funding_gbp"
# Proposed for northstar/economy/measures.py (reported to the lead); measures.py wins once added.
PROPOSED_MEASURES = {
    UKRI_MEAN: {
        "name": "UKRI funding per project (mean), by lead organisation's area",
        "unit": "£ per project",
        "source": "UKRI Gateway to Research, aggregated by Nesta (nestauk/beis-indicators)",
        "description": "Nesta's 'total_ukri_funding' is the mean amount per funded project led "
        "from the area (make_gtr_funding.py aggregates with np.mean), by the fund's start year. "
        "Not a total: do not add areas together.",
    },
}
ALL_MEASURES = {**PROPOSED_MEASURES, **MEASURES}

SUPERSEDED_NUTS2 = frozenset({"UKD2", "UKD5", "UKI1", "UKI2", "UKM2", "UKM3"})
SUPERSEDED_NUTS3 = frozenset(
    {
        # NUTS 2006–2010 codes replaced in the 2010 and 2013 revisions
        "UKD31", "UKD32", "UKD43", "UKE43", "UKF23", "UKG34", "UKG35",
        "UKH13", "UKH22", "UKH33", "UKJ23", "UKJ24", "UKJ33", "UKJ42",
        # Northern Ireland before the 2015 district reform (NUTS 2016 has UKN06…UKN0G)
        "UKN01", "UKN02", "UKN03", "UKN04", "UKN05",
        # Dorset before its 2019 reorganisation (ITL 2021 has TLK24, TLK25)
        "UKK21", "UKK22",
    }
)  # fmt: skip
NESTA_NUTS3_CORRESPONDENCE = {f"UKN{10 + i}": f"UKN0{letter}" for i, letter in enumerate("ABCDEFG")}
NUTS_CODE = {2: re.compile(r"^UK[C-N][0-9A-Z]$"), 3: re.compile(r"^UK[C-N][0-9A-Z]{2}$")}
LEP_CODE = re.compile(r"^E37\d{6}$")


def is_superseded_nuts(code: str) -> bool:
    if len(code) == 4:
        return code in SUPERSEDED_NUTS2
    return code in SUPERSEDED_NUTS3 or code[:4] in SUPERSEDED_NUTS2


class NestaImporter(Importer):
    """One Nesta indicator file: `year, <geo>_id, <geo>_year_spec, <value_column>`."""

    publisher = NESTA
    licence = "Open Government Licence v3.0 (data); MIT (Nesta's repository)"
    order = 50
    geography: str  # "nuts" or "lep"
    nuts_level: int = 0  # 2 or 3 for NUTS files
    value_column: str
    measure: str
    period_kind: str = PeriodKind.CALENDAR_YEAR

    @property
    def columns(self) -> tuple[str, ...]:
        geo = self.geography
        return ("year", f"{geo}_id", f"{geo}_year_spec", self.value_column)

    def start(self) -> None:
        """Per-file state: the known places and codes, and the figures seen so far."""
        self.keys = RowKeys()
        self.places = PlaceCodes("lep" if self.geography == "lep" else "nuts2016")

    def prepare(self, path: Path, progress: Progress | None = None) -> Prepared:
        self.start()
        if self.geography == "nuts" and not Place.objects.filter(level=self.place_level).exists():
            raise UserInputError(
                f"No {self.place_level.label} places are loaded, so {path.name} cannot be "
                "matched to places: import the ITL places first "
                "(e.g. `northstar import ons-gva-itl FILE`)."
            )
        return super().prepare(path, progress)

    @property
    def place_level(self):
        return {2: PlaceLevel.ITL2, 3: PlaceLevel.ITL3}.get(self.nuts_level)

    def read(self, path: Path) -> Iterator[tuple[int, dict]]:
        return read_csv_rows(path, self.columns)

    def parse(self, line: int, raw: dict) -> StatisticRow | None:
        year = parse_year(raw["year"], "year", earliest=EARLIEST_YEAR, latest=date.today().year)
        value, suppressed = parse_amount(raw[self.value_column], self.value_column)
        code_column = f"{self.geography}_id"
        place = self.place_of(raw[code_column], raw[f"{self.geography}_year_spec"], code_column)
        if place is None:
            return None
        if self.keys.seen((place, year), line, value, code_column):
            return None
        return StatisticRow(
            measure=self.measure,
            place_code=place,
            year=year,
            value=value,
            suppressed=suppressed,
            period_kind=self.period_kind,
        )

    def place_of(self, code: str, spec: str, column: str) -> str | None:
        """The ITL 2021 place of a NUTS code; None for a documented superseded code."""
        spec_column = f"{self.geography}_year_spec"
        code = (code or "").strip().upper()
        version = self.version(spec, spec_column, NUTS_VERSIONS)
        if not NUTS_CODE[self.nuts_level].match(code):
            raise RowProblem(f"{code!r} is not a NUTS{self.nuts_level} code", column)
        if version == 2016:
            code = NESTA_NUTS3_CORRESPONDENCE.get(code, code)
        if is_superseded_nuts(code):
            return None
        try:
            place = self.places(code, column)
        except RowProblem:
            raise RowProblem(
                f"area code {code!r} (NUTS {version}) is not a known ITL{self.nuts_level} place",
                column,
            ) from None
        if itl_level_of(place) != self.place_level:
            raise RowProblem(
                f"area code {code!r} is {place}, not an ITL{self.nuts_level} place", column
            )
        return place

    @staticmethod
    def version(spec, column: str, allowed: set[int]) -> int:
        text = str(spec or "").strip()
        version = int(text.removesuffix(".0")) if re.fullmatch(r"-?\d{4}(\.0)?", text) else None
        if version not in allowed:
            raise RowProblem(
                f"{spec!r} is not a boundary version this file can use "
                f"({', '.join(str(v) for v in sorted(allowed))})",
                column,
            )
        return version

    def write(self, rows, record) -> int:
        refuse_figures_of_other_datasets(record, rows)
        return replace_statistics(record, rows, {self.measure: ALL_MEASURES[self.measure]})


class NestaLepImporter(NestaImporter):
    geography = "lep"

    def place_of(self, code: str, spec: str, column: str) -> str | None:
        self.version(spec, "lep_year_spec", LEP_VERSIONS)
        code = (code or "").strip().upper()
        if not LEP_CODE.match(code):
            raise RowProblem(f"{code!r} is not a LEP code (E37 and six digits)", column)
        try:
            return self.places(code, column)
        except RowProblem:
            return None  # a LEP no place stands for: see the module docstring


def nesta_importer(dataset, title, path, base=NestaImporter, **attributes):
    cls = type(
        "".join(part.title() for part in dataset.split("-")) + "Importer",
        (base,),
        {"dataset": dataset, "title": title, "default_files": (path,), **attributes},
    )
    return register(cls)


nesta_importer(
    "nesta-innovate-uk-funding-nuts2",
    "Innovate UK funding by NUTS2 (= ITL2) area, financial years from 2010 (Nesta)",
    "nesta_beis_indicators/gbp_innovate_uk_funding.nuts2.csv",
    geography="nuts",
    nuts_level=2,
    value_column="gbp_innovate_uk_funding",
    measure="innovate_uk_funding_gbp",
    period_kind=PeriodKind.FINANCIAL_YEAR,
)
nesta_importer(
    "nesta-innovate-uk-funding-nuts3",
    "Innovate UK funding by NUTS3 (= ITL3) area, financial years from 2010 (Nesta)",
    "nesta_beis_indicators/gbp_innovate_uk_funding.nuts3.csv",
    geography="nuts",
    nuts_level=3,
    value_column="gbp_innovate_uk_funding",
    measure="innovate_uk_funding_gbp",
    period_kind=PeriodKind.FINANCIAL_YEAR,
)
nesta_importer(
    "nesta-ukri-funding-nuts2",
    "UKRI funding per project (mean) by NUTS2 (= ITL2) area of the lead organisation (Nesta)",
    "nesta_beis_indicators/total_ukri_funding.nuts2.csv",
    geography="nuts",
    nuts_level=2,
    value_column="total_ukri_funding",
    measure=UKRI_MEAN,
)
nesta_importer(
    "nesta-ukri-funding-nuts3",
    "UKRI funding per project (mean) by NUTS3 (= ITL3) area of the lead organisation (Nesta)",
    "nesta_beis_indicators/total_ukri_funding.nuts3.csv",
    geography="nuts",
    nuts_level=3,
    value_column="total_ukri_funding",
    measure=UKRI_MEAN,
)
nesta_importer(
    "nesta-ukri-funding-lep",
    "UKRI funding per project (mean) by LEP of the lead organisation, for LEPs with a place (Nesta)",
    "nesta_beis_indicators/total_ukri_funding.lep.csv",
    base=NestaLepImporter,
    value_column="total_ukri_funding",
    measure=UKRI_MEAN,
)
nesta_importer(
    "nesta-eurostat-berd-nuts2",
    "Business R&D (Eurostat BERD) by NUTS2 (= ITL2) area, nominal euros (Nesta)",
    "nesta_beis_indicators/eurostat_berd_data.nuts2.csv",
    geography="nuts",
    nuts_level=2,
    value_column="eurostat_berd_data",
    measure="berd_eur",
)
