"""The shape of every importer of a publisher's file, and the one way to run one.

An importer reads the publisher's own format and turns each row into a prepared value or a
RowProblem. `run_import` validates every row first; if any row is bad it writes nothing to the
domain tables, records a rejected Import with each bad row, and raises FileRejected. Otherwise it
writes everything, and the Import that records it, in one transaction: a killed import leaves
nothing behind. Importers replace what an earlier import of the same dataset wrote, so running
the same file again changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from northstar.core.errors import FileRejected, RowError, UserInputError

from .models import Import, ImportRowError, ImportStatus
from .services import sha256_of

Progress = Callable[[int, int | None], None]
MAX_ERRORS_KEPT = 1000  # a file with more bad rows than this is reported by its first 1000
PROGRESS_EVERY_SECONDS = 1.0


class RowProblem(Exception):
    """One row cannot be read: raised by Importer.parse with the column and a readable reason."""

    def __init__(self, reason: str, column: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.column = column


@dataclass
class Prepared:
    """What the validation phase hands to the write phase."""

    rows: Any = field(default_factory=list)
    rows_read: int = 0
    errors: list[RowError] = field(default_factory=list)


class Importer:
    """Subclass per publisher format; register it with @register."""

    dataset: ClassVar[
        str
    ]  # registry key, used on the command line: `northstar import DATASET FILE`
    title: ClassVar[str]
    publisher: ClassVar[str]
    licence: ClassVar[str] = "Open Government Licence v3.0"
    # Files under NORTHSTAR_DATA_DIR that this importer reads by default, relative paths.
    default_files: ClassVar[tuple[str, ...]] = ()
    # Lower runs first when importing everything present (geography before statistics).
    order: ClassVar[int] = 100
    # File endings an upload may have, e.g. (".csv",); empty: the endings of default_files.
    extensions: ClassVar[tuple[str, ...]] = ()
    # Another dataset holding the same figures from the publisher's primary file: when that
    # dataset's file is present, `northstar import --present` skips this one.
    alternative_to: ClassVar[str] = ""

    def read(self, path: Path) -> Iterator[tuple[int, Mapping[str, Any]]]:
        """Yield (line number in the file, raw row). Raise UserInputError for file-level faults."""
        raise NotImplementedError

    def parse(self, line: int, raw: Mapping[str, Any]) -> Any:
        """Turn one raw row into a prepared value, or raise RowProblem. None skips the row."""
        raise NotImplementedError

    def write(self, rows: list[Any], record: Import) -> int:
        """Write the prepared rows (inside the import's transaction); return how many."""
        raise NotImplementedError

    def after_commit(self, record: Import) -> None:
        """Run once the import's transaction has committed (e.g. refresh the planner's statistics
        of a large table). Not called when the import runs inside an outer transaction."""

    def count_rows(self, path: Path) -> int | None:
        """The number of rows, if cheap to know in advance (for progress bars): for a plain CSV,
        its lines less the header (a quoted value spanning lines makes this an estimate)."""
        if path.suffix.lower() != ".csv":
            return None
        with path.open("rb") as f:
            return max(0, sum(1 for _ in f) - 1)

    def prepare(self, path: Path, progress: Progress | None = None) -> Prepared:
        """Validate every row. Override for a vectorised reader (e.g. Polars) on large files."""
        prepared = Prepared()
        total = self.count_rows(path)
        for line, raw in self.read(path):
            prepared.rows_read += 1
            try:
                value = self.parse(line, raw)
            except RowProblem as problem:
                if len(prepared.errors) < MAX_ERRORS_KEPT:
                    prepared.errors.append(RowError(line, problem.reason, problem.column))
                continue
            if value is not None:
                prepared.rows.append(value)
            if progress is not None and prepared.rows_read % 500 == 0:
                progress(prepared.rows_read, total)
        if progress is not None:
            progress(prepared.rows_read, total)
        return prepared


REGISTRY: dict[str, type[Importer]] = {}


def register(cls: type[Importer]) -> type[Importer]:
    if cls.dataset in REGISTRY and REGISTRY[cls.dataset] is not cls:
        raise RuntimeError(f"Two importers claim the dataset {cls.dataset!r}")
    REGISTRY[cls.dataset] = cls
    return cls


def get_importer(dataset: str) -> Importer:
    _load_importers()
    try:
        return REGISTRY[dataset]()
    except KeyError:
        known = ", ".join(sorted(REGISTRY)) or "none"
        raise UserInputError(f"Unknown dataset {dataset!r}. Known datasets: {known}.") from None


def all_importers() -> list[Importer]:
    _load_importers()
    return [cls() for cls in sorted(REGISTRY.values(), key=lambda c: (c.order, c.dataset))]


def _load_importers() -> None:
    """Each app's `importers` module registers its importers when imported."""
    from django.utils.module_loading import autodiscover_modules

    if not getattr(_load_importers, "done", False):
        autodiscover_modules("importers")
        _load_importers.done = True  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ImportOutcome:
    record: Import
    rows_read: int
    rows_loaded: int


def _progress_saver(record: Import | None, progress: Progress | None) -> Progress | None:
    """Report progress to the caller, and to the Import row (for the status page) once a second."""
    if record is None:
        return progress
    last = [0.0]

    def report(done: int, total: int | None) -> None:
        if progress is not None:
            progress(done, total)
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_SECONDS:
            last[0] = now
            Import.objects.filter(pk=record.pk).update(rows_done=done, rows_total=total)

    return report


def run_import(
    importer: Importer | str,
    path: Path | str,
    *,
    user=None,
    progress: Progress | None = None,
    record: Import | None = None,
    file_name: str | None = None,
) -> ImportOutcome:
    """Validate and load one file; all or nothing. `record` is a queued Import (web uploads)."""
    if isinstance(importer, str):
        importer = get_importer(importer)
    path = Path(path)
    if not path.is_file():
        raise UserInputError(f"No such file: {path}")
    file_name = file_name or path.name
    with path.open("rb") as stream:
        digest = sha256_of(stream)
    provenance = {
        "dataset": importer.dataset,
        "publisher": importer.publisher,
        "file_name": file_name,
        "sha256": digest,
        "created_by": user if getattr(user, "is_authenticated", False) else None,
    }
    if record is not None:
        Import.objects.filter(pk=record.pk).update(status=ImportStatus.RUNNING, sha256=digest)

    try:
        prepared = importer.prepare(path, _progress_saver(record, progress))
    except UserInputError as exc:
        _finish_rejected(record, provenance, 0, [], exc.message)
        raise
    except Exception:
        _finish_failed(record)
        raise
    if prepared.errors:
        rejected = FileRejected(file_name, prepared.errors)
        _finish_rejected(record, provenance, prepared.rows_read, prepared.errors, rejected.message)
        raise rejected

    try:
        with transaction.atomic():
            if record is None:
                record = Import.objects.create(**provenance)
            loaded = importer.write(prepared.rows, record)
            Import.objects.filter(pk=record.pk).update(
                status=ImportStatus.SUCCEEDED,
                rows_read=prepared.rows_read,
                rows_loaded=loaded,
                rows_rejected=0,
                rows_done=prepared.rows_read,
                rows_total=prepared.rows_read,
                finished_at=timezone.now(),
                message=f"{loaded:,} rows loaded from {prepared.rows_read:,} read.",
            )
    except UserInputError as exc:
        _finish_rejected(record, provenance, prepared.rows_read, [], exc.message)
        raise
    except Exception:
        _finish_failed(record)
        raise
    if not transaction.get_connection().in_atomic_block:
        importer.after_commit(record)
    record.refresh_from_db()
    return ImportOutcome(record, prepared.rows_read, loaded)


def _finish_rejected(record, provenance, rows_read, errors, message) -> None:
    """Keep a record of the refused attempt (never any of its data) with every bad row."""
    fields = {
        "status": ImportStatus.REJECTED,
        "rows_read": rows_read,
        "rows_loaded": 0,
        "rows_rejected": len({e.line for e in errors}),
        "finished_at": timezone.now(),
        "message": message,
    }
    if record is None or not Import.objects.filter(pk=record.pk).exists():
        record = Import.objects.create(**provenance, **fields)
    else:
        Import.objects.filter(pk=record.pk).update(**fields)
    ImportRowError.objects.bulk_create(
        ImportRowError(source_import=record, line=e.line, column=e.column, reason=e.reason)
        for e in errors
    )


def _finish_failed(record) -> None:
    if record is not None:
        Import.objects.filter(pk=record.pk).update(
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            message="The import stopped on an internal error; nothing was written. It has been logged.",
        )


def present_files(importer: Importer, data_dir: Path | None = None) -> list[Path]:
    data_dir = Path(data_dir or settings.NORTHSTAR_DATA_DIR)
    return [data_dir / f for f in importer.default_files if (data_dir / f).is_file()]
