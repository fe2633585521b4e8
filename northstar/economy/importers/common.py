"""Pieces shared by the statistics importers: reading numbers as publishers write them, finding
places by code, and writing a dataset's values so that a re-import replaces the last one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from northstar.economy.models import Measure, PeriodKind, Statistic
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
        raise RowProblem(f"{text!r} is negative; this measure cannot be", column)
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


def place_ids_for(rows: list[StatisticRow]) -> dict[str, int]:
    """Ids of the rows' places, creating ITL areas the file named (write phase only)."""
    from northstar.places.services import ensure_itl_place

    ids = dict(Place.objects.values_list("code", "id"))
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


def replace_dataset_statistics(
    record: Import, rows: list[StatisticRow], measures: dict[str, dict]
) -> int:
    """Replace what earlier imports of this dataset wrote with these rows (inside the transaction)."""
    measure_ids = ensure_measures(measures)
    place_ids = place_ids_for(rows)
    Statistic.objects.filter(source_import__dataset=record.dataset).delete()
    Statistic.objects.bulk_create(
        (
            Statistic(
                measure_id=measure_ids[r.measure],
                place_id=place_ids[r.place_code],
                period_kind=r.period_kind,
                year=r.year,
                industry_code=r.industry_code,
                industry_name=r.industry_name,
                value=r.value,
                suppressed=r.suppressed,
                source_import=record,
            )
            for r in rows
        ),
        batch_size=2000,
    )
    return len(rows)


# --- Appended for the publishers' own formats (xlsx workbooks, wide CSVs, BRES) -----------------

# The most a Statistic.value (24 digits, 6 after the point) can hold before the point.
LARGEST_STORABLE = Decimal(10) ** 18


def parse_amount(text, column: str, *, allow_negative: bool = False) -> tuple[Decimal | None, bool]:
    """parse_number, and the value must fit the statistics table (under 10^18)."""
    value, suppressed = parse_number(text, column, allow_negative=allow_negative)
    if value is not None and abs(value) >= LARGEST_STORABLE:
        raise RowProblem(f"{text!r} is too large to be a published figure", column)
    return value, suppressed


class CellProblems(RowProblem):
    """Several cells of one row are bad; each is reported with its own column."""

    def __init__(self, problems: list[RowProblem]):
        super().__init__(problems[0].reason, problems[0].column)
        self.problems = problems


def prepare_every_cell(importer, path, progress=None):
    """Importer.prepare, except that a CellProblems row reports each of its bad cells.

    Wide files (one column per year) use it so that a row with three bad cells lists all three.
    `parse` may return one prepared value or a list of them (a wide row's cells).
    """
    from northstar.core.errors import RowError
    from northstar.ingest.framework import MAX_ERRORS_KEPT, Prepared

    prepared = Prepared()
    total = importer.count_rows(path)
    for line, raw in importer.read(path):
        prepared.rows_read += 1
        try:
            value = importer.parse(line, raw)
        except RowProblem as problem:
            for each in getattr(problem, "problems", [problem]):
                if len(prepared.errors) < MAX_ERRORS_KEPT:
                    prepared.errors.append(RowError(line, each.reason, each.column))
            continue
        if isinstance(value, list):
            prepared.rows.extend(value)
        elif value is not None:
            prepared.rows.append(value)
        if progress is not None and prepared.rows_read % 500 == 0:
            progress(prepared.rows_read, total)
    if progress is not None:
        progress(prepared.rows_read, total)
    return prepared


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


def _new_statistics(record: Import, rows: list[StatisticRow], measure_ids, place_ids) -> int:
    Statistic.objects.bulk_create(
        (
            Statistic(
                measure_id=measure_ids[r.measure],
                place_id=place_ids[r.place_code],
                period_kind=r.period_kind,
                year=r.year,
                industry_code=r.industry_code,
                industry_name=r.industry_name,
                value=r.value,
                suppressed=r.suppressed,
                source_import=record,
            )
            for r in rows
        ),
        batch_size=2000,
    )
    return len(rows)


def replace_measure_statistics(
    record: Import, rows: list[StatisticRow], measures: dict[str, dict]
) -> int:
    """Replace what earlier imports of this dataset wrote, and any other dataset's values for the
    same measure, place, period and industry, with these rows (inside the transaction).

    For two files that carry the same figures (a publisher's workbook and a tidy CSV made from it):
    whichever is imported last holds the values, and the constraint of one value per measure,
    place, period and industry holds.
    """
    measure_ids = ensure_measures(measures)
    place_ids = place_ids_for(rows)
    keys = {
        (measure_ids[r.measure], place_ids[r.place_code], r.period_kind, r.year, r.industry_code)
        for r in rows
    }
    Statistic.objects.filter(source_import__dataset=record.dataset).delete()
    if keys:
        overlapping = Statistic.objects.filter(
            measure_id__in={k[0] for k in keys},
            place_id__in={k[1] for k in keys},
            period_kind__in={k[2] for k in keys},
            year__in={k[3] for k in keys},
            industry_code__in={k[4] for k in keys},
        ).values_list("id", "measure_id", "place_id", "period_kind", "year", "industry_code")
        stale = [pk for pk, *key in overlapping if tuple(key) in keys]
        for start in range(0, len(stale), 900):
            Statistic.objects.filter(id__in=stale[start : start + 900]).delete()
    return _new_statistics(record, rows, measure_ids, place_ids)


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
            for row in reader:
                yield reader.line_num, row
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
    Statistic.objects.filter(pk__in=superseded).delete()
    Statistic.objects.bulk_create(
        (
            Statistic(
                measure_id=k[0],
                place_id=k[1],
                period_kind=r.period_kind,
                year=r.year,
                industry_code=r.industry_code,
                industry_name=r.industry_name,
                value=r.value,
                suppressed=r.suppressed,
                source_import=record,
            )
            for k, r in to_write
        ),
        batch_size=2000,
    )
    return len(to_write)


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


def insert_statistics(record: Import, rows: list[StatisticRow], measure_ids, place_ids) -> int:
    """Write Statistic rows with plain INSERTs in batches: what bulk_create does, without building
    a model instance per value (a file of 275,000 values writes in a few seconds, not tens)."""
    from django.db import connection

    meta = Statistic._meta
    names = (
        "measure",
        "place",
        "period_kind",
        "year",
        "industry_code",
        "industry_name",
        "value",
        "suppressed",
        "source_import",
    )
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    placeholders = ", ".join(["%s"] * len(names))
    # Table and column names come from the model, never from the file; values are parameters.
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    values = [
        (
            measure_ids[r.measure],
            place_ids[r.place_code],
            r.period_kind,
            r.year,
            r.industry_code,
            r.industry_name,
            r.value,
            r.suppressed,
            record.pk,
        )
        for r in rows
    ]
    with connection.cursor() as cursor:
        copy = getattr(cursor.cursor, "copy", None)  # psycopg 3 on PostgreSQL: COPY is fastest
        if connection.vendor == "postgresql" and copy is not None:
            with copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as stream:
                for row in values:
                    stream.write_row(row)
        else:
            for start in range(0, len(values), 5000):
                cursor.executemany(sql, values[start : start + 5000])
    return len(values)


def replace_dataset_statistics_in_bulk(
    record: Import, rows: list[StatisticRow], measures: dict[str, dict]
) -> int:
    """replace_dataset_statistics for files of hundreds of thousands of values."""
    measure_ids = ensure_measures(measures)
    place_ids = place_ids_for(rows)
    Statistic.objects.filter(source_import__dataset=record.dataset).delete()
    return insert_statistics(record, rows, measure_ids, place_ids)
