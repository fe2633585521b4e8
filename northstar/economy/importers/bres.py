"""ONS Business Register and Employment Survey (BRES, open access via Nomis) by ITL2 area:
employment by SIC 2007 division, and by section.

The division file names its areas by NUTS 2016 code (UKD7 = ITL TLD7); the section file names
them only by name ('Merseyside', 'West Wales'), matched to ITL2 areas case- and
punctuation-insensitively through the places' own names and the 'name' aliases (PlaceCode scheme
'name'). Both need the ITL2 areas, which the regional GDP importers create (order 20).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from northstar.economy.measures import measure_fields
from northstar.ingest.framework import Importer, RowProblem, register
from northstar.places.models import PlaceLevel

from .common import (
    PlaceCodes,
    PlaceNames,
    StatisticRow,
    ensure_name_aliases,
    latest_published_year,
    normalise_place_name,
    parse_amount,
    parse_year,
    read_csv_rows,
    replace_statistics,
)

EARLIEST_YEAR = 2008  # BRES began with the 2008 reference year (it replaced the ABI)

# SIC 2007 divisions (two digits): 01–03, 05–09, 10–33, 35–39, 41–43, 45–47, 49–53, 55–56,
# 58–66, 68–75, 77–82, 84–88, 90–99.
SIC_DIVISIONS = {
    f"{d:02d}"
    for first, last in (
        (1, 3),
        (5, 9),
        (10, 33),
        (35, 39),
        (41, 43),
        (45, 47),
        (49, 53),
        (55, 56),
        (58, 66),
        (68, 75),
        (77, 82),
        (84, 88),
        (90, 99),
    )
    for d in range(first, last + 1)
}
SIC_SECTIONS = set("ABCDEFGHIJKLMNOPQRSTU")
SECTION_CODE = re.compile(r"^([A-Za-z])\s*(?:\(\s*[\d\s,-]+\))?$")  # 'A (1-3)', 'A'
DIVISION_NAME_PREFIX = re.compile(r"^\s*\d{1,2}\s*:\s*")  # '01 : Crop and animal production…'

# Names Nomis gives NUTS 2016 areas that differ from the ITL 2021 names by more than punctuation.
NOMIS_NAMES = {"West Wales": "TLL1"}  # ITL2 TLL1 'West Wales and The Valleys'


def parse_count(text, column: str) -> tuple:
    """A BRES count: a whole, non-negative number ('5000.0' as Nomis exports it), or suppressed."""
    value, suppressed = parse_amount(text, column)
    if value is not None:
        if value != value.to_integral_value():
            raise RowProblem(f"{text!r} is not a whole number of jobs", column)
        value = value.quantize(1)
    return value, suppressed


class BresImporter(Importer):
    publisher = "Office for National Statistics (Nomis)"
    order = 50  # after the regional GDP importers, which create the ITL2 areas
    extensions = (".csv", ".csv.gz")  # uncompressed or gzip, whichever the file is
    measure: str
    columns: tuple[str, ...]

    def __init__(self):
        self.seen: dict[tuple[str, int, str], int] = {}
        self.names: dict[str, str] = {}  # published name → ITL2 code, recorded as aliases
        self.ready = False

    def read(self, path: Path) -> Iterator[tuple[int, dict]]:
        self.seen, self.names, self.ready = {}, {}, False
        yield from read_csv_rows(path, self.columns)

    def row(self, line: int, raw: dict, code: str, industry: str, name: str) -> StatisticRow:
        year = parse_year(
            raw["DATE"], "DATE", earliest=EARLIEST_YEAR, latest=latest_published_year()
        )
        value, suppressed = parse_count(raw["COUNT"], "COUNT")
        first = self.seen.setdefault((code, year, industry), line)
        if first != line:
            raise RowProblem(
                f"a second count for {code} {year} {industry} (the first is line {first})",
                self.industry_column,
            )
        return StatisticRow(
            measure=self.measure,
            place_code=code,
            year=year,
            value=value,
            suppressed=suppressed,
            industry_code=industry,
            industry_name=name[:200],
        )

    def write(self, rows, record) -> int:
        loaded = replace_statistics(record, rows, measure_fields(self.measure))
        ensure_name_aliases(PlaceLevel.ITL2, self.names)
        return loaded


@register
class BresDivisionImporter(BresImporter):
    """BRES employment by ITL2 area and 2-digit SIC 2007 division, 2015–2021."""

    dataset = "ons-bres-itl2-division"
    title = "ONS BRES employment by ITL2 area and SIC 2007 division"
    default_files = ("ons_bres/itl2_bres_employment_2digit_sic_2015_2021.csv.gz",)
    measure = "bres_employment"
    columns = ("DATE", "GEOGRAPHY_CODE", "INDUSTRY_CODE", "COUNT")
    industry_column = "INDUSTRY_CODE"

    def parse(self, line: int, raw: dict) -> StatisticRow:
        from northstar.places.models import Place

        if not self.ready:
            self.places = PlaceCodes("nuts2016")
            self.itl2 = set(
                Place.objects.filter(level=PlaceLevel.ITL2).values_list("code", flat=True)
            )
            self.ready = True
        if None in raw:
            raise RowProblem("the row has more cells than the header has columns")
        published = (raw["GEOGRAPHY_CODE"] or "").strip()
        try:
            code = self.places(published, "GEOGRAPHY_CODE")
        except RowProblem as problem:
            raise RowProblem(
                f"{problem.reason} (ITL2 areas come from the ONS regional GDP workbook, "
                "ons-gva-itl-xlsx: import it first)",
                problem.column,
            ) from None
        if code not in self.itl2:
            raise RowProblem(f"{published!r} is not an ITL2 (NUTS 2) area", "GEOGRAPHY_CODE")
        division = (raw["INDUSTRY_CODE"] or "").strip()
        if division.isascii() and division.isdigit() and len(division) < 2:
            division = division.zfill(2)  # a spreadsheet dropped the leading zero
        if division not in SIC_DIVISIONS:
            raise RowProblem(f"{division!r} is not a SIC 2007 division (01–99)", "INDUSTRY_CODE")
        name = DIVISION_NAME_PREFIX.sub("", raw.get("INDUSTRY_NAME") or "").strip()
        row = self.row(line, raw, code, division, name)
        place_name = " ".join((raw.get("GEOGRAPHY_NAME") or "").split())
        if place_name:
            self.names.setdefault(place_name, code)
        return row


@register
class BresSectionImporter(BresImporter):
    """BRES employment by ITL2 area and SIC 2007 section; the file names areas only by name."""

    dataset = "ons-bres-itl2-section"
    title = "ONS BRES employment by ITL2 area and SIC 2007 section"
    default_files = ("ons_bres/itl2_bres_jobs_sic_sections.csv",)
    measure = "bres_employment_by_section"
    columns = ("DATE", "GEOGRAPHY_NAME", "SIC_SECTION_CODE", "COUNT")
    industry_column = "SIC_SECTION_CODE"

    def parse(self, line: int, raw: dict) -> StatisticRow:
        if not self.ready:
            self.places = PlaceNames(PlaceLevel.ITL2)
            known = {code for codes in self.places.codes.values() for code in codes}
            for name, code in NOMIS_NAMES.items():  # unless an alias already says otherwise
                if code in known:
                    self.places.codes.setdefault(normalise_place_name(name), {code})
            self.ready = True
        if None in raw:
            raise RowProblem("the row has more cells than the header has columns")
        published = " ".join((raw["GEOGRAPHY_NAME"] or "").split())
        code = self.places(published, "GEOGRAPHY_NAME")
        match = SECTION_CODE.match((raw["SIC_SECTION_CODE"] or "").strip())
        if not match or match.group(1).upper() not in SIC_SECTIONS:
            raise RowProblem(
                f"{raw['SIC_SECTION_CODE']!r} is not a SIC 2007 section (A to U, e.g. 'A (1-3)')",
                "SIC_SECTION_CODE",
            )
        section = match.group(1).upper()
        name = " ".join((raw.get("SIC_SECTION_NAME") or "").split())
        row = self.row(line, raw, code, section, name)
        self.names.setdefault(published, code)
        return row
