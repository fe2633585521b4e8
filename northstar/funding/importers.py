"""Innovate UK's participant-level "funded projects" transparency data: the published workbook
(xlsx) and the CSV export of the same layout.

The workbook has a title and notes area above the header row and a sheet name that changes
between releases, so the reader looks for the sheet and row that hold the header. Files run to
hundreds of thousands of rows, so `prepare` reads and validates whole columns at once with Polars
(cells.py has each quirk twice: a vectorised reader and a scalar one that words the errors) and
keeps each row's number as a spreadsheet shows it; `write` links the file's participants to
organisations in one call, loads the rows with COPY (PostgreSQL) or executemany (SQLite)
(northstar/ingest/bulk.py), and writes the tables of totals the analysis reads (models.py:
ParticipationTotal and the others).

A re-import replaces every participation the dataset holds; competitions, projects, programmes
and sectors are updated in place (their ids stay) and those no longer named are removed.
Participants are linked to Organisations by the organisations app (`link_records`), so an
organisation keeps its id across re-imports.
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastexcel
import polars as pl
from django.db import connection

from northstar.core.errors import RowError, UserInputError
from northstar.ingest import bulk
from northstar.ingest.framework import (
    MAX_ERRORS_KEPT,
    Importer,
    Prepared,
    Progress,
    RowProblem,
    register,
)
from northstar.ingest.models import Import

from . import cells
from . import layout as L
from .calculations import financial_year_start, year_gaps_of_pairs
from .models import (
    DATASET,
    Competition,
    DistinctYearGap,
    GapCounted,
    Participation,
    ParticipationAreaTotal,
    ParticipationNationalTotal,
    ParticipationTotal,
    PlaceSource,
    Programme,
    Project,
    Sector,
)

CSV_HEAD_BYTES = 1 << 20  # the header is looked for in the first MiB

# calamine holds a whole sheet in memory several times over while it reads it (every cell in a
# list, then in a grid, each text in its own allocation: ~1.4 GiB for 500,000 rows of 27
# columns), so a sheet bigger than this (as XML) is given to it a window of rows at a time.
XLSX_WHOLE_SHEET_BYTES = 64 << 20
XLSX_WINDOW_BYTES = 48 << 20
XLSX_READ_BYTES = 8 << 20
ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
ROW_NUMBER = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?row\b[^>]*?\sr="([0-9]+)"')
XML_ATTRIBUTE = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
EMPTY_SHEET = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData/></worksheet>"
)
SHEET_DATA = re.compile(rb"<([A-Za-z_][\w.-]*:)?sheetData[\s>]")

# The prepared rows: one per participant, with these columns (the write phase's input).
SCHEMA: dict[str, Any] = {
    "line": pl.Int64,
    "competition_reference": pl.String,
    "competition_title": pl.String,
    "programme_title": pl.String,
    "sector": pl.String,
    "project_number": pl.String,
    "project_title": pl.String,
    "project_status": pl.String,
    "project_status_label": pl.String,
    "start_date": pl.Date,
    "end_date": pl.Date,
    "financial_year_start": pl.Int64,
    "participant_name": pl.String,
    "crn": pl.String,
    "is_lead": pl.Boolean,
    "award_pence": pl.Int64,
    "total_costs_pence": pl.Int64,
    "actual_spend_pence": pl.Int64,
    "withdrawn": pl.Boolean,
    "enterprise_size": pl.String,
    "enterprise_size_label": pl.String,
    "is_sme": pl.Boolean,
    "postcode": pl.String,
    "region_name": pl.String,
    "lep_name": pl.String,
    "local_authority_name": pl.String,
    "local_authority_key": pl.String,
    "place_id": pl.Int64,
    "place_source": pl.String,
    "source_key": pl.String,
}


def postcode_locator():
    """The places app's postcode lookup, when it has one (a function of the postcode's text
    returning a Place, something with a `place`, or None)."""
    try:
        from northstar.places.services import locate_postcode  # type: ignore[attr-defined]
    except ImportError:
        return None
    return locate_postcode


def postcodes_held(codes: list[str]) -> set[str] | None:
    """Which of these postcodes (upper case, no spaces) the places app holds, itself or by its
    district; None if it keeps no postcode tables (then each one is asked about)."""
    try:
        from northstar.places.models import Postcode, PostcodeDistrict  # type: ignore[attr-defined]
    except ImportError:
        return None
    held: set[str] = set()
    for i in range(0, len(codes), 500):
        held |= set(
            Postcode.objects.filter(code__in=codes[i : i + 500]).values_list("code", flat=True)
        )
    districts = set(PostcodeDistrict.objects.values_list("district", flat=True).distinct())
    districts |= set(Postcode.objects.values_list("district", flat=True).distinct())
    return held | {code for code in codes if code[:-3] in districts}


def _place_id_of(result) -> int | None:
    from northstar.places.models import Place

    if result is None:
        return None
    if isinstance(result, Place):
        return result.pk
    if isinstance(result, int) and not isinstance(result, bool):
        return result
    for attr in ("place_id", "lad_id"):
        value = getattr(result, attr, None)
        if isinstance(value, int):
            return value
    for attr in ("place", "lad"):
        value = getattr(result, attr, None)
        if isinstance(value, Place):
            return value.pk
    return None


class PlaceIndex:
    """The local authority districts Northstar knows, by name key and by code, and name aliases
    (PlaceCode scheme 'name'): 'St. Helens' and 'St Helens' both find E08000013."""

    def __init__(self):
        from northstar.places.models import CodeScheme, Place, PlaceCode, PlaceLevel

        lads = Place.objects.filter(level=PlaceLevel.LAD)
        self.by_key: dict[str, int] = {}
        self.by_code: dict[str, int] = {}
        for pk, code, name in lads.values_list("pk", "code", "name"):
            self.by_key.setdefault(cells.place_key(name), pk)
            self.by_code[code.upper()] = pk
        aliases = PlaceCode.objects.filter(place__level=PlaceLevel.LAD)
        for scheme, code, pk in aliases.values_list("scheme", "code", "place_id"):
            if scheme == CodeScheme.NAME:
                self.by_key.setdefault(cells.place_key(code), pk)
            elif scheme == CodeScheme.GSS:
                self.by_code.setdefault(code.upper(), pk)
        self.locate = postcode_locator()
        self._postcodes: dict[str, int | None] = {}

    def by_local_authority(self, name: str) -> int | None:
        return self.by_key.get(cells.place_key(name)) or self.by_code.get(cells.clean(name).upper())

    def by_postcodes(self, postcodes: list[str]) -> dict[str, int]:
        """Places of many postcodes: only those the places app holds (the postcode, or its
        district) are looked up, one by one, with its `locate_postcode`."""
        if self.locate is None:
            return {}
        wanted = {p.replace(" ", ""): p for p in postcodes if p and cells.is_full_postcode(p)}
        held = postcodes_held(list(wanted))
        known = [p for code, p in wanted.items() if held is None or code in held]
        found = {p: self.by_postcode(p) for p in known}
        return {p: pk for p, pk in found.items() if pk is not None}

    def by_postcode(self, postcode: str) -> int | None:
        if self.locate is None or not cells.is_full_postcode(postcode):
            return None
        if postcode not in self._postcodes:
            try:
                self._postcodes[postcode] = _place_id_of(self.locate(postcode))
            except UserInputError:
                self._postcodes[postcode] = None
        return self._postcodes[postcode]


def _required_text(value, column: str) -> str:
    text = " ".join(cells.clean(value).split())
    if not text:
        raise RowProblem("the cell is empty", column)
    return text


def _text(value) -> str:
    return " ".join(cells.clean(value).split())


# The checks of a row, in order; each is (column, scalar reader raising RowProblem).
SCALAR_CHECKS = (
    (L.PROJECT_NUMBER, lambda v: _required_text(v, L.PROJECT_NUMBER)),
    (L.PARTICIPANT_NAME, lambda v: _required_text(v, L.PARTICIPANT_NAME)),
    (L.COMPETITION_REFERENCE, lambda v: _required_text(v, L.COMPETITION_REFERENCE)),
    (L.START_DATE, lambda v: cells.parse_date(v, L.START_DATE, required=True)),
    (L.END_DATE, lambda v: cells.parse_date(v, L.END_DATE, required=False)),
    (L.AWARD_OFFERED, lambda v: cells.parse_money(v, L.AWARD_OFFERED, required=True)),
    (L.TOTAL_COSTS, lambda v: cells.parse_money(v, L.TOTAL_COSTS, required=False)),
    (
        L.ACTUAL_SPEND,
        lambda v: cells.parse_money(v, L.ACTUAL_SPEND, required=False, allow_negative=True),
    ),
    (L.IS_LEAD, lambda v: cells.parse_flag(v, L.IS_LEAD)),
    (L.WITHDRAWN, lambda v: cells.parse_flag(v, L.WITHDRAWN)),
    (L.ENTERPRISE_SIZE, lambda v: cells.parse_size(v, L.ENTERPRISE_SIZE)),
    (L.CRN, lambda v: cells.normalise_crn(v, L.CRN)),
)
CHECK = dict(SCALAR_CHECKS)


@register
class InnovateUkParticipantsImporter(Importer):
    """Innovate UK funded projects, one row per participant per project (xlsx or CSV)."""

    dataset = DATASET
    title = "Innovate UK funded projects: participant-level transparency data (xlsx or CSV)"
    publisher = "Innovate UK (UK Research and Innovation)"
    # No copy is held under the data folder: officers download the current release.
    default_files = ()
    extensions = (".xlsx", ".csv")
    order = 60

    def __init__(self):
        self._places: PlaceIndex | None = None

    @property
    def places(self) -> PlaceIndex:
        if self._places is None:
            self._places = PlaceIndex()
        return self._places

    # --------------------------------------------------------------------------------------
    # Finding the header and reading rows (both formats).
    # --------------------------------------------------------------------------------------

    @staticmethod
    def is_xlsx(path: Path) -> bool:
        with path.open("rb") as f:
            magic = f.read(8)
        if magic.startswith(b"\xd0\xcf\x11\xe0"):
            raise UserInputError(
                f"{path.name} is an old-style Excel (.xls) file; save it as .xlsx or CSV first."
            )
        return magic.startswith(b"PK")

    @staticmethod
    def _columns(header: list, file_name: str) -> dict[str, int]:
        """Published column name → position, checking that every column read is there."""
        positions: dict[str, int] = {}
        for index, cell in enumerate(header):
            name = L.canonical_header(cell)
            if name is not None:
                positions.setdefault(name, index)
        missing = [c for c in L.REQUIRED_COLUMNS if c not in positions]
        if missing:
            raise UserInputError(
                f"{file_name} lacks the column(s) {', '.join(missing)} of Innovate UK's "
                "participant-level funded projects data.",
            )
        return positions

    def _no_header(self, file_name: str) -> UserInputError:
        return UserInputError(
            f"{file_name} has no header row of Innovate UK's funded projects data: looked in the "
            f"first {L.HEADER_SEARCH_ROWS} rows of every sheet for the columns "
            + ", ".join(L.HEADER_MARKERS)
            + "."
        )

    def _open_workbook(self, path: Path):
        """The workbook, read with calamine (fastexcel): a compiled reader, many times faster
        than openpyxl on a file of hundreds of thousands of rows."""
        try:
            return fastexcel.read_excel(path)
        except (fastexcel.FastExcelError, OSError) as exc:
            raise self._unreadable(path, exc) from exc

    @staticmethod
    def _unreadable(path: Path, exc: Exception) -> UserInputError:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return UserInputError(f"{path.name} is not a readable Excel workbook ({reason}).")

    def _xlsx_frame(self, path: Path, progress: Progress | None) -> pl.DataFrame:
        """Every row under the header, as the text a spreadsheet shows, by published column
        name, with its row number in 'line'. The header is the first row, within the first
        HEADER_SEARCH_ROWS of the first sheet that has one, that names the marker columns."""
        book = self._open_workbook(path)
        for index in range(len(book.sheet_names)):
            pieces = self._sheet_pieces(book, index, path)
            first = next(pieces)
            # The header is looked for in the sheet's first rows, wherever the piece starts.
            head = first.frame.head(L.HEADER_SEARCH_ROWS + 1 - first.first_line)
            for number, row in enumerate(head.iter_rows(), start=1):
                if not L.is_header_row(row):
                    continue
                columns = {
                    name: first.absolute_index[i]
                    for name, i in self._columns(list(row), path.name).items()
                }
                frames = [first.text(columns, skip=number)]
                del first
                for piece in pieces:
                    frames.append(piece.text(columns))
                    if progress is not None:
                        progress(sum(f.height for f in frames), None)
                frame = pl.concat(frames, rechunk=True)  # validated faster and smaller whole
                del frames
                _return_freed_memory()
                if progress is not None:
                    progress(frame.height, None)
                return frame
            pieces.close()
        raise self._no_header(path.name)

    def _sheet_pieces(self, book, index: int, path: Path) -> Iterator[SheetPiece]:
        """A sheet's cells as text, from its first row: the whole sheet at once, or a big one
        in windows of about XLSX_WINDOW_BYTES of rows (see XLSX_WHOLE_SHEET_BYTES)."""
        windows = _sheet_windows(path, index)
        if windows is None:
            yield SheetPiece(self._load_sheet(book, index, path), first_line=1)
            return
        try:
            for first_line, workbook in windows:
                yield SheetPiece(self._load_window(workbook, index, first_line, path), first_line)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise self._unreadable(path, exc) from exc

    def _load_sheet(self, book, index: int, path: Path) -> fastexcel.ExcelSheet:
        """A sheet's cells as text (calamine's text of a number or date; see
        cells.excel_text), from its first row."""
        try:
            return book.load_sheet(index, header_row=None, skip_rows=0, dtypes="string")
        except fastexcel.FastExcelError as exc:
            raise self._unreadable(path, exc) from exc
        finally:
            _return_freed_memory()

    def _load_window(
        self, workbook: bytes, index: int, first_line: int, path: Path
    ) -> fastexcel.ExcelSheet:
        """The rows of a window's workbook (see _sheet_windows), from its first row: the row
        above it (absent, so blank) is given as the header row to pin where the rows start."""
        try:
            book = fastexcel.read_excel(workbook)
            if first_line == 1:
                return book.load_sheet(index, header_row=None, skip_rows=0, dtypes="string")
            return book.load_sheet(index, header_row=first_line - 2, dtypes="string")
        except fastexcel.FastExcelError as exc:
            raise self._unreadable(path, exc) from exc
        finally:
            _return_freed_memory()

    @staticmethod
    def _decoded(path: Path) -> tuple[str, bool]:
        """The CSV's text and whether its bytes were UTF-8 (Excel also saves Windows-1252)."""
        raw = path.read_bytes()
        try:
            return raw.decode("utf-8-sig"), True
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="replace"), False

    def _csv_header(self, text: str, file_name: str) -> tuple[int, int, dict[str, int]]:
        """(header row number, offset of the first data row in `text`, columns)."""
        position = 0
        for number in range(1, L.HEADER_SEARCH_ROWS + 1):
            if position >= len(text):
                break
            end = text.find("\n", position)
            end = len(text) if end == -1 else end + 1
            row = next(csv.reader([text[position:end]]), [])
            if L.is_header_row(row):
                return number, end, self._columns(row, file_name)
            position = end
        raise self._no_header(file_name)

    def read(self, path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
        """Row number (as a spreadsheet shows it) and the row by published column name."""
        if self.is_xlsx(path):
            for row in self._xlsx_frame(path, None).iter_rows(named=True):
                number = row.pop("line")
                if any(cells.clean(v) for v in row.values()):  # else a blank row
                    yield number, row
            return
        text, _ = self._decoded(path)
        header_line, offset, columns = self._csv_header(text, path.name)
        reader = csv.reader(io.StringIO(text[offset:], newline=""))
        for number, row in enumerate(reader, start=header_line + 1):
            if not any(cells.clean(v) for v in row):
                continue  # a blank row
            yield number, {name: row[i] if i < len(row) else None for name, i in columns.items()}

    # --------------------------------------------------------------------------------------
    # One row (the framework's row-by-row path; also words the errors of the vectorised one).
    # --------------------------------------------------------------------------------------

    def parse(self, line: int, raw: dict[str, Any]) -> dict[str, Any]:
        values = {column: check(raw.get(column)) for column, check in SCALAR_CHECKS}
        size, sme = values[L.ENTERPRISE_SIZE]
        start = values[L.START_DATE]
        status_label = _text(raw.get(L.PROJECT_STATUS))
        la_name = _text(raw.get(L.LOCAL_AUTHORITY))
        postcode = cells.normalise_postcode(raw.get(L.POSTCODE))
        place_id = self.places.by_local_authority(la_name) if la_name else None
        place_source = PlaceSource.LOCAL_AUTHORITY if place_id else PlaceSource.NONE
        if place_id is None:
            place_id = self.places.by_postcode(postcode)
            place_source = PlaceSource.POSTCODE if place_id else PlaceSource.NONE
        return {
            "line": line,
            "competition_reference": values[L.COMPETITION_REFERENCE],
            "competition_title": _text(raw.get(L.COMPETITION_TITLE)),
            "programme_title": _text(raw.get(L.PROGRAMME_TITLE)),
            "sector": _text(raw.get(L.SECTOR)),
            "project_number": values[L.PROJECT_NUMBER],
            "project_title": _text(raw.get(L.PROJECT_TITLE)),
            "project_status": cells.project_status(status_label),
            "project_status_label": status_label,
            "start_date": start,
            "end_date": values[L.END_DATE],
            "financial_year_start": financial_year_start(start),
            "participant_name": values[L.PARTICIPANT_NAME],
            "crn": values[L.CRN],
            "is_lead": values[L.IS_LEAD],
            "award_pence": values[L.AWARD_OFFERED],
            "total_costs_pence": values[L.TOTAL_COSTS],
            "actual_spend_pence": values[L.ACTUAL_SPEND],
            "withdrawn": values[L.WITHDRAWN],
            "enterprise_size": size,
            "enterprise_size_label": _text(raw.get(L.ENTERPRISE_SIZE)),
            "is_sme": sme,
            "postcode": postcode,
            "region_name": _text(raw.get(L.REGION)),
            "lep_name": _text(raw.get(L.LEP)),
            "local_authority_name": la_name,
            "local_authority_key": cells.place_key(la_name),
            "place_id": place_id,
            "place_source": str(place_source),
            "source_key": cells.source_key(
                values[L.PROJECT_NUMBER], values[L.CRN], values[L.PARTICIPANT_NAME]
            ),
        }

    # --------------------------------------------------------------------------------------
    # The whole file at once (Polars).
    # --------------------------------------------------------------------------------------

    def read_frame(
        self, path: Path, progress: Progress | None = None, *, encoding: str | None = None
    ) -> pl.LazyFrame:
        """Every row as text, by published column name, with its row number in 'line' (lazy:
        a CSV is read as the validation consumes it)."""
        if self.is_xlsx(path):
            frame = self._xlsx_frame(path, progress).lazy()
        else:
            frame = self._csv_frame(path, encoding)
        names = [
            c for c in (*L.REQUIRED_COLUMNS, *L.OPTIONAL_COLUMNS) if c in frame.collect_schema()
        ]
        blank = pl.all_horizontal([cells.clean_expr(c) == "" for c in names])
        frame = frame.filter(~blank)
        for optional in L.OPTIONAL_COLUMNS:
            if optional not in names:
                frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(optional))
        return frame

    def _csv_head(self, path: Path) -> tuple[str, str]:
        """The first part of the CSV as text, and its encoding: UTF-8, or Windows-1252 (as
        Excel on Windows saves "CSV")."""
        with path.open("rb") as f:
            head = f.read(CSV_HEAD_BYTES)
        if head.startswith(b"\xef\xbb\xbf"):
            head = head[3:]
        try:
            return head.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 3 and len(head) >= CSV_HEAD_BYTES - 3:
                return head[: exc.start].decode("utf-8"), "utf-8"  # a character cut at the end
            return head.decode("cp1252", errors="replace"), "cp1252"

    def _csv_frame(self, path: Path, encoding: str | None = None) -> pl.LazyFrame:
        head, detected = self._csv_head(path)
        encoding = encoding or detected
        header_line, offset, columns = self._csv_header(head, path.name)
        rest = head[offset:].strip()
        del head
        name_at = {i: name for name, i in columns.items()}
        if not rest:  # nothing under the header
            return pl.LazyFrame(schema={"line": pl.Int64, **dict.fromkeys(columns, pl.String)})
        source = path
        if encoding != "utf-8":
            source = io.BytesIO(
                path.read_bytes().decode(encoding, errors="replace").encode("utf-8")
            )
        frame = pl.scan_csv(
            source,
            has_header=False,
            infer_schema=False,
            skip_lines=header_line,
            truncate_ragged_lines=True,
            empty_string_is_null=False,
            with_column_names=lambda names: [f"column {i}" for i in range(len(names))],
        )
        return frame.select(
            pl.int_range(header_line + 1, header_line + 1 + pl.len(), dtype=pl.Int64).alias("line"),
            *[pl.col(f"column {i}").alias(name_at[i]) for i in sorted(name_at)],
        )

    def prepare(self, path: Path, progress: Progress | None = None) -> Prepared:
        try:
            parsed, bad = self.validate(self.read_frame(path, progress))
        except pl.exceptions.ComputeError as exc:
            if "utf-8" not in str(exc).lower():
                raise UserInputError(f"{path.name} could not be read ({exc}).") from exc
            # A UTF-8 start, then Windows-1252 further down: read it all as Windows-1252.
            parsed, bad = self.validate(self.read_frame(path, progress, encoding="cp1252"))
        except pl.exceptions.PolarsError as exc:
            raise UserInputError(f"{path.name} could not be read ({exc}).") from exc
        # The file's cells as read are gone: their memory goes back to the system before the
        # write phase, whose own allocations could not reuse it all.
        _return_freed_memory()
        prepared = Prepared(rows_read=parsed.height + bad.height)
        if prepared.rows_read == 0:
            raise UserInputError(
                f"{path.name} has the header of Innovate UK's funded projects data but no "
                "participant rows under it."
            )
        if bad.height:
            lines = bad.get_column("line").head(MAX_ERRORS_KEPT)
            raw = self.read_frame(path).filter(pl.col("line").is_in(lines.implode())).collect()
            prepared.errors = self.row_errors(bad.head(MAX_ERRORS_KEPT).join(raw, on="line"))
        else:
            prepared.rows = self.place(parsed)
        if progress is not None:
            progress(prepared.rows_read, prepared.rows_read)
        return prepared

    def validate(self, frame: pl.LazyFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(the parsed good rows, the bad rows with a bad-flag per column checked)."""
        lead, lead_bad = cells.flag_exprs(L.IS_LEAD)
        withdrawn, withdrawn_bad = cells.flag_exprs(L.WITHDRAWN)
        size, sme, size_bad = cells.size_exprs(L.ENTERPRISE_SIZE)

        def text(column: str) -> pl.Expr:
            return pl.col(column)  # cleaned below, before anything reads it

        bad_flags = {
            L.PROJECT_NUMBER: text(L.PROJECT_NUMBER) == "",
            L.PARTICIPANT_NAME: text(L.PARTICIPANT_NAME) == "",
            L.COMPETITION_REFERENCE: text(L.COMPETITION_REFERENCE) == "",
            L.START_DATE: pl.col("start_date:bad"),
            L.END_DATE: pl.col("end_date:bad"),
            L.AWARD_OFFERED: pl.col("award_pence:bad"),
            L.TOTAL_COSTS: pl.col("total_costs_pence:bad"),
            L.ACTUAL_SPEND: pl.col("actual_spend_pence:bad"),
            L.IS_LEAD: lead_bad,
            L.WITHDRAWN: withdrawn_bad,
            L.ENTERPRISE_SIZE: size_bad,
            L.CRN: pl.col("crn:bad"),
        }
        status_label = text(L.PROJECT_STATUS)
        values = {
            "line": pl.col("line"),
            "competition_reference": text(L.COMPETITION_REFERENCE),
            "competition_title": text(L.COMPETITION_TITLE),
            "programme_title": text(L.PROGRAMME_TITLE),
            "sector": text(L.SECTOR),
            "project_number": text(L.PROJECT_NUMBER),
            "project_title": text(L.PROJECT_TITLE),
            "project_status": cells.status_expr(L.PROJECT_STATUS),
            "project_status_label": status_label,
            "start_date": pl.col("start_date"),
            "end_date": pl.col("end_date"),
            "financial_year_start": pl.when(pl.col("start_date").dt.month() >= 4)
            .then(pl.col("start_date").dt.year())
            .otherwise(pl.col("start_date").dt.year() - 1)
            .cast(pl.Int64),
            "participant_name": text(L.PARTICIPANT_NAME),
            "crn": pl.col("crn"),
            "is_lead": lead,
            "award_pence": pl.col("award_pence"),
            "total_costs_pence": pl.col("total_costs_pence"),
            "actual_spend_pence": pl.col("actual_spend_pence"),
            "withdrawn": withdrawn,
            "enterprise_size": size,
            "enterprise_size_label": text(L.ENTERPRISE_SIZE),
            "is_sme": sme,
            "postcode": cells.postcode_expr(L.POSTCODE),
            "region_name": text(L.REGION),
            "lep_name": text(L.LEP),
            "local_authority_name": text(L.LOCAL_AUTHORITY),
            "local_authority_key": cells.place_key_expr(L.LOCAL_AUTHORITY),
        }
        # One lazy pass, so that each column's cleaning is shared by the expressions using it.
        # Each column read is cleaned once (white space, odd spaces); the readers below agree
        # with the scalar ones on cleaned text as on the raw text.
        read = [c for c, _ in SCALAR_CHECKS] + [
            L.COMPETITION_TITLE,
            L.PROGRAMME_TITLE,
            L.SECTOR,
            L.PROJECT_TITLE,
            L.PROJECT_STATUS,
            L.POSTCODE,
            L.REGION,
            L.LEP,
            L.LOCAL_AUTHORITY,
        ]
        staged = frame.with_columns(
            *[
                cells.clean_expr(c).str.replace_all(r"\s+", " ").alias(c)
                for c in dict.fromkeys(read)
            ],
        )
        staged = cells.date_columns(staged, L.START_DATE, "start_date", required=True)
        staged = cells.date_columns(staged, L.END_DATE, "end_date", required=False)
        staged = cells.money_columns(staged, L.AWARD_OFFERED, "award_pence", required=True)
        staged = cells.money_columns(staged, L.TOTAL_COSTS, "total_costs_pence", required=False)
        staged = cells.money_columns(
            staged, L.ACTUAL_SPEND, "actual_spend_pence", required=False, allow_negative=True
        )
        staged = cells.crn_columns(staged, L.CRN, "crn")
        flagged = (
            staged.select(
                *[e.alias(k) for k, e in values.items()],
                *[e.alias(f"bad:{c}") for c, e in bad_flags.items()],
            )
            .with_columns(pl.any_horizontal([f"bad:{c}" for c in bad_flags]).alias("bad"))
            .collect()
        )
        bad = flagged.filter(pl.col("bad")).select("line", *[f"bad:{c}" for c in bad_flags])
        parsed = flagged.filter(~pl.col("bad")).select(list(values))
        del flagged
        parsed = parsed.with_columns(
            cells.source_key_expr(
                pl.col("project_number"), pl.col("crn"), pl.col("participant_name")
            ).alias("source_key")
        )
        return parsed, bad

    def row_errors(self, bad: pl.DataFrame) -> list[RowError]:
        """Each problem of each bad row, worded by the scalar readers."""
        errors: list[RowError] = []
        columns = [c for c, _ in SCALAR_CHECKS]
        for row in bad.sort("line").iter_rows(named=True):
            for column in columns:
                if not row[f"bad:{column}"]:
                    continue
                value = row.get(column)
                try:
                    CHECK[column](value)
                    reason = f"{value!r} could not be read"
                except RowProblem as problem:
                    reason = problem.reason
                errors.append(RowError(row["line"], reason, column))
                if len(errors) >= MAX_ERRORS_KEPT:
                    return errors
        return errors

    def place(self, parsed: pl.DataFrame) -> pl.DataFrame:
        """Each participant's Place: its published local authority (by name key or code), else
        its postcode, when the places app can locate postcodes."""
        index = self.places
        by_key = pl.col("local_authority_key").replace_strict(
            index.by_key, default=None, return_dtype=pl.Int64
        )
        by_code = (
            pl.col("local_authority_name")
            .str.to_uppercase()
            .replace_strict(index.by_code, default=None, return_dtype=pl.Int64)
        )
        frame = parsed.with_columns(pl.coalesce(by_key, by_code).alias("place_id"))
        frame = frame.with_columns(
            pl.when(pl.col("place_id").is_not_null())
            .then(pl.lit(str(PlaceSource.LOCAL_AUTHORITY)))
            .otherwise(pl.lit(str(PlaceSource.NONE)))
            .alias("place_source")
        )
        if index.locate is not None:
            wanted = (
                frame.filter(pl.col("place_id").is_null()).get_column("postcode").unique().to_list()
            )
            found = index.by_postcodes(wanted)
            if found:
                by_postcode = pl.col("postcode").replace_strict(
                    found, default=None, return_dtype=pl.Int64
                )
                frame = frame.with_columns(
                    pl.when(pl.col("place_id").is_null() & by_postcode.is_not_null())
                    .then(pl.lit(str(PlaceSource.POSTCODE)))
                    .otherwise(pl.col("place_source"))
                    .alias("place_source"),
                    pl.coalesce("place_id", by_postcode).alias("place_id"),
                )
        return frame.select(list(SCHEMA))

    # --------------------------------------------------------------------------------------
    # Writing (inside the import's transaction).
    # --------------------------------------------------------------------------------------

    def write(self, rows, record: Import) -> int:
        frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows, schema=SCHEMA)
        return write_participations(frame, record)

    def after_commit(self, record: Import) -> None:
        refresh_table_statistics([Participation, ParticipationTotal])


def refresh_table_statistics(models) -> None:
    """After a bulk replace, let the planner see the new rows at once. On PostgreSQL VACUUM also
    sets the visibility map, without which the covering indexes cannot answer alone (the area
    queries run ~7× slower until autovacuum gets there). VACUUM cannot run in a transaction."""
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM (ANALYZE) {tables}")
        else:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


class SheetPiece:
    """Rows of a sheet read by calamine: its cells as text by column (named by calamine),
    each column's position in the sheet, and the sheet row number of its first row."""

    def __init__(self, sheet: fastexcel.ExcelSheet, first_line: int):
        self.absolute_index = [c.absolute_index for c in sheet.selected_columns]
        self.frame = sheet.to_polars()
        self.first_line = first_line

    def text(self, columns: dict[str, int], skip: int = 0) -> pl.DataFrame:
        """The rows after the first `skip`, with their row number in 'line' and the published
        columns (name → position in the sheet) as a spreadsheet shows them."""
        names = dict(zip(self.absolute_index, self.frame.columns, strict=True))
        start = self.first_line + skip
        return self.frame.slice(skip).select(
            pl.int_range(start, start + pl.len(), dtype=pl.Int64).alias("line"),
            *[
                (
                    cells.excel_text_expr(names[i]) if i in names else pl.lit(None, dtype=pl.String)
                ).alias(name)
                for name, i in columns.items()
            ],
        )


def _xml_tags(xml: bytes, name: str) -> list[dict[str, str]]:
    """The attributes of each <name> tag of a small XML part (whatever its namespace prefix;
    an attribute by its local name), in order: read with a pattern, so that no entity in a
    file an officer uploads is ever expanded."""
    tags = re.finditer(rb"<(?:[A-Za-z_][\w.-]*:)?" + name.encode() + rb"\s([^>]*)>", xml)
    return [
        {
            key.decode().rpartition(":")[2]: (double or single).decode()
            for key, double, single in XML_ATTRIBUTE.findall(tag.group(1))
        }
        for tag in tags
    ]


def _sheet_parts(archive: zipfile.ZipFile) -> list[str] | None:
    """The names of the workbook's sheets' XML parts, in the order calamine gives the sheets
    (the workbook's list of them), or None if the workbook does not say."""
    try:
        book_part = next(
            r["Target"].lstrip("/")
            for r in _xml_tags(archive.read("_rels/.rels"), "Relationship")
            if r.get("Type", "").endswith("/officeDocument")
        )
        folder, name = posixpath.split(book_part)
        links = _xml_tags(archive.read(f"{folder}/_rels/{name}.rels"), "Relationship")
        targets = {r["Id"]: r["Target"] for r in links}
        sheets = [targets[s["id"]] for s in _xml_tags(archive.read(book_part), "sheet")]
    except (KeyError, StopIteration):
        return None
    parts = [
        posixpath.normpath(t.lstrip("/") if t.startswith("/") else posixpath.join(folder, t))
        for t in sheets
    ]
    return parts if all(part in archive.NameToInfo for part in parts) else None


def _sheet_windows(path: Path, index: int) -> Iterator[tuple[int, bytes]] | None:
    """For a sheet bigger than XLSX_WHOLE_SHEET_BYTES, the workbook again once per window of
    about XLSX_WINDOW_BYTES of its rows, with the sheet row number of the window's first row;
    None for a smaller sheet, or one whose rows are not laid out as Excel lays them out (each
    <row> numbered)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return None  # calamine says what is wrong with it
    parts = _sheet_parts(archive)
    part = parts[index] if parts and index < len(parts) else None
    if part is None or archive.getinfo(part).file_size <= XLSX_WHOLE_SHEET_BYTES:
        archive.close()
        return None
    with archive.open(part) as stream:
        opening = stream.read(XLSX_READ_BYTES)
    data = SHEET_DATA.search(opening)
    first_row = ROW_TAG.search(opening, data.end()) if data else None
    if first_row is None or not ROW_NUMBER.match(opening, first_row.start()):
        archive.close()
        return None
    # The other sheets are left empty in the windows' workbooks: only this one is read.
    others = {
        info.filename: EMPTY_SHEET if info.filename in parts else archive.read(info)
        for info in archive.infolist()
        if info.filename != part
    }
    return _windows(archive, part, others, opening[: first_row.start()], data.group(1) or b"")


def _windows(
    archive: zipfile.ZipFile, part: str, others: dict[str, bytes], head: bytes, prefix: bytes
) -> Iterator[tuple[int, bytes]]:
    """The windows of _sheet_windows: the sheet's XML is read a piece at a time and cut before
    a <row> once XLSX_WINDOW_BYTES of rows are in hand; a window is the head (the XML before
    the rows), its rows and the close of the rows and the sheet."""
    row_open = b"<" + prefix + b"row"
    rows_close = b"</" + prefix + b"sheetData>"
    close = rows_close + b"</" + prefix + b"worksheet>"

    def last_row_start(xml: bytearray) -> int:
        """Where the last <row> in `xml` starts (0 or -1: none after the first byte)."""
        at = len(xml)
        while (at := xml.rfind(row_open, 0, at)) > 0:
            if ROW_TAG.match(xml, at):  # not a longer name, as <rowBreaks>
                break
        return at

    with archive, archive.open(part) as stream:
        stream.read(len(head))
        pending = bytearray()
        more = True
        while more or pending:
            if more and len(pending) < XLSX_WINDOW_BYTES:
                chunk = stream.read(XLSX_READ_BYTES)
                more = bool(chunk)
                pending += chunk
                continue
            cut = last_row_start(pending) if more else -1
            if more and cut <= 0:  # one row longer than a window: read on
                chunk = stream.read(XLSX_READ_BYTES)
                more = bool(chunk)
                pending += chunk
                continue
            if cut <= 0:  # the last rows, up to the end of the sheet's rows
                cut = len(pending)
                end = pending.find(rows_close)
                rows_end = end if end >= 0 else cut
            else:
                rows_end = cut
            if pending.startswith(row_open):  # else nothing is left but the end of the sheet
                number = ROW_NUMBER.match(pending)
                if number is None:
                    raise UserInputError(
                        f"{Path(archive.filename or '').name} is not a readable Excel workbook "
                        "(a row of its sheet has no row number)."
                    )
                with memoryview(pending) as rows:
                    sheet = (head, rows[:rows_end], close)
                    workbook = _workbook(others, part, sheet)
                    del sheet
                yield int(number.group(1)), workbook
                del workbook
            del pending[:cut]


def _workbook(parts: dict[str, bytes], sheet_part: str, sheet) -> bytes:
    """A workbook (uncompressed) of these parts and the sheet XML in these pieces."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as book:
        for name, content in parts.items():
            book.writestr(name, content)
        with book.open(sheet_part, "w", force_zip64=True) as stream:
            for piece in sheet:
                stream.write(piece)
    return buffer.getvalue()


def _return_freed_memory() -> None:
    """Hand freed memory back to the system (glibc keeps the millions of small blocks of a
    sheet's cells that calamine freed, and the arrays of a file read, otherwise, and the
    import's peak memory grows by them)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _fit(column: str, model, field: str) -> pl.Expr:
    """Text cut to the model field's length (publishers' titles can run long)."""
    return pl.col(column).fill_null("").str.slice(0, model._meta.get_field(field).max_length)


def write_participations(frame: pl.DataFrame, record: Import) -> int:
    """Replace the dataset's participations with `frame`'s (the prepared rows)."""
    # On SQLite the participations' indexes are set aside while their rows are deleted and
    # written, and built once after (northstar/ingest/bulk.py).
    with bulk.indexes_set_aside(Participation, frame.height):
        return _replace_participations(frame, record)


def _replace_participations(frame: pl.DataFrame, record: Import) -> int:
    from northstar.organisations.services import link_records

    Participation.objects.filter(source_import__dataset=record.dataset).delete()
    ParticipationTotal.objects.filter(source_import__dataset=record.dataset).delete()
    ParticipationAreaTotal.objects.filter(source_import__dataset=record.dataset).delete()
    ParticipationNationalTotal.objects.filter(source_import__dataset=record.dataset).delete()
    DistinctYearGap.objects.filter(source_import__dataset=record.dataset).delete()
    frame = frame.with_columns(
        _fit("participant_name", Participation, "participant_name"),
        _fit("project_title", Project, "title"),
        _fit("competition_title", Competition, "title"),
        _fit("programme_title", Programme, "title"),
        _fit("sector", Sector, "name"),
        _fit("region_name", Participation, "region_name"),
        _fit("lep_name", Participation, "lep_name"),
        _fit("local_authority_name", Participation, "local_authority_name"),
        _fit("local_authority_key", Participation, "local_authority_key"),
        _fit("enterprise_size_label", Participation, "enterprise_size_label"),
        _fit("project_status_label", Project, "status_label"),
    )

    programme_ids = _names(Programme, "title", frame.get_column("programme_title"))
    sector_ids = _names(Sector, "name", frame.get_column("sector"))

    # Competitions (a few thousand): the first row of each names its title and programme.
    competitions = frame.group_by("competition_reference", maintain_order=True).first()
    Competition.objects.bulk_create(
        (
            Competition(
                reference=r["competition_reference"],
                title=r["competition_title"],
                programme_id=programme_ids.get(r["programme_title"]),
            )
            for r in competitions.iter_rows(named=True)
        ),
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["reference"],
        update_fields=["title", "programme"],
    )
    competition_ids = dict(Competition.objects.values_list("reference", "id"))

    # Projects (hundreds of thousands): updated in place by number, so their ids stay.
    projects = frame.group_by("project_number", maintain_order=True).first()
    bulk.upsert(
        Project,
        projects.select(
            pl.col("project_number").alias("number"),
            pl.col("project_title").alias("title"),
            pl.col("competition_reference")
            .replace_strict(competition_ids, return_dtype=pl.Int64)
            .alias("competition_id"),
            pl.col("sector")
            .replace_strict(sector_ids, default=None, return_dtype=pl.Int64)
            .alias("sector_id"),
            pl.col("project_status").alias("status"),
            pl.col("project_status_label").alias("status_label"),
            "start_date",
            "end_date",
            "financial_year_start",
            pl.lit(record.pk, dtype=pl.Int64).alias("source_import_id"),
        ),
        unique="number",
    )
    del projects

    # Each participant's organisation (the organisations app decides which): the whole file in
    # one call, which links each distinct participant once and writes the SourceRecords in bulk.
    people = frame.select(
        "source_key",
        pl.col("participant_name").alias("name"),
        pl.col("crn").alias("company_number"),
        pl.when(pl.col("postcode").str.replace_all(" ", "").str.contains(cells.POSTCODE_RE))
        .then(pl.col("postcode"))
        .otherwise(pl.lit(""))
        .alias("postcode"),
        pl.struct(
            pl.col("project_number"),
            pl.col("line"),
            pl.col("enterprise_size_label").alias("enterprise_size"),
            pl.col("local_authority_name").alias("local_authority"),
        )
        .struct.json_encode()
        .alias("raw"),
    ).unique(subset="source_key", keep="first", maintain_order=True)
    ids_by_key = link_records(record.dataset, people, source_import=record)
    del people
    links = pl.DataFrame(
        {"source_key": list(ids_by_key), "organisation_id": list(ids_by_key.values())},
        schema={"source_key": pl.String, "organisation_id": pl.Int64},
    ).join(_source_record_ids(record.dataset), on="source_key", how="left")
    del ids_by_key

    projects_ids = pl.DataFrame(
        list(Project.objects.values_list("number", "id", "competition_id", "sector_id")),
        schema={
            "project_number": pl.String,
            "project_id": pl.Int64,
            "competition_id": pl.Int64,
            "sector_id": pl.Int64,
        },
        orient="row",
    ).join(
        pl.DataFrame(
            list(Competition.objects.values_list("id", "programme_id")),
            schema={"competition_id": pl.Int64, "programme_id": pl.Int64},
            orient="row",
        ),
        on="competition_id",
        how="left",
    )
    written = 0
    totals: dict[type, list[pl.DataFrame]] = {model: [] for model in TOTAL_KEYS}
    years_of: dict[str, list[pl.DataFrame]] = {"organisation_id": [], "project_id": []}
    for batch in frame.iter_slices(n_rows=bulk.BATCH_ROWS * 2):
        rows = (
            batch.join(projects_ids, on="project_number", how="left")
            .join(links, on="source_key", how="left")
            .select(
                "project_id",
                "organisation_id",
                "source_record_id",
                "source_key",
                "participant_name",
                pl.col("crn").alias("company_number"),
                "is_lead",
                pl.col("award_pence").alias("award_offered_pence"),
                pl.col("total_costs_pence"),
                pl.col("actual_spend_pence"),
                "withdrawn",
                "enterprise_size",
                "enterprise_size_label",
                "is_sme",
                "postcode",
                "place_id",
                "place_source",
                "region_name",
                "lep_name",
                "local_authority_name",
                "local_authority_key",
                "financial_year_start",
                "competition_id",
                "programme_id",
                "sector_id",
                pl.lit(record.pk, dtype=pl.Int64).alias("source_import_id"),
                "line",
            )
        )
        lost = rows.filter(pl.col("project_id").is_null() | pl.col("organisation_id").is_null())
        if lost.height:  # a bug, not the file's fault
            raise RuntimeError(f"{lost.height} participations lost their project or organisation")
        written += bulk.insert_frame(Participation, rows)
        for model, keys in TOTAL_KEYS.items():
            totals[model].append(
                rows.group_by(keys).agg(
                    pl.len().cast(pl.Int64).alias("participations"),
                    pl.col("award_offered_pence").sum(),
                    pl.col("is_lead").sum().cast(pl.Int64).alias("lead_participations"),
                )
            )
        for key, parts in years_of.items():
            parts.append(rows.group_by(key, "financial_year_start").agg(pl.col("withdrawn").all()))
    for model, keys in TOTAL_KEYS.items():
        if totals[model]:
            bulk.insert_frame(
                model,
                pl.concat(totals[model])
                .group_by(keys)
                .agg(
                    pl.col("participations").sum(),
                    pl.col("award_offered_pence").sum(),
                    pl.col("lead_participations").sum(),
                ),
            )

    _write_year_gaps(years_of, record)

    # What the file no longer names goes (only this importer writes these tables).
    Project.objects.filter(participations__isnull=True).delete()
    Competition.objects.filter(projects__isnull=True).delete()
    Programme.objects.filter(competitions__isnull=True).delete()
    Sector.objects.filter(projects__isnull=True).delete()
    return written


def _write_year_gaps(years_of: dict[str, list[pl.DataFrame]], record: Import) -> None:
    """The gaps between each organisation's (and project's) years with a participation, with
    and without the withdrawn ones (models.DistinctYearGap)."""
    counted = {"organisation_id": GapCounted.ORGANISATIONS, "project_id": GapCounted.PROJECTS}
    gaps = []
    for key, parts in years_of.items():
        if not parts:
            continue
        # A year counts without the withdrawn if any of its participations is not withdrawn.
        pairs = (
            pl.concat(parts)
            .group_by(key, "financial_year_start")
            .agg(pl.col("withdrawn").all())
            .rename({key: "key", "financial_year_start": "year"})
        )
        for include_withdrawn, chosen in (
            (True, pairs),
            (False, pairs.filter(~pl.col("withdrawn"))),
        ):
            gaps += [
                (counted[key], include_withdrawn, gap.after, gap.before, gap.count, record.pk)
                for gap in year_gaps_of_pairs(chosen.select("key", "year"))
            ]
    bulk.insert_frame(
        DistinctYearGap,
        pl.DataFrame(
            gaps,
            schema={
                "counted": pl.String,
                "include_withdrawn": pl.Boolean,
                "after_year": pl.Int64,
                "before_year": pl.Int64,
                "records": pl.Int64,
                "source_import_id": pl.Int64,
            },
            orient="row",
        ),
    )


# What each table of totals sums by.
TOTAL_KEYS = {
    ParticipationTotal: [
        "place_id",
        "financial_year_start",
        "withdrawn",
        "enterprise_size",
        "is_sme",
        "competition_id",
        "programme_id",
        "sector_id",
        "source_import_id",
    ],
    ParticipationNationalTotal: [
        "financial_year_start",
        "withdrawn",
        "enterprise_size",
        "is_sme",
        "competition_id",
        "programme_id",
        "sector_id",
        "source_import_id",
    ],
    ParticipationAreaTotal: [
        "place_id",
        "local_authority_key",
        "local_authority_name",
        "region_name",
        "financial_year_start",
        "withdrawn",
        "enterprise_size",
        "is_sme",
        "source_import_id",
    ],
}


def _source_record_ids(dataset: str) -> pl.DataFrame:
    """The id of each of the dataset's SourceRecords, by key (read in chunks, not as one list)."""
    from northstar.organisations.models import SourceRecord

    keys, ids = [], []
    rows = SourceRecord.objects.filter(dataset=dataset).values_list("source_key", "pk")
    for key, pk in rows.iterator(chunk_size=20_000):
        keys.append(key)
        ids.append(pk)
    return pl.DataFrame(
        {"source_key": keys, "source_record_id": ids},
        schema={"source_key": pl.String, "source_record_id": pl.Int64},
    )


def _names(model, field: str, values: pl.Series) -> dict[str, int]:
    """Ids of the named rows (programmes, sectors), creating the new ones. Blank is none."""
    wanted = {v for v in values.unique().to_list() if v}
    model.objects.bulk_create(
        (model(**{field: v}) for v in sorted(wanted)), batch_size=1000, ignore_conflicts=True
    )
    return {k: pk for k, pk in model.objects.values_list(field, "id") if k in wanted}
