"""The importers' helpers: plain-row writes (bulk.py) and whole-file checks worded by the
row-by-row parser (vectorised.py)."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from northstar.ingest import bulk
from northstar.ingest.framework import Importer, RowProblem
from northstar.ingest.models import Import
from northstar.ingest.vectorised import (
    Checked,
    RowProblems,
    prepare_row_by_row,
    prepare_vectorised,
)
from northstar.places.models import LadMethod, Place, PlaceLevel, Postcode

FIELDS = (
    "code",
    "published",
    "area",
    "district",
    "latitude",
    "longitude",
    "lad_id",
    "lad_method",
    "source_import_id",
)


@pytest.fixture
def record(db):
    return Import.objects.create(
        dataset="test-postcodes", publisher="test", file_name="p.csv", sha256="0" * 64
    )


@pytest.fixture
def liverpool(db):
    return Place.objects.create(
        code="E08000012",
        slug="liverpool",
        name="Liverpool",
        level=PlaceLevel.LAD,
        boundary_year=2021,
    )


def stored() -> list[tuple]:
    return list(Postcode.objects.order_by("code").values_list(*FIELDS))


def test_tuples_are_written_as_given_nulls_and_decimals_included(record, liverpool):
    rows = [
        ("L10AA", "L1 0AA", "L", "L1", Decimal("53.40123"), Decimal("-2.98765"), liverpool.pk,
         LadMethod.BOUNDARY.value, record.pk),
        ("L10AB", "L1 0AB", "L", "L1", None, None, None, LadMethod.UNPLACED.value, record.pk),
    ]  # fmt: skip
    assert bulk.insert(Postcode, FIELDS, iter(rows)) == 2
    assert stored() == rows


def test_a_frame_is_written_with_empty_text_kept_apart_from_null(record, liverpool):
    frame = pl.DataFrame(
        {
            "code": ["L10AA", "L10AB"],
            "published": ["", "L1 0AB"],  # empty text: must not become NULL (NOT NULL column)
            "area": ["L", "L"],
            "district": ["L1", "L1"],
            "latitude": ["53.40123", None],  # a decimal's text, or NULL
            "longitude": ["-2.98765", None],
            "lad_id": [liverpool.pk, None],
            "lad_method": [LadMethod.BOUNDARY.value, LadMethod.UNPLACED.value],
            "source_import_id": [record.pk, record.pk],
        },
        schema_overrides={"lad_id": pl.Int64},
    )
    assert bulk.insert(Postcode, FIELDS, frame) == 2
    assert stored() == [
        ("L10AA", "", "L", "L1", Decimal("53.40123"), Decimal("-2.98765"), liverpool.pk,
         "boundary", record.pk),
        ("L10AB", "L1 0AB", "L", "L1", None, None, None, "unplaced", record.pk),
    ]  # fmt: skip


def test_many_rows_are_written_in_batches(record, monkeypatch):
    monkeypatch.setattr(bulk, "BATCH_ROWS", 7)
    rows = [
        (f"L{n:02d}AA", f"L{n:02d} AA", "L", f"L{n:02d}", None, None, None, "unplaced", record.pk)
        for n in range(30)
    ]
    frame = pl.DataFrame(
        [(r[0].replace("AA", "AB"), *r[1:]) for r in rows],
        schema={f: pl.Int64 if f.endswith("_id") else pl.String for f in FIELDS},
        orient="row",
    )
    assert bulk.insert(Postcode, FIELDS, rows) == 30
    assert bulk.insert(Postcode, FIELDS, frame) == 30
    assert Postcode.objects.count() == 60


def test_nothing_to_write_and_a_frame_of_other_columns(record):
    assert bulk.insert(Postcode, FIELDS, []) == 0
    assert bulk.insert(Postcode, FIELDS, pl.DataFrame(schema=dict.fromkeys(FIELDS, pl.String))) == 0
    with pytest.raises(ValueError, match="columns"):
        bulk.insert(Postcode, FIELDS, pl.DataFrame({"code": ["L10AA"]}))
    assert not Postcode.objects.exists()


def test_delete_in_chunks(record):
    rows = [
        (f"L{n:03d}AA", "", "L", "L1", None, None, None, "unplaced", record.pk) for n in range(25)
    ]
    bulk.insert(Postcode, FIELDS, rows)
    bulk.delete_in_chunks(Postcode.objects.all(), [r[0] for r in rows[:20]], size=6)
    assert [c for c, *_ in stored()] == [r[0] for r in rows[20:]]


# --- A whole-file check, worded by the row-by-row parser --------------------------------------


class NumbersImporter(Importer):
    """One number a line; 'a;b' lines hold two. A toy whose vectorised check is told what to
    say, so that each path of prepare_vectorised is seen."""

    dataset = "test-numbers"
    title = publisher = "test"

    def __init__(self, flagged: list[int] | None = None):
        self.flagged = flagged or []
        self.parsed: list[int] = []

    def read(self, path: Path):
        yield from enumerate(path.read_text().splitlines(), start=1)

    def parse(self, line: int, raw: str):
        self.parsed.append(line)
        values, problems = [], []
        for index, part in enumerate(raw.split(";")):
            if part.strip().isdigit():
                values.append(int(part))
            else:
                problems.append(RowProblem(f"{part!r} is not a number", f"part {index + 1}"))
        if problems:
            raise RowProblems(problems)
        return values if len(values) > 1 else values[0]

    def check(self, path: Path) -> Checked:
        lines = path.read_text().splitlines()
        return Checked(rows=["from the check"], rows_read=len(lines), bad_lines=self.flagged)

    def prepare(self, path, progress=None):
        return prepare_vectorised(self, path, self.check, progress)


@pytest.fixture
def numbers(tmp_path):
    path = tmp_path / "numbers.txt"
    path.write_text("1\n2;x\ny;z\n4\n")
    return path


def test_a_clean_check_is_the_result_and_no_row_is_parsed(numbers):
    importer = NumbersImporter()
    seen = []
    prepared = importer.prepare(numbers, lambda done, total: seen.append((done, total)))
    assert (prepared.rows, prepared.rows_read, prepared.errors) == (["from the check"], 4, [])
    assert importer.parsed == [] and seen == [(4, 4)]


def test_a_flagged_line_has_every_problem_of_the_file_worded_row_by_row(numbers):
    importer = NumbersImporter(flagged=[2])
    prepared = importer.prepare(numbers)
    assert prepared.rows_read == 4
    assert [(e.line, e.column, e.reason) for e in prepared.errors] == [
        (2, "part 2", "'x' is not a number"),
        (3, "part 1", "'y' is not a number"),
        (3, "part 2", "'z' is not a number"),
    ]


def test_a_line_only_the_check_refuses_is_logged_and_the_parser_decides(tmp_path, caplog):
    path = tmp_path / "good.txt"
    path.write_text("1\n2;3\n")
    with caplog.at_level(logging.WARNING, logger="northstar.ingest.vectorised"):
        prepared = NumbersImporter(flagged=[1]).prepare(path)
    assert (prepared.rows, prepared.errors) == ([1, 2, 3], [])
    assert "refused line(s) [1]" in caplog.text


def test_row_by_row_keeps_at_most_the_first_thousand_problems(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("a;b;c\n" * 400)
    prepared = prepare_row_by_row(NumbersImporter(), path)
    assert prepared.rows_read == 400
    assert len(prepared.errors) == 1000
    assert (prepared.errors[-1].line, prepared.errors[-1].column) == (334, "part 1")


@pytest.mark.django_db(transaction=True)
def test_indexes_set_aside_are_built_again_after_a_large_insert(monkeypatch):
    """On SQLite a large insert drops the table's plain indexes and builds the same ones after
    it; elsewhere (and for a small insert) nothing is dropped."""
    from django.db import connection

    def plain_indexes() -> list[tuple[str, str]]:
        with connection.cursor() as cursor:
            return bulk._sqlite_indexes(cursor, Postcode)

    if connection.vendor != "sqlite":
        with bulk.indexes_set_aside(Postcode, 10**9):
            pass  # nothing to do on PostgreSQL: it must not fail
        return
    before = plain_indexes()
    assert before  # Postcode has plain indexes to set aside
    monkeypatch.setattr(bulk, "REBUILD_INDEXES_FROM_ROWS", 2)
    with bulk.indexes_set_aside(Postcode, 1):
        assert plain_indexes() == before
    with bulk.indexes_set_aside(Postcode, 2):
        assert plain_indexes() == []
    assert plain_indexes() == before


def test_upsert_inserts_new_rows_and_updates_matching_ones_in_place(record, liverpool):
    first = pl.DataFrame(
        {
            "code": ["L10AA", "L10AB"],
            "published": ["L1 0AA", "L1 0AB"],
            "area": ["L", "L"],
            "district": ["L1", "L1"],
            "lad_method": [LadMethod.BOUNDARY.value] * 2,
            "source_import_id": [record.pk] * 2,
        }
    )
    assert bulk.upsert(Postcode, first, unique="code") == 2
    kept_id = Postcode.objects.get(code="L10AA").pk
    second = first.with_columns(
        pl.Series("code", ["L10AA", "L10AC"]),
        pl.Series("published", ["L1 0AA", "L1 0AC"]),
        pl.Series("district", ["L1X", "L1"]),
    )
    assert bulk.upsert(Postcode, second, unique="code") == 2
    assert dict(Postcode.objects.values_list("code", "district")) == {
        "L10AA": "L1X",
        "L10AB": "L1",
        "L10AC": "L1",
    }
    assert Postcode.objects.get(code="L10AA").pk == kept_id
