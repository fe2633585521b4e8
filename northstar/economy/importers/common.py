"""Pieces shared by the statistics importers: reading numbers as publishers write them, finding
places by code, and writing a dataset's values so that a re-import replaces the last one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl

from northstar.economy.models import Measure, PeriodKind, Statistic
from northstar.ingest import bulk
from northstar.ingest.framework import RowProblem
from northstar.ingest.models import Import
from northstar.places.models import Place

# Cells that publishers use for "no figure": confidential, not available, not applicable, etc.
SUPPRESSED_MARKERS = {
    "[c]",
    "[x]",
    "[z]",
    "[low]",
    "..",
    ".",
    "..c",
    "x",
    "c",
    "-",
    "*",
    "na",
    "n/a",
    ":",
}
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(\D|$))")


@dataclass(frozen=True, slots=True)
class StatisticRow:
    measure: str
    place_code: str  # an ITL/GSS code of a known place, or an ITL code to create (with place_name)
    year: int
    value: Decimal | None
    suppressed: bool = False
    industry_code: str = ""
    industry_name: str = ""
    period_kind: str = PeriodKind.CALENDAR_YEAR
    place_name: str = ""


def parse_number(text, column: str, *, allow_negative: bool = False) -> tuple[Decimal | None, bool]:
    """A publisher's number: '12,219' → 12219; suppression markers → (None, True); else RowProblem."""
    if text is None:
        raise RowProblem("the cell is empty", column)
    if isinstance(text, int | float | Decimal) and not isinstance(text, bool):
        value = Decimal(str(text))
    else:
        cleaned = str(text).strip()
        if cleaned.lower() in SUPPRESSED_MARKERS:
            return None, True
        if cleaned == "":
            raise RowProblem("the cell is empty", column)
        cleaned = THOUSANDS.sub("", cleaned).replace("£", "").strip()
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            raise RowProblem(f"{text!r} is not a number", column) from None
    if not value.is_finite():
        raise RowProblem(f"{text!r} is not a finite number", column)
    if value < 0 and not allow_negative:
        raise RowProblem(f"{text!r} is negative; this measure cannot be below zero", column)
    return value, False


def parse_year(text, column: str, *, earliest: int = 1900, latest: int = 2100) -> int:
    cleaned = str(text).strip()
    if cleaned.endswith(".0"):
        cleaned = cleaned[:-2]
    if not (cleaned.isascii() and cleaned.isdigit()):
        raise RowProblem(f"{text!r} is not a year", column)
    year = int(cleaned)
    if not earliest <= year <= latest:
        raise RowProblem(
            f"{year} is outside the years this file can hold ({earliest}–{latest})", column
        )
    return year


class PlaceCodes:
    """Checks area codes against the known places without a query per row.

    `itl_names` lets a file that names its ITL areas (code + name) bring new ITL places with it:
    they are created in the write phase, inside the import's transaction.
    """

    def __init__(self, scheme: str | None = None, *, create_itl: bool = False):
        from northstar.places.models import PlaceCode
        from northstar.places.services import nuts2016_to_itl2021

        self._convert = nuts2016_to_itl2021 if scheme == "nuts2016" else (lambda c: c)
        self.known = set(Place.objects.values_list("code", flat=True))
        self.aliases = dict(
            PlaceCode.objects.filter(**({"scheme": scheme} if scheme else {})).values_list(
                "code", "place__code"
            )
        )
        self.create_itl = create_itl

    def __call__(self, code: str, column: str) -> str:
        """The canonical code of the place `code` means, or RowProblem."""
        from northstar.places.services import itl_level_of

        code = (code or "").strip()
        for candidate in (code, self._convert(code), self.aliases.get(code)):
            if candidate and candidate in self.known:
                return candidate
        if self.create_itl and itl_level_of(self._convert(code)):
            return self._convert(code)
        raise RowProblem(f"area code {code!r} is not a known place", column)


def place_ids_for(rows) -> dict[str, int]:
    """Ids of the rows' places (StatisticRows or a statistics frame), creating ITL areas the file
    named (write phase only)."""
    from northstar.places.services import ensure_itl_place

    ids = dict(Place.objects.values_list("code", "id"))
    if isinstance(rows, pl.DataFrame):
        unknown = (
            rows.filter(~pl.col("place_code").is_in(list(ids)))
            .group_by("place_code", maintain_order=True)
            .agg(pl.col("place_name").last())
        )
        names = dict(unknown.iter_rows())
    else:
        names = {r.place_code: r.place_name for r in rows if r.place_code not in ids}
    # Parents first (UK, then ITL1, ITL2, ITL3): shorter codes are higher levels.
    for code in sorted(names, key=lambda c: (c != "UK", len(c))):
        ids[code] = ensure_itl_place(code, names[code] or code).pk
    return ids


def ensure_measures(measures: dict[str, dict]) -> dict[str, int]:
    """Create or update the measures a dataset writes; returns their ids by code."""
    ids = {}
    for code, fields in measures.items():
        measure, _ = Measure.objects.update_or_create(code=code, defaults=fields)
        ids[code] = measure.pk
    return ids


# --- Writing a dataset's values ----------------------------------------------------------------

# The prepared rows of a statistics file as columns: what a vectorised importer hands to the
# write phase (StatisticRows are turned into the same frame).
STATISTIC_COLUMNS: dict[str, Any] = {
    "measure": pl.String,
    "place_code": pl.String,
    "place_name": pl.String,
    "period_kind": pl.String,
    "year": pl.Int64,
    "industry_code": pl.String,
    "industry_name": pl.String,
    "value": pl.String,  # the number as text, which the database reads exactly; null for a gap
    "suppressed": pl.Boolean,
}
# The Statistic columns written, in this order.
STATISTIC_FIELDS = (
    "measure_id",
    "place_id",
    "period_kind",
    "year",
    "industry_code",
    "industry_name",
    "value",
    "suppressed",
    "source_import_id",
)
FIGURE_KEY = ("measure_id", "place_id", "period_kind", "year", "industry_code")


def statistics_frame(rows) -> pl.DataFrame:
    """StatisticRows as a statistics frame (a frame is returned as it is)."""
    if isinstance(rows, pl.DataFrame):
        return rows
    return pl.DataFrame(
        [
            (
                r.measure,
                r.place_code,
                r.place_name,
                str(r.period_kind),
                r.year,
                r.industry_code,
                r.industry_name,
                None if r.value is None else str(r.value),
                r.suppressed,
            )
            for r in rows
        ],
        schema=STATISTIC_COLUMNS,
        orient="row",
    )


def keyed_statistics(
    record: Import, rows, measure_ids: dict[str, int], place_ids: dict[str, int]
) -> pl.DataFrame:
    """The rows as Statistic columns (STATISTIC_FIELDS): measure and place ids, the import."""
    frame = statistics_frame(rows)
    return frame.select(
        pl.col("measure").replace_strict(measure_ids, return_dtype=pl.Int64).alias("measure_id"),
        pl.col("place_code").replace_strict(place_ids, return_dtype=pl.Int64).alias("place_id"),
        "period_kind",
        "year",
        "industry_code",
        "industry_name",
        "value",
        "suppressed",
        pl.lit(record.pk, dtype=pl.Int64).alias("source_import_id"),
    )


def insert_statistics(keyed: pl.DataFrame) -> int:
    """Write keyed Statistic rows with COPY (PostgreSQL) or executemany (SQLite): what
    bulk_create does, without a model instance per value (275,000 values in about a second)."""
    return bulk.insert(Statistic, STATISTIC_FIELDS, keyed)


def replace_statistics(
    record: Import, rows, measures: dict[str, dict], *, displace_other_datasets: bool = False
) -> int:
    """Replace what earlier imports of this dataset wrote with these rows (StatisticRows, or a
    statistics frame), inside the import's transaction. Returns how many were written.

    `displace_other_datasets`: also remove any other dataset's value for the same measure, place,
    period, year and industry. For two files that carry the same figures (a publisher's workbook
    and a tidy CSV made from it): whichever is imported last holds the values, and the constraint
    of one value per measure, place, period and industry holds. Without it, another dataset's
    value for the same figure stays and the database refuses the import (importers that may meet
    one refuse it readably first: refuse_figures_of_other_datasets).
    """
    measure_ids = ensure_measures(measures)
    frame = statistics_frame(rows)
    place_ids = place_ids_for(frame)
    keyed = keyed_statistics(record, frame, measure_ids, place_ids)
    Statistic.objects.filter(source_import__dataset=record.dataset).delete()
    if displace_other_datasets and keyed.height:
        keys = set(keyed.select(FIGURE_KEY).unique().iter_rows())
        overlapping = Statistic.objects.filter(
            measure_id__in={k[0] for k in keys},
            place_id__in={k[1] for k in keys},
            period_kind__in={k[2] for k in keys},
            year__in={k[3] for k in keys},
            industry_code__in={k[4] for k in keys},
        ).values_list("id", *FIGURE_KEY)
        stale = [pk for pk, *key in overlapping if tuple(key) in keys]
        bulk.delete_in_chunks(Statistic.objects.all(), stale)
    return insert_statistics(keyed)


# --- Appended for the publishers' own formats (xlsx workbooks, wide CSVs, BRES) -----------------

# The most a Statistic.value (24 digits, 6 after the point) can hold before the point.
LARGEST_STORABLE = Decimal(10) ** 18


def parse_amount(text, column: str, *, allow_negative: bool = False) -> tuple[Decimal | None, bool]:
    """parse_number, and the value must fit the statistics table (under 10^18)."""
    value, suppressed = parse_number(text, column, allow_negative=allow_negative)
    if value is not None and abs(value) >= LARGEST_STORABLE:
        raise RowProblem(f"{text!r} is too large to be a published figure", column)
    return value, suppressed


# A number in the one form whose value is plainly its text without the commas: ASCII digits,
# thousands grouped by commas or not, no leading zeros, an optional minus and decimals, spaces
# or tabs around. parse_number reads such a text to Decimal(that text); parse_amounts reads it
# in Polars and hands every other text (markers, '£', '1e3', '0012', …) to parse_amount itself.
PLAIN_NUMBER = r"^[ \t]*-?(?:0|[1-9][0-9]{0,2}(?:,[0-9]{3})+|[1-9][0-9]*)(?:\.[0-9]+)?[ \t]*$"


def parse_amounts(texts: pl.Series, *, allow_negative: bool = False) -> pl.DataFrame:
    """parse_amount over a column of cells at once. One row per cell: `value` (the number's text,
    what str() of parse_amount's Decimal reads as; null for a gap), `suppressed`, and `bad`
    (parse_amount raises RowProblem for the cell: the row-by-row parser words why)."""
    frame = pl.DataFrame({"text": texts.cast(pl.String)})
    number = pl.col("text").str.strip_chars(" \t").str.replace_all(",", "", literal=True)
    # At most 18 characters (sign and point included): under 10^18; longer ones are rare
    # enough for parse_amount.
    fast = pl.col("text").str.contains(PLAIN_NUMBER) & (number.str.len_bytes() <= 18)
    if not allow_negative:
        fast = fast & ~number.str.starts_with("-")
    frame = frame.with_columns(fast.fill_null(False).alias("fast"), number.alias("number"))
    others = frame.filter(~pl.col("fast") & pl.col("text").is_not_null())
    read: dict[str, tuple[str | None, bool, bool]] = {}
    for text in others.get_column("text").unique().to_list():
        try:
            value, suppressed = parse_amount(text, "", allow_negative=allow_negative)
        except RowProblem:
            read[text] = (None, False, True)
        else:
            read[text] = (None if value is None else str(value), suppressed, False)

    def looked_up(index: int, dtype) -> pl.Expr:
        if not read:
            return pl.lit(None, dtype=dtype)
        mapping = {text: found[index] for text, found in read.items()}
        return pl.col("text").replace_strict(mapping, default=None, return_dtype=dtype)

    fast = pl.col("fast")
    return frame.select(
        pl.when(fast).then(pl.col("number")).otherwise(looked_up(0, pl.String)).alias("value"),
        pl.when(fast)
        .then(pl.lit(False))
        .otherwise(looked_up(1, pl.Boolean).fill_null(False))
        .alias("suppressed"),
        pl.when(fast)
        .then(pl.lit(False))
        .when(pl.col("text").is_null())
        .then(pl.lit(True))  # a missing cell: "the cell is empty"
        .otherwise(looked_up(2, pl.Boolean).fill_null(True))
        .alias("bad"),
    )


class DuplicateKeys:
    """Finds a second row for the same measure, place, period and industry in one file."""

    def __init__(self):
        self.seen: dict[tuple, str] = {}

    def check(self, row: StatisticRow, where: str, column: str) -> None:
        key = (row.measure, row.place_code, row.period_kind, row.year, row.industry_code)
        first = self.seen.setdefault(key, where)
        if first != where:
            what = f"{row.place_code} {row.year}" + (
                f" {row.industry_code}" if row.industry_code else ""
            )
            raise RowProblem(f"a second value for {what} (the first is at {first})", column)


def ensure_name_aliases(level: str, names: dict[str, str] | None = None) -> int:
    """Record each place's own name, and `names` (published name → place code), as 'name'
    aliases; a name already recorded for another place is left as it is. Returns how many new."""
    from northstar.places.models import CodeScheme, PlaceCode

    places = dict(Place.objects.filter(level=level).values_list("code", "id"))
    wanted = {
        name: code for code, name in Place.objects.filter(level=level).values_list("code", "name")
    }
    wanted.update({name.strip(): code for name, code in (names or {}).items() if name.strip()})
    taken = set(PlaceCode.objects.filter(scheme=CodeScheme.NAME).values_list("code", flat=True))
    new = [
        PlaceCode(place_id=places[code], scheme=CodeScheme.NAME, code=name[:120])
        for name, code in wanted.items()
        if code in places and name[:120] not in taken
    ]
    PlaceCode.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def latest_published_year() -> int:
    """No published outturn can be for a year after this one."""
    from datetime import date

    return date.today().year


def read_csv_rows(path, required: tuple[str, ...], on_header=None):
    """(line number, row) of a CSV file, gzip-compressed or not, as publishers save them.

    A missing column, a file that is not text, or a damaged gzip stream is a UserInputError;
    `on_header(fieldnames)` may check the header further (and raise UserInputError).
    """
    return _read_csv(path, required, on_header, as_dicts=True)


def read_csv_cells(path, required: tuple[str, ...], on_header=None):
    """read_csv_rows for a reader of whole columns: first (0, the column names), then
    (line number, the row's cells as a list) for each row that is not blank. The same reading,
    checks and UserInputErrors as read_csv_rows."""
    return _read_csv(path, required, on_header, as_dicts=False)


def _read_csv(path, required: tuple[str, ...], on_header, *, as_dicts: bool):
    import csv
    import gzip
    import io
    import zlib

    from northstar.core.errors import UserInputError

    with open(path, "rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
    opener = gzip.open if compressed else open
    try:
        with (
            opener(path, "rb") as binary,
            io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as text,
        ):
            reader = csv.DictReader(text)
            fieldnames = [(f or "").strip() for f in reader.fieldnames or []]
            reader.fieldnames = fieldnames
            missing = [c for c in required if c not in fieldnames]
            if missing:
                raise UserInputError(
                    f"{path.name} lacks the column(s) {', '.join(missing)} "
                    f"(its header is: {', '.join(fieldnames) or 'empty'})."
                )
            if on_header is not None:
                on_header(fieldnames)
            if as_dicts:
                for row in reader:
                    yield reader.line_num, row
            else:
                yield 0, fieldnames
                cells = reader.reader  # the csv.reader under the DictReader, past the header
                for row in cells:
                    if row:  # DictReader skips blank rows too
                        yield cells.line_num, row
    except UnicodeDecodeError as exc:
        raise UserInputError(
            f"{path.name} is not UTF-8 text (byte {exc.start} of a line cannot be read)."
        ) from None
    except (EOFError, OSError, zlib.error, csv.Error) as exc:
        kind = "gzip-compressed CSV" if compressed else "CSV"
        raise UserInputError(f"{path.name} is not a readable {kind} file: {exc}.") from None


# --- Helpers for publishers' own formats (BERD, Nesta, 360Giving) -----------------------------


def normalise_place_name(text: str) -> str:
    """A place name as a key: case, punctuation, '&' and spacing do not matter.

    'Northumberland, and Tyne and Wear' and 'NORTHUMBERLAND AND TYNE & WEAR' give the same key.
    """
    import unicodedata

    text = unicodedata.normalize("NFKD", (text or "").casefold()).replace("&", " and ")
    text = "".join(c for c in text if not unicodedata.combining(c))  # "Môn" → "mon"
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


class PlaceNames:
    """Finds places of the given levels by name, for files that name areas without codes.

    Names come from the places themselves and from PlaceCode aliases of scheme 'name' (so an
    officer can teach it another spelling in the admin); matching ignores case and punctuation.
    A name two places share is refused rather than guessed.
    """

    def __init__(self, *levels: str):
        from northstar.places.models import CodeScheme, PlaceCode

        self.levels = levels
        names: dict[str, set[str]] = {}
        for name, code in Place.objects.filter(level__in=levels).values_list("name", "code"):
            names.setdefault(normalise_place_name(name), set()).add(code)
        aliases = PlaceCode.objects.filter(scheme=CodeScheme.NAME, place__level__in=levels)
        for alias, code in aliases.values_list("code", "place__code"):
            names.setdefault(normalise_place_name(alias), set()).add(code)
        self.codes = names

    def __call__(self, name: str, column: str) -> str:
        codes = self.codes.get(normalise_place_name(name), set())
        if len(codes) == 1:
            return next(iter(codes))
        levels = ", ".join(str(level).upper() for level in self.levels)
        if codes:
            raise RowProblem(
                f"{name!r} names more than one {levels} place ({', '.join(sorted(codes))})", column
            )
        if not self.codes:
            raise RowProblem(
                f"no {levels} places are loaded, so {name!r} cannot be matched; import the ITL "
                "places first (e.g. `northstar import ons-gva-itl FILE`)",
                column,
            )
        raise RowProblem(f"{name!r} is not the name of a known {levels} place", column)


class RowKeys:
    """Catches a file that gives two values for the same thing.

    `seen(key, line, value)` returns False the first time, True for an exact repeat (skip it), and
    raises RowProblem for a second, different value.
    """

    def __init__(self):
        self.first: dict = {}

    def seen(self, key, line: int, value, column: str = "") -> bool:
        if key not in self.first:
            self.first[key] = (line, value)
            return False
        first_line, first_value = self.first[key]
        if first_value == value:
            return True
        raise RowProblem(
            f"a second, different value for the same figure (line {first_line} gives "
            f"{first_value}, this line {value})",
            column,
        )


def json_items_with_lines(text: str, key: str | None = None):
    """Yield (line number, index, item) for each item of a JSON array, with the line it starts on.

    The array is the whole document, or (with `key`) the member `key` of a top-level object.
    The document must already be known to be valid JSON (call json.loads on it first).
    """
    import json

    decoder = json.JSONDecoder(parse_float=Decimal)  # numbers as written, never via float
    ws = re.compile(r"[ \t\n\r]*")

    def skip(pos: int) -> int:
        return ws.match(text, pos).end()

    def items(pos: int):
        # text[pos] == "["
        pos = skip(pos + 1)
        index, line, counted = 0, text.count("\n", 0, pos) + 1, pos
        if text[pos] == "]":
            return
        while True:
            line, counted = line + text.count("\n", counted, pos), pos  # linear, not quadratic
            item, pos = decoder.raw_decode(text, pos)
            yield line, index, item
            index += 1
            pos = skip(pos)
            if text[pos] == ",":
                pos = skip(pos + 1)
                continue
            return  # "]"

    pos = skip(0)
    if text.startswith("\ufeff"):
        pos = skip(1)
    if key is None:
        if text[pos] == "[":
            yield from items(pos)
        return
    if text[pos] != "{":
        return
    pos = skip(pos + 1)
    while pos < len(text) and text[pos] != "}":
        name, pos = decoder.raw_decode(text, pos)
        pos = skip(skip(pos) + 1)  # the colon
        if name == key and text[pos] == "[":
            yield from items(pos)
            return
        _, pos = decoder.raw_decode(text, pos)
        pos = skip(pos)
        if text[pos] == ",":
            pos = skip(pos + 1)


def replace_edition_statistics(
    record: Import, rows: list[StatisticRow], measures: dict[str, dict], edition: int
) -> int:
    """Write one edition of a publication whose editions overlap; the newer edition wins.

    Several files of one dataset can each hold part of a series (e.g. SMC State of the Nation 2025
    and 2026, each revising earlier years). `edition` orders them (the file's latest year). Each
    figure (measure, place, period, year, industry) is kept from the newest edition that has it:
    this file's rows replace an older edition's figures and never a newer edition's; an earlier
    import of the same edition is replaced whole, so importing a file again changes nothing. An
    earlier import's edition is the latest year it still holds. Returns the rows written.
    """
    from django.db.models import Max

    measure_ids = ensure_measures(measures)
    place_ids = place_ids_for(rows)
    earlier = Statistic.objects.filter(source_import__dataset=record.dataset).exclude(
        source_import=record
    )
    editions = dict(
        earlier.values("source_import")
        .annotate(latest=Max("year"))
        .values_list("source_import", "latest")
    )
    same = [pk for pk, latest in editions.items() if latest == edition]
    newer = [pk for pk, latest in editions.items() if latest > edition]
    older = [pk for pk, latest in editions.items() if latest < edition]
    earlier.filter(source_import__in=same).delete()

    def key(measure_id, place_id, period_kind, year, industry_code):
        return (measure_id, place_id, period_kind, year, industry_code)

    fields = ("measure_id", "place_id", "period_kind", "year", "industry_code")
    kept_newer = {key(*k) for k in earlier.filter(source_import__in=newer).values_list(*fields)}
    incoming = [
        (
            key(
                measure_ids[r.measure],
                place_ids[r.place_code],
                r.period_kind,
                r.year,
                r.industry_code,
            ),
            r,
        )
        for r in rows
    ]
    to_write = [(k, r) for k, r in incoming if k not in kept_newer]
    wanted = {k for k, _ in to_write}
    superseded = [
        pk
        for pk, *k in earlier.filter(source_import__in=older).values_list("pk", *fields)
        if key(*k) in wanted
    ]
    bulk.delete_in_chunks(Statistic.objects.all(), superseded)
    return insert_statistics(
        keyed_statistics(record, [r for _, r in to_write], measure_ids, place_ids)
    )


def refuse_figures_of_other_datasets(record: Import, rows: list[StatisticRow]) -> None:
    """UserInputError if another dataset already holds a figure these rows would write.

    Two datasets must not both claim, e.g., BERD for Merseyside in 2018: the database holds one
    value per measure, place, period and industry, and which one is right is a person's call.
    """
    from northstar.core.errors import UserInputError

    if not rows:
        return
    wanted = {(r.measure, r.place_code, r.period_kind, r.year, r.industry_code) for r in rows}
    held = (
        Statistic.objects.filter(
            measure__code__in={r.measure for r in rows},
            place__code__in={r.place_code for r in rows},
            year__in={r.year for r in rows},
        )
        .exclude(source_import__dataset=record.dataset)
        .values_list(
            "measure__code",
            "place__code",
            "period_kind",
            "year",
            "industry_code",
            "source_import__dataset",
        )
    )
    clashes = sorted({(*k[:5], k[5]) for k in held if tuple(k[:5]) in wanted})
    if clashes:
        raise UserInputError(
            f"{len(clashes)} figure(s) in this file are already held by another dataset; "
            "remove that dataset's import first if this one should replace it.",
            details=[
                f"{measure} for {place}, {year}{' ' + industry if industry else ''}: "
                f"held by {dataset}"
                for measure, place, _, year, industry, dataset in clashes[:50]
            ],
        )
