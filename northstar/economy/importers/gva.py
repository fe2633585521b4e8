"""ONS regional gross domestic product (GVA(B), GDP, population, 1998–2021) and regional GVA(B)
by industry, read from the files the ONS publishes.

Two files carry the regional GDP figures: the ONS workbook itself (`ons-gva-itl-xlsx`, the
primary source) and a tidy long CSV made from it (`ons-gva-itl`, an alternative). Both write the
same measures for the same places and years; whichever is imported last holds the values (its
`replace_statistics` displaces the other's), so importing both never duplicates a figure. When
both files are present the workbook is imported after the CSV (order 20 after 19), so its values
stand.
"""

from __future__ import annotations

import csv
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from northstar.core.errors import UserInputError
from northstar.economy.measures import measure_fields
from northstar.economy.models import PeriodKind
from northstar.ingest.framework import Importer, RowProblem, register
from northstar.ingest.vectorised import (
    Checked,
    RowProblems,
    prepare_row_by_row,
    prepare_vectorised,
)
from northstar.places.models import PlaceLevel

from .common import (
    STATISTIC_COLUMNS,
    DuplicateKeys,
    PlaceCodes,
    StatisticRow,
    ensure_name_aliases,
    latest_published_year,
    parse_amount,
    parse_amounts,
    parse_year,
    read_csv_cells,
    read_csv_rows,
    replace_statistics,
)

GVA_MEASURES = measure_fields(
    "gva_balanced_current_prices_gbp_million",
    "gdp_current_market_prices_gbp_million",
    "total_resident_population",
)
LEVELS = {"UK", "ITL1", "ITL2", "ITL3", "Other"}
# What the level column promises about the code in the same row ('Other' is England, Extra-Regio…)
LEVEL_OF_CODE = {
    "UK": PlaceLevel.UK,
    "ITL1": PlaceLevel.ITL1,
    "ITL2": PlaceLevel.ITL2,
    "ITL3": PlaceLevel.ITL3,
}
# Rows that are not places: the UK less Extra-Regio, and Extra-Regio (offshore activity).
NOT_PLACES = {"UKX", "TLZ"}
EARLIEST_YEAR = 1990  # the regional accounts start in 1998; earlier is not a year of these files


def _check_level(level: str, code: str, column: str) -> None:
    from northstar.places.services import itl_level_of

    expected = LEVEL_OF_CODE.get(level)
    if expected is not None and itl_level_of(code) != expected:
        raise RowProblem(f"the level is {level}, but {code!r} is not an {level} code", column)


@register
class GvaItlLongImporter(Importer):
    """The tidy (long) CSV of the regional GDP workbook: one row per area, year and measure.

    An alternative to the workbook (`ons-gva-itl-xlsx`), which it was made from: importing either
    replaces the other's values for the same measures, places and years.
    """

    dataset = "ons-gva-itl"
    title = "ONS regional GVA, GDP and population, all ITL regions (long CSV)"
    publisher = "Office for National Statistics"
    default_files = ("ons_gva/itl_gva_gdp_population_long.csv",)
    order = 19  # before the workbook, so that when both are present the workbook's values stand
    alternative_to = "ons-gva-itl-xlsx"  # the workbook it was derived from holds the same figures
    columns = ("itl_level", "itl_code", "region_name", "year", "measure", "value")

    def __init__(self):
        self.places: PlaceCodes | None = None
        self.duplicates = DuplicateKeys()

    def read(self, path: Path) -> Iterator[tuple[int, dict]]:
        self.places, self.duplicates = None, DuplicateKeys()
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in self.columns if c not in (reader.fieldnames or [])]
            if missing:
                raise UserInputError(f"{path.name} lacks the column(s) {', '.join(missing)}.")
            for row in reader:
                yield reader.line_num, row

    def parse(self, line: int, raw: dict) -> StatisticRow:
        if self.places is None:
            self.places = PlaceCodes(create_itl=True)
        level = (raw["itl_level"] or "").strip()
        if level not in LEVELS:
            raise RowProblem(
                f"{level!r} is not an ITL level (UK, ITL1, ITL2, ITL3, Other)", "itl_level"
            )
        if (raw["itl_code"] or "").strip() in NOT_PLACES:
            return None
        measure = (raw["measure"] or "").strip()
        if measure not in GVA_MEASURES:
            raise RowProblem(f"unknown measure {measure!r}", "measure")
        code = self.places(raw["itl_code"], "itl_code")
        _check_level(level, code, "itl_level")
        value, suppressed = parse_amount(raw["value"], "value")
        row = StatisticRow(
            measure=measure,
            place_code=code,
            place_name=(raw["region_name"] or "").strip(),
            year=parse_year(
                raw["year"], "year", earliest=EARLIEST_YEAR, latest=latest_published_year()
            ),
            value=value,
            suppressed=suppressed,
        )
        self.duplicates.check(row, f"line {line}", "itl_code")
        return row

    def write(self, rows, record) -> int:
        loaded = replace_statistics(record, rows, GVA_MEASURES, displace_other_datasets=True)
        ensure_name_aliases(PlaceLevel.ITL2)
        return loaded


# --- The ONS workbook itself -------------------------------------------------------------------

# The sheets read, and the measure each holds (the workbook's other tables are derived figures).
WORKBOOK_TABLES = (
    ("Table 1", "gva_balanced_current_prices_gbp_million"),
    ("Table 5", "gdp_current_market_prices_gbp_million"),
    ("Table 6", "total_resident_population"),
)
# The identifying columns of each table, by the headings ONS uses (compared case-insensitively).
ID_COLUMNS = {
    "level": ("ITL", {"itl", "itl level"}),
    "code": ("ITL code", {"itl code"}),
    "name": ("Region name", {"region name", "region"}),
}
HEADER_SEARCH_ROWS = 30  # title and notes rows above the header: ONS uses one to five
NOTE_MARKER = re.compile(r"\[[^\]]*\]")


def _heading(value: Any) -> str:
    """A column heading without note markers ('2021 [note 3]' → '2021'), lower-case."""
    return " ".join(
        NOTE_MARKER.sub(" ", str(value if value is not None else "")).split()
    ).casefold()


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Table:
    """Where one sheet's columns are: the identifying columns and the year columns."""

    def __init__(self, sheet: str, measure: str, header_row: int, cells: tuple):
        from openpyxl.utils import get_column_letter

        self.sheet, self.measure, self.header_row = sheet, measure, header_row
        headings = [_heading(c) for c in cells]
        self.index: dict[str, int] = {}
        for key, (_label, names) in ID_COLUMNS.items():
            found = [i for i, h in enumerate(headings) if h in names]
            if found:
                self.index[key] = found[0]
        missing = [label for key, (label, _) in ID_COLUMNS.items() if key not in self.index]
        if missing:
            raise UserInputError(
                f"{sheet}: the header row (row {header_row}) lacks the column(s) "
                f"{', '.join(missing)}."
            )
        self.years: list[tuple[int, int]] = []  # (column index, year)
        latest = latest_published_year()
        for i, cell in enumerate(cells):
            if i in self.index.values() or _is_blank(cell):
                continue
            ref = f"{sheet}!{get_column_letter(i + 1)}{header_row}"
            try:
                year = parse_year(_heading(cell), ref, earliest=EARLIEST_YEAR, latest=latest)
            except RowProblem as problem:
                raise UserInputError(
                    f"{ref}: the column heading {cell!r} is not a year of this table "
                    f"({problem.reason})."
                ) from None
            if year in {y for _, y in self.years}:
                raise UserInputError(f"{ref}: the year {year} heads two columns.")
            self.years.append((i, year))
        if not self.years:
            raise UserInputError(f"{sheet}: the header row (row {header_row}) has no year columns.")
        self.width = len(cells)

    def ref(self, index: int, row: int) -> str:
        from openpyxl.utils import get_column_letter

        return f"{self.sheet}!{get_column_letter(index + 1)}{row}"


def _find_header(sheet: str, rows: Iterator[tuple[int, tuple]]) -> tuple[int, tuple]:
    """The first row naming at least two identifying columns (title and notes rows come first)."""
    all_names = [names for _, names in ID_COLUMNS.values()]
    for number, cells in rows:
        headings = {_heading(c) for c in cells}
        if sum(1 for names in all_names if headings & names) >= 2:
            return number, cells
        if number >= HEADER_SEARCH_ROWS:
            break
    raise UserInputError(
        f"{sheet}: no header row (ITL, ITL code, Region name, then one column per year) in its "
        f"first {HEADER_SEARCH_ROWS} rows."
    )


@register
class GvaItlWorkbookImporter(Importer):
    """ONS "Regional gross domestic product: all ITL regions" workbook: Tables 1, 5 and 6."""

    dataset = "ons-gva-itl-xlsx"
    title = "ONS regional GVA, GDP and population, all ITL regions (the ONS workbook)"
    publisher = "Office for National Statistics"
    default_files = ("ons_gva/regionalgrossdomesticproductgdpallitlregions.xlsx",)
    order = 20

    def __init__(self):
        self.places: PlaceCodes | None = None
        self.seen: dict[tuple[str, str], int] = {}

    def prepare(self, path, progress=None):
        return prepare_row_by_row(self, path, progress)

    def read(self, path: Path) -> Iterator[tuple[int, dict]]:
        """Each data row of Tables 1, 5 and 6, numbered as in the sheet."""
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        self.places, self.seen = None, {}
        unreadable = f"{path.name} is not a readable Excel (.xlsx) workbook"
        try:
            with path.open("rb") as stream:
                # A stream, not the path: openpyxl would refuse an upload saved without .xlsx.
                workbook = load_workbook(stream, read_only=True, data_only=True)
                try:
                    yield from self._read_tables(path, workbook)
                finally:
                    workbook.close()
        # SyntaxError: a damaged sheet's XML (xml.etree's ParseError, or lxml's, is one).
        except (zipfile.BadZipFile, InvalidFileException, KeyError, SyntaxError, zlib.error) as exc:
            raise UserInputError(f"{unreadable} ({type(exc).__name__}: {exc}).") from None
        except (EOFError, OSError, ValueError) as exc:
            raise UserInputError(f"{unreadable} ({type(exc).__name__}: {exc}).") from None

    def _read_tables(self, path: Path, workbook) -> Iterator[tuple[int, dict]]:
        sheets = {" ".join(name.split()).casefold(): name for name in workbook.sheetnames}
        for title, measure in WORKBOOK_TABLES:
            sheet = sheets.get(title.casefold())
            if sheet is None:
                raise UserInputError(
                    f"{path.name} has no sheet {title!r} ({GVA_MEASURES[measure]['name']}); "
                    f"its sheets are: {', '.join(workbook.sheetnames) or 'none'}."
                )
            worksheet = workbook[sheet]
            worksheet.reset_dimensions()  # trust the cells, not the stated sheet size
            rows = enumerate(worksheet.iter_rows(values_only=True), start=1)
            header_row, header = _find_header(sheet, rows)
            table = _Table(sheet, measure, header_row, header)
            for number, cells in rows:
                cells = tuple(cells) + (None,) * (table.width - len(cells))
                code = cells[table.index["code"]]
                years = [cells[i] for i, _ in table.years]
                # Blank rows, and notes below the table ("Source: …"), hold no figures.
                if _is_blank(code) and all(_is_blank(v) for v in years):
                    continue
                yield number, {"table": table, "cells": cells}

    def parse(self, line: int, raw: dict) -> list[StatisticRow] | None:
        if self.places is None:
            self.places = PlaceCodes(create_itl=True)
        table: _Table = raw["table"]
        cells = raw["cells"]

        def cell(key: str) -> tuple[str, str]:
            value = cells[table.index[key]]
            return ("" if value is None else str(value).strip()), table.ref(table.index[key], line)

        level, level_ref = cell("level")
        if level not in LEVELS:
            raise RowProblem(
                f"ITL: {level!r} is not an ITL level (UK, ITL1, ITL2, ITL3, Other)", level_ref
            )
        code, code_ref = cell("code")
        if code in NOT_PLACES:
            return None
        code = self.places(code, code_ref)
        _check_level(level, code, level_ref)
        name, _ = cell("name")
        first = self.seen.setdefault((table.measure, code), line)
        if first != line:
            raise RowProblem(
                f"{code} appears twice in {table.sheet} (rows {first} and {line})", code_ref
            )
        rows, problems = [], []
        for index, year in table.years:
            ref = table.ref(index, line)
            try:
                value, suppressed = parse_amount(cells[index], ref)
            except RowProblem as problem:
                problems.append(RowProblem(f"{year}: {problem.reason}", ref))
                continue
            rows.append(
                StatisticRow(
                    measure=table.measure,
                    place_code=code,
                    place_name=name,
                    year=year,
                    value=value,
                    suppressed=suppressed,
                )
            )
        if problems:
            raise RowProblems(problems)
        return rows

    def write(self, rows, record) -> int:
        loaded = replace_statistics(record, rows, GVA_MEASURES, displace_other_datasets=True)
        ensure_name_aliases(PlaceLevel.ITL2)
        return loaded


# --- Regional GVA(B) by industry (Tables 2c and 3c, as CSV) ---------------------------------

INDUSTRY_MEASURE = "gva_by_industry_current_prices_gbp_million"
INDUSTRY_MEASURES = measure_fields(INDUSTRY_MEASURE)
SECTION_WITH_DIVISIONS = re.compile(r"^([A-Z]{1,2}(?:-[A-Z]{1,2})?)\s*\(\s*[\d\s,-]+\)$")


def industry_code_of(published: str) -> str:
    """The industry code stored for a published SIC07 code: a section with its divisions in
    brackets becomes the section ('C (10-33)' → 'C', 'CA (10-12)' → 'CA', 'CD-CF (19-21)' →
    'CD-CF', as in BRES); every other code is kept as published ('Total', 'A-E', '10', '11-12',
    '68IMP')."""
    text = " ".join(str(published or "").split())
    match = SECTION_WITH_DIVISIONS.match(text)
    return match.group(1) if match else text


class GvaByIndustryImporter(Importer):
    """ONS regional GVA(B) by industry, current prices, £ million: one row per area and industry,
    one column per year; figures written with thousands separators ("12,219").

    The ITL3 file holds 275,000 figures, so `prepare` checks the whole file at once (`check`:
    Python for the 11,000 rows' area and industry, Polars for the figures) and `parse`, the
    row-by-row reader, words the problems of a file that has any (northstar.ingest.vectorised).
    """

    publisher = "Office for National Statistics"
    level: str
    order = 30  # after the regional GDP workbook, which brings the ITL areas this file names
    extensions = (".csv.gz", ".csv")  # as published (gzip), or uncompressed
    columns = ("ITL region code", "ITL region name", "SIC07 code", "SIC07 description")

    def __init__(self):
        self.places: PlaceCodes | None = None
        self.seen: dict[tuple[str, str], int] = {}
        self.years: list[tuple[str, int]] = []

    def prepare(self, path, progress=None):
        return prepare_vectorised(self, path, self.check, progress)

    def read(self, path: Path) -> Iterator[tuple[int, dict]]:
        self.places, self.seen, self.years = None, {}, []
        yield from read_csv_rows(path, self.columns, on_header=self._years_of)

    def _years_of(self, fieldnames: list[str]) -> None:
        latest = latest_published_year()
        for heading in fieldnames:
            if heading in self.columns:
                continue
            try:
                year = parse_year(heading, heading, earliest=EARLIEST_YEAR, latest=latest)
            except RowProblem as problem:
                raise UserInputError(
                    f"The column heading {heading!r} is not a year of this table "
                    f"({problem.reason})."
                ) from None
            if year in {y for _, y in self.years}:
                raise UserInputError(f"The year {year} heads two columns.")
            self.years.append((heading, year))
        if not self.years:
            raise UserInputError("The file has no year columns (1998, 1999, …).")

    # --- Row by row: the reference reading, and the words of every problem ---------------------

    def area(self, published: str) -> str:
        """The canonical code of a row's area, or RowProblem."""
        from northstar.places.services import itl_level_of

        try:
            code = self.places(published, "ITL region code")
        except RowProblem as problem:
            raise RowProblem(
                f"{problem.reason} (import the ONS regional GDP workbook, "
                "ons-gva-itl-xlsx, first: it brings the ITL areas)",
                problem.column,
            ) from None
        if itl_level_of(code) != self.level:
            raise RowProblem(
                f"{published!r} is not an {self.level.upper()} area; this file holds "
                f"{self.level.upper()} areas",
                "ITL region code",
            )
        return code

    @staticmethod
    def industry(published: str | None) -> str:
        industry = industry_code_of(published)
        if not industry:
            raise RowProblem("the SIC07 code is empty", "SIC07 code")
        if len(industry) > 20:
            raise RowProblem(f"{industry!r} is too long for a SIC07 code", "SIC07 code")
        return industry

    @staticmethod
    def description(published: str | None) -> str:
        name = " ".join((published or "").split())
        if len(name) > 200:
            raise RowProblem("the description is longer than 200 characters", "SIC07 description")
        return name

    def parse(self, line: int, raw: dict) -> list[StatisticRow]:
        if self.places is None:
            self.places = PlaceCodes()
        if None in raw:
            raise RowProblem("the row has more cells than the header has columns")
        code = self.area((raw["ITL region code"] or "").strip())
        industry = self.industry(raw["SIC07 code"])
        name = self.description(raw["SIC07 description"])
        first = self.seen.setdefault((code, industry), line)
        if first != line:
            raise RowProblem(
                f"a second row for {code} {industry} (the first is line {first})", "SIC07 code"
            )
        rows, problems = [], []
        for heading, year in self.years:
            try:
                # GVA of an industry can be negative (e.g. water and air transport in some areas).
                value, suppressed = parse_amount(raw[heading], heading, allow_negative=True)
            except RowProblem as problem:
                problems.append(problem)
                continue
            rows.append(
                StatisticRow(
                    measure=INDUSTRY_MEASURE,
                    place_code=code,
                    year=year,
                    value=value,
                    suppressed=suppressed,
                    industry_code=industry,
                    industry_name=name,
                )
            )
        if problems:
            raise RowProblems(problems)
        return rows

    # --- The whole file at once ---------------------------------------------------------------

    def check(self, path: Path) -> Checked:
        """The file's figures as a statistics frame (STATISTIC_COLUMNS, in the order `parse`
        gives them), or the lines `parse` would refuse. Each row's area, industry and
        description are checked in Python (by the same functions as `parse`, once per distinct
        text); the figures, 24 a row, by parse_amounts."""
        self.places, self.seen, self.years = PlaceCodes(), {}, []
        records = read_csv_cells(path, self.columns, on_header=self._years_of)
        _, fieldnames = next(records)
        width = len(fieldnames)
        at = {name: i for i, name in enumerate(fieldnames)}  # the last of a repeated heading
        code_at, sic_at, description_at = (
            at["ITL region code"],
            at["SIC07 code"],
            at["SIC07 description"],
        )
        year_at = [at[heading] for heading, _ in self.years]

        def once(read):
            """`read` of each distinct text once: (its value, or None when it is refused)."""
            found: dict = {}

            def cached(text):
                if text not in found:
                    try:
                        found[text] = read(text)
                    except RowProblem:
                        found[text] = None
                return found[text]

            return cached

        area = once(lambda text: self.area((text or "").strip()))
        industry, description = once(self.industry), once(self.description)
        lines: list[int] = []
        bad_lines: list[int] = []
        identities: list[tuple[str, str, str]] = []
        figures: list[str | None] = []  # row after row, a cell per year
        for line, cells in records:
            lines.append(line)
            ragged = len(cells) > width  # more cells than columns: refused before anything else
            cells = cells[:width] + [None] * (width - len(cells))
            identity = (
                area(cells[code_at]),
                industry(cells[sic_at]),
                description(cells[description_at]),
            )
            # As in `parse`, a row is remembered for the repeat check only once it got so far.
            if ragged or None in identity or self.seen.setdefault(identity[:2], line) != line:
                bad_lines.append(line)
            identities.append(identity)
            figures += [cells[i] for i in year_at]
        amounts = parse_amounts(pl.Series(figures, dtype=pl.String), allow_negative=True)
        per_row = len(year_at)
        bad_rows = (amounts.get_column("bad").arg_true() // per_row).unique().to_list()
        bad_lines = sorted({*bad_lines, *(lines[i] for i in bad_rows)})
        if bad_lines:
            return Checked(rows=None, rows_read=len(lines), bad_lines=bad_lines)

        places, industries, names = zip(*identities, strict=True) if identities else ((), (), ())
        each_year = pl.all().repeat_by(per_row).explode()
        frame = pl.concat(
            [
                pl.DataFrame(
                    {"place_code": places, "industry_code": industries, "industry_name": names},
                    schema=dict.fromkeys(
                        ("place_code", "industry_code", "industry_name"), pl.String
                    ),
                ).select(each_year),
                pl.DataFrame({"year": [year for _, year in self.years] * len(lines)}),
                amounts.select("value", "suppressed"),
            ],
            how="horizontal",
        ).select(
            pl.lit(INDUSTRY_MEASURE).alias("measure"),
            "place_code",
            pl.lit("").alias("place_name"),
            pl.lit(str(PeriodKind.CALENDAR_YEAR)).alias("period_kind"),
            "year",
            "industry_code",
            "industry_name",
            "value",
            "suppressed",
        )
        return Checked(rows=frame.cast(STATISTIC_COLUMNS), rows_read=len(lines))

    def write(self, rows, record) -> int:
        return replace_statistics(record, rows, INDUSTRY_MEASURES)


@register
class GvaByIndustryItl2Importer(GvaByIndustryImporter):
    dataset = "ons-gva-industry-itl2"
    title = "ONS regional GVA(B) by industry, ITL2 areas, current prices (Table 2c)"
    default_files = ("ons_gva/itl2_gva_by_industry_current_prices.csv.gz",)
    level = PlaceLevel.ITL2


@register
class GvaByIndustryItl3Importer(GvaByIndustryImporter):
    dataset = "ons-gva-industry-itl3"
    title = "ONS regional GVA(B) by industry, ITL3 areas, current prices (Table 3c)"
    default_files = ("ons_gva/itl3_gva_by_industry_current_prices.csv.gz",)
    level = PlaceLevel.ITL3
