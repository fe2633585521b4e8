"""Writing many rows into one model's table, fast, on SQLite and PostgreSQL: for importers.

Django's bulk_create builds a model instance per row and compiles every value of every row; for
tens or hundreds of thousands of rows that is most of an import's time. Here the rows are plain
tuples (or a Polars frame) in the order of `fields` (attnames, e.g. `place_id`); the SQL names the
model's own table and columns, quoted by the backend (no text from a file ever goes into it, hence
the `noqa: S608`), and the values go as parameters: `executemany` on SQLite, COPY on PostgreSQL.
Values must already be what the column stores (Decimal or its text for a decimal, bool, int,
str, None; no model instances, no expressions). Call it inside the import's transaction.

(`northstar.funding.bulk` does the same for the participant file's frames, plus an upsert; it
could delegate its plain inserts to `insert` here.)
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from django.db import connection

BATCH_ROWS = 50_000


def columns_of(model, fields: Sequence[str]) -> list[str]:
    """The quoted column names of the model's fields (by name or attname)."""
    quote = connection.ops.quote_name
    return [quote(model._meta.get_field(name).column) for name in fields]


def _batches(rows: Iterable[Sequence[Any]], size: int = BATCH_ROWS) -> Iterable[list]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def insert(model, fields: Sequence[str], rows) -> int:
    """Insert every row (tuples in the order of `fields`, or a Polars DataFrame whose columns
    are `fields`, in that order) into the model's table; returns how many."""
    import polars as pl

    is_frame = isinstance(rows, pl.DataFrame)
    if is_frame:
        if list(rows.columns) != list(fields):
            raise ValueError(f"the frame's columns {rows.columns} are not {list(fields)}")
        if rows.height == 0:
            return 0
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(columns_of(model, fields))
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({columns}) FROM STDIN"
            if is_frame:
                sql += " WITH (FORMAT csv)"
            with cursor.cursor.copy(sql) as copy:  # the psycopg cursor under Django's wrapper
                if is_frame:
                    for batch in rows.iter_slices(n_rows=BATCH_ROWS):
                        copy.write(_csv_bytes(batch))
                        written += batch.height
                else:
                    for row in rows:
                        copy.write_row(row)
                        written += 1
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
            batches = (
                (b.rows() for b in _for_sqlite(rows).iter_slices(n_rows=BATCH_ROWS))
                if is_frame
                else _batches(rows)
            )
            for batch in batches:
                cursor.executemany(sql, batch)
                written += len(batch)
    return written


def _csv_bytes(frame) -> bytes:
    """A frame as COPY's CSV: an unquoted empty field is NULL, a quoted "" is empty text."""
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, quote_style="non_numeric", null_value="")
    return buffer.getvalue()


def _for_sqlite(frame):
    """Dates as ISO text, as Django stores them in SQLite."""
    import polars as pl

    return frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))


def delete_in_chunks(queryset, ids: Sequence, field: str = "pk", size: int = 900) -> None:
    """Delete the queryset's rows whose `field` is one of `ids`, a slice at a time (SQLite
    allows ~1000 parameters a statement)."""
    for start in range(0, len(ids), size):
        queryset.filter(**{f"{field}__in": ids[start : start + size]}).delete()
