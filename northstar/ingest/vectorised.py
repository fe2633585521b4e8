"""Validating a whole file at once (e.g. with Polars) while every problem is still worded, with
its line and column, by the importer's row-by-row `parse`.

The pattern (as `northstar.funding.importers` does it for the participant file): a vectorised
check reads and validates whole columns and only flags which rows are bad; the words come from
the scalar reader, so a file gives the same report however it was validated. Here the scalar
pass is the importer's own `read` + `parse` over the file, run only when the vectorised check
found a bad row: the report is then exactly the row-by-row one (every bad cell of a row, checks
across rows such as a repeated key, the same line numbers). That costs a second pass over a
file that is being refused anyway; for files of hundreds of thousands of rows, word only the
flagged rows instead (as the funding importer does).

`parse` may raise `RowProblems` to report several bad cells of one row, each with its column,
and may return a list of prepared values (a wide row's cells).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from northstar.core.errors import RowError

from .framework import MAX_ERRORS_KEPT, Importer, Prepared, Progress, RowProblem

logger = logging.getLogger(__name__)


class RowProblems(RowProblem):
    """Several cells of one row are bad; each is reported with its own column."""

    def __init__(self, problems: list[RowProblem]):
        super().__init__(problems[0].reason, problems[0].column)
        self.problems = problems


def row_errors(line: int, problem: RowProblem) -> list[RowError]:
    """The RowErrors of one row's problem (one per cell for RowProblems)."""
    return [RowError(line, p.reason, p.column) for p in getattr(problem, "problems", [problem])]


def prepare_row_by_row(
    importer: Importer, path: Path, progress: Progress | None = None
) -> Prepared:
    """Importer.prepare, except that a RowProblems row reports each of its bad cells and a
    list returned by `parse` adds each of its values."""
    prepared = Prepared()
    total = importer.count_rows(path)
    for line, raw in importer.read(path):
        prepared.rows_read += 1
        try:
            value = importer.parse(line, raw)
        except RowProblem as problem:
            room = MAX_ERRORS_KEPT - len(prepared.errors)
            prepared.errors.extend(row_errors(line, problem)[: max(0, room)])
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


@dataclass
class Checked:
    """What a vectorised check of a whole file found."""

    rows: Any  # the prepared rows (e.g. a Polars DataFrame); used only when no line is bad
    rows_read: int
    bad_lines: list[int] = field(default_factory=list)  # lines it refused


def prepare_vectorised(
    importer: Importer,
    path: Path,
    check: Callable[[Path], Checked],
    progress: Progress | None = None,
) -> Prepared:
    """Importer.prepare through a whole-file `check`; when it flags a bad line, the file is
    validated again row by row (`prepare_row_by_row`), which words each problem."""
    checked = check(path)
    if not checked.bad_lines:
        if progress is not None:
            progress(checked.rows_read, checked.rows_read)
        return Prepared(rows=checked.rows, rows_read=checked.rows_read)
    prepared = prepare_row_by_row(importer, path, progress)
    if not prepared.errors:
        # The row-by-row parser is the reference: a row only the vectorised check refuses is a
        # bug in that check (the tests compare the two), not a fault of the file.
        logger.warning(
            "%s: the vectorised check refused line(s) %s of %s that the row-by-row parser "
            "accepts; the file was imported row by row.",
            importer.dataset,
            checked.bad_lines[:10],
            path.name,
        )
    return prepared
