"""Writing many rows into one model's table, fast, on SQLite and PostgreSQL: for importers.

Django's bulk_create builds a model instance per row and compiles every value of every row; for
tens or hundreds of thousands of rows that is most of an import's time. Here the rows are plain
tuples (or a Polars frame) in the order of `fields` (attnames, e.g. `place_id`); the SQL names the
model's own table and columns, quoted by the backend (no text from a file ever goes into it, hence
the `noqa: S608`), and the values go as parameters: `executemany` on SQLite, COPY on PostgreSQL.
Values must already be what the column stores (Decimal or its text for a decimal, bool, int,
str, None; no model instances, no expressions). Call it inside the import's transaction.

On SQLite, `indexes_set_aside` drops a table's plain indexes for a large insert and builds them
again after it; `upsert` inserts or updates by a unique field.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any

from django.db import connection

BATCH_ROWS = 50_000
# On SQLite, an insert of at least this many rows (indexes_set_aside) drops the table's
# (non-unique) indexes and builds them again afterwards: filling a wide index row by row, in an
# order that is not the index's, is several times slower than building it from the finished
# table. SQLite's DDL is part of the import's transaction (a failure puts the indexes back) and
# readers keep seeing the last committed table and its indexes (WAL).
REBUILD_INDEXES_FROM_ROWS = 100_000


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


def insert_frame(model, frame) -> int:
    """Insert every row of a Polars frame whose columns are the model's fields (attnames)."""
    return insert(model, frame.columns, frame)


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


@contextmanager
def indexes_set_aside(model, rows: int):
    """On SQLite, for an insert of at least REBUILD_INDEXES_FROM_ROWS rows: the table's plain
    indexes are dropped for the block and built again after it (see above)."""
    if connection.vendor != "sqlite" or rows < REBUILD_INDEXES_FROM_ROWS:
        yield
        return
    with connection.cursor() as cursor:
        indexes = _sqlite_indexes(cursor, model)
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for _, create in indexes:
            cursor.execute(create)


def _sqlite_indexes(cursor, model) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the table's plain indexes, as SQLite recorded them."""
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
        "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY name",
        [model._meta.db_table],
    )
    return list(cursor.fetchall())


def upsert(model, frame, unique: str) -> int:
    """Insert the frame's rows (columns named as the model's attnames); a row whose `unique`
    field matches an existing one updates it (its id stays)."""
    if frame.height == 0:
        return 0
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(columns_of(model, frame.columns))
    key = quote(model._meta.get_field(unique).column)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns_of(model, frame.columns) if c != key)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            staging = quote(f"{model._meta.db_table}_staging")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {columns} FROM {table} WITH NO DATA"
            )
            with cursor.cursor.copy(
                f"COPY {staging} ({columns}) FROM STDIN WITH (FORMAT csv)"
            ) as copy:
                for batch in frame.iter_slices(n_rows=BATCH_ROWS):
                    copy.write(_csv_bytes(batch))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608
                f"FROM {staging} ON CONFLICT ({key}) DO UPDATE SET {updates}"
            )
            cursor.execute(f"DROP TABLE {staging}")
        else:
            sql = (
                f"INSERT INTO {table} ({columns}) "  # noqa: S608
                f"VALUES ({', '.join(['%s'] * frame.width)}) "
                f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
            )
            for batch in _for_sqlite(frame).iter_slices(n_rows=BATCH_ROWS):
                cursor.executemany(sql, batch.rows())
    return frame.height
