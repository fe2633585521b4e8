"""Writing hundreds of thousands of rows from a Polars frame, fast, on SQLite and PostgreSQL.

Django's bulk_create builds a model instance and compiles every value of every row; at 500,000
participations that alone takes minutes. Here the frame's columns are the model's fields
(attnames, e.g. `project_id`), the SQL names the model's own table and columns (no user text in
it), and the values go as parameters: `executemany` on SQLite, COPY on PostgreSQL. Used only
inside an import's transaction. (Hence the `noqa: S608`: the SQL is built from the model's table
and column names, quoted by the database backend, never from data.)
"""

from __future__ import annotations

import io
from contextlib import contextmanager

import polars as pl
from django.db import connection

BATCH_ROWS = 50_000
# On SQLite, an insert of at least this many rows (indexes_set_aside) drops the table's
# (non-unique) indexes and builds them again afterwards: filling a wide index row by row, in an order that is not the
# index's, is several times slower than building it from the finished table. SQLite's DDL is
# part of the import's transaction (a failure puts the indexes back) and readers keep seeing the
# last committed table and its indexes (WAL).
REBUILD_INDEXES_FROM_ROWS = 100_000


def _columns(model, frame: pl.DataFrame) -> list[str]:
    quote = connection.ops.quote_name
    return [quote(model._meta.get_field(name).column) for name in frame.columns]


def _for_sqlite(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates as ISO text, as Django stores them in SQLite."""
    return frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))


def _copy(cursor, table: str, columns: list[str], frame: pl.DataFrame) -> None:
    """COPY the frame into `table` as CSV: unquoted empty = NULL, quoted "" = empty text."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
    raw = cursor.cursor  # the psycopg cursor under Django's wrapper
    with raw.copy(sql) as copy:
        for batch in frame.iter_slices(n_rows=BATCH_ROWS):
            buffer = io.BytesIO()
            batch.write_csv(buffer, include_header=False, quote_style="non_numeric", null_value="")
            copy.write(buffer.getvalue())


def insert(model, frame: pl.DataFrame) -> int:
    """Insert every row of the frame into the model's table."""
    if frame.height == 0:
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    columns = _columns(model, frame)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, table, columns, frame)
        else:
            values = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values})"  # noqa: S608
            for batch in _for_sqlite(frame).iter_slices(n_rows=BATCH_ROWS):
                cursor.executemany(sql, batch.rows())
    return frame.height


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


def upsert(model, frame: pl.DataFrame, unique: str) -> int:
    """Insert the rows; a row whose `unique` field matches an existing one updates it (its id
    stays)."""
    if frame.height == 0:
        return 0
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = _columns(model, frame)
    key = quote(model._meta.get_field(unique).column)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != key)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            staging = quote(f"{model._meta.db_table}_staging")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
            )
            _copy(cursor, staging, columns, frame)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} "  # noqa: S608
                f"FROM {staging} ON CONFLICT ({key}) DO UPDATE SET {updates}"
            )
            cursor.execute(f"DROP TABLE {staging}")
        else:
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                f"VALUES ({', '.join(['%s'] * len(columns))}) "
                f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
            )
            for batch in _for_sqlite(frame).iter_slices(n_rows=BATCH_ROWS):
                cursor.executemany(sql, batch.rows())
    return frame.height
