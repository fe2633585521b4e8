"""Imports started from the web: queued, then run by a background job, never in the request.

An officer's upload (or "Import now" on a file in the data folder) becomes a QUEUED Import with
`upload_path`; `start_import_job` starts a job for it and returns at once; the status page
follows the job through the Import row (status, rows_done/rows_total), which `run_import`
updates. How the job runs is `settings.NORTHSTAR_IMPORT_JOBS`:

- "subprocess" (the default): a detached `northstar run_import_job ID` process in its own
  session, so it outlives the request and the gunicorn worker that started it and never holds
  a worker; its output goes to NORTHSTAR_IMPORT_JOB_LOG_DIR/import-ID.log.
- "thread": a thread of the web process (no process start-up; dies with the worker).
- "inline": in the caller, before returning (tests, debugging; the request waits).

A job whose process stopped before finishing (a restart, a kill) leaves its Import QUEUED or
RUNNING; `mark_lost_jobs` (run by the /data/ pages and by `northstar mark_lost_imports`) turns
those into FAILED with `interrupted` set. Nothing of them was written: `run_import` writes all
or nothing in one transaction.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.db import connections, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

import northstar
from northstar.core.errors import UserInputError

from .framework import Importer, all_importers, get_importer, run_import
from .models import UNFINISHED, Import, ImportStatus

logger = logging.getLogger(__name__)

JOB_MODES = ("subprocess", "thread", "inline")
# Set by the web process for its job process: the database the web process itself uses, so the
# job reads the Import it was started for (the same database outside tests; tests use another).
DATABASE_ENV = "NORTHSTAR_JOB_DATABASE_NAME"
INTERRUPTED_MESSAGE = (
    "The import was interrupted: its background job stopped before finishing (for example "
    "when the service restarted). Nothing was written. Start the import again."
)
NOT_STARTED_MESSAGE = "The background job could not be started. Nothing was written."
FAILED_MESSAGE = "The import stopped on an internal error; nothing was written. It has been logged."


# --- Settings -----------------------------------------------------------------------------


def job_mode() -> str:
    mode = getattr(settings, "NORTHSTAR_IMPORT_JOBS", "subprocess")
    if mode not in JOB_MODES:
        raise ValueError(f"NORTHSTAR_IMPORT_JOBS must be one of {JOB_MODES}, not {mode!r}")
    return mode


def max_upload_bytes() -> int:
    return int(float(getattr(settings, "NORTHSTAR_IMPORT_MAX_UPLOAD_MB", 200)) * 1024 * 1024)


def uploads_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def log_dir() -> Path:
    default = Path(settings.MEDIA_ROOT).parent / "import-jobs"
    return Path(getattr(settings, "NORTHSTAR_IMPORT_JOB_LOG_DIR", None) or default)


def lost_after() -> timedelta:
    """How long a queued import may wait for its job to start before it counts as lost."""
    return timedelta(minutes=float(getattr(settings, "NORTHSTAR_IMPORT_JOB_LOST_MINUTES", 2)))


def unseen_after() -> timedelta:
    """How long a job on another machine (whose process cannot be looked at) may run."""
    return timedelta(hours=float(getattr(settings, "NORTHSTAR_IMPORT_JOB_MAX_HOURS", 12)))


# --- Which files may be imported ----------------------------------------------------------


def accepted_extensions(importer: Importer) -> tuple[str, ...]:
    """File name endings the importer reads: its own `extensions` if it declares them, else
    those of its default files ('.csv' for a CSV importer); empty means any."""
    declared = getattr(importer, "extensions", None)
    if declared:
        return tuple(e.lower() for e in declared)
    return tuple(sorted({Path(f).suffix.lower() for f in importer.default_files if Path(f).suffix}))


def check_not_busy(dataset: str) -> None:
    """One import of a dataset at a time: each replaces what the previous one wrote."""
    mark_lost_jobs(Import.objects.filter(dataset=dataset))
    running = Import.objects.unfinished().filter(dataset=dataset).first()
    if running is not None:
        raise UserInputError(
            f"An import of this dataset ({running.file_name}) is already {running.status}. "
            "Wait for it to finish, then try again."
        )


def safe_file_name(name: str) -> str:
    """The uploaded file's own name, made safe to store (no folders, no odd characters)."""
    base = Path(name.replace("\\", "/")).name
    try:
        safe = get_valid_filename(base)
    except SuspiciousFileOperation:
        safe = "upload"
    stem, suffix = Path(safe).stem, Path(safe).suffix[:16]
    return f"{stem[:100] or 'upload'}{suffix}"


# --- Queueing -----------------------------------------------------------------------------


def queue_upload(importer: Importer, upload: UploadedFile, user) -> Import:
    """Keep the upload under MEDIA_ROOT/imports/<uuid>/<safe name> and queue its import."""
    check_not_busy(importer.dataset)
    folder = uploads_dir() / uuid.uuid4().hex
    folder.mkdir(parents=True)
    target = folder / safe_file_name(upload.name or "upload")
    digest = hashlib.sha256()
    with target.open("xb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
            digest.update(chunk)
    original = Path((upload.name or "upload").replace("\\", "/")).name
    return queue_file(importer, target, user=user, file_name=original, sha256=digest.hexdigest())


def queue_present_file(dataset: str, relative: str, user) -> Import:
    """Queue the import of one of a dataset's default files found in the data folder."""
    importer = get_importer(dataset)
    if relative not in importer.default_files:
        raise UserInputError(f"{relative!r} is not a file of the dataset {dataset!r}.")
    path = Path(settings.NORTHSTAR_DATA_DIR) / relative
    if not path.is_file():
        raise UserInputError(f"{relative} is no longer in the data folder.")
    digest = file_sha256(path)
    done = Import.objects.succeeded_file(dataset, digest).first()
    if done is not None:
        raise UserInputError(f"{path.name} was already imported on {done.started_at:%d %B %Y}.")
    check_not_busy(dataset)
    return queue_file(importer, path, user=user, sha256=digest)


def queue_file(
    importer: Importer, path: Path, *, user, file_name: str | None = None, sha256: str = ""
) -> Import:
    record = Import.objects.create(
        dataset=importer.dataset,
        publisher=importer.publisher,
        file_name=(file_name or path.name)[:255],
        sha256=sha256 or file_sha256(path),
        status=ImportStatus.QUEUED,
        upload_path=str(path),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    start_import_job(record)
    return record


# --- Starting and running jobs ------------------------------------------------------------


def start_import_job(record: Import) -> None:
    """Start the background job for a QUEUED import and return without waiting for it."""
    mode = job_mode()
    if mode == "inline":
        _run_logged(record.pk)
        return
    # The job reads the Import from its own connection: start it once the row is committed.
    transaction.on_commit(lambda: _start(mode, record.pk))


def _start(mode: str, pk: int) -> None:
    if mode == "subprocess" and job_database_name() is None:
        logger.warning("Import %s: an in-memory database; running the job in a thread.", pk)
        mode = "thread"
    if mode == "thread":
        threading.Thread(target=_thread_main, args=(pk,), name=f"import-{pk}", daemon=True).start()
        return
    try:
        process = spawn_job(pk)
    except Exception:
        logger.exception("Import %s: the job process could not be started", pk)
        _finish_unfinished(pk, ImportStatus.FAILED, NOT_STARTED_MESSAGE)
        return
    # Reap the process when it ends, so that it is not left a zombie of this worker.
    threading.Thread(target=process.wait, name=f"import-{pk}-reaper", daemon=True).start()
    Import.objects.filter(pk=pk, job_pid__isnull=True, status__in=UNFINISHED).update(
        job_pid=process.pid,
        job_host=_host(),
        job_process_start=process_start(process.pid) or "",
    )


def job_command(pk: int) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from northstar.cli import main; main()",
        "run_import_job",
        str(pk),
    ]


def job_database_name() -> str | None:
    """The web process's database, for its job process; None if no other process can open it
    (an in-memory SQLite database, as the test suite's)."""
    connection = connections["default"]
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return None
    return str(connection.settings_dict["NAME"])


def job_environment() -> dict[str, str]:
    env = dict(os.environ)
    # (Under override_settings, as in tests, settings.SETTINGS_MODULE is None.)
    module = settings.SETTINGS_MODULE or os.environ.get("DJANGO_SETTINGS_MODULE")
    if module:
        env["DJANGO_SETTINGS_MODULE"] = module
    env[DATABASE_ENV] = job_database_name() or ""
    package_root = str(Path(northstar.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    return env


def spawn_job(pk: int) -> subprocess.Popen:
    """`northstar run_import_job PK` as a detached process (own session), output to a log."""
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"import-{pk}.log").open("ab") as log:
        return subprocess.Popen(
            job_command(pk),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=job_environment(),
            cwd=str(Path(northstar.__file__).resolve().parent.parent),
            start_new_session=True,
            close_fds=True,
        )


def use_job_database() -> None:
    """In a job process: use the database of the web process that started it."""
    name = os.environ.get(DATABASE_ENV)
    connection = connections["default"]
    if name and str(connection.settings_dict["NAME"]) != name:
        connection.close()
        connection.settings_dict["NAME"] = name


def _thread_main(pk: int) -> None:
    try:
        _run_logged(pk)
    finally:
        connections.close_all()  # this thread's connections only


def _run_logged(pk: int) -> None:
    try:
        run_job(pk)
    except Exception:
        logger.exception("Import %s failed", pk)


def run_job(pk: int) -> Import:
    """Run one queued import to its end; what every kind of job runs. Returns the Import.

    A file with bad rows ends REJECTED (every bad row recorded), a fault in the service FAILED;
    either way nothing is written. An Import that is not QUEUED is left alone (never run twice).
    """
    claimed = Import.objects.filter(pk=pk, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, **this_process()
    )
    record = Import.objects.select_related("created_by").get(pk=pk)
    if not claimed:
        logger.warning("Import %s is %s, not queued: not run again.", pk, record.status)
        return record
    try:
        importer = get_importer(record.dataset)
        run_import(
            importer,
            record.upload_path,
            user=record.created_by,
            record=record,
            file_name=record.file_name,
        )
    except UserInputError as exc:
        # Already recorded by run_import when it was the file; not when it never began (an
        # unknown dataset, a vanished file).
        _finish_unfinished(pk, ImportStatus.REJECTED, exc.message)
    except Exception:
        _finish_unfinished(pk, ImportStatus.FAILED, FAILED_MESSAGE)
        raise
    except BaseException:  # SIGTERM (as SystemExit), Ctrl-C
        _finish_unfinished(pk, ImportStatus.FAILED, INTERRUPTED_MESSAGE, interrupted=True)
        raise
    record.refresh_from_db()
    return record


def _finish_unfinished(pk: int, status: str, message: str, *, interrupted: bool = False) -> int:
    return Import.objects.filter(pk=pk, status__in=UNFINISHED).update(
        status=status, message=message, interrupted=interrupted, finished_at=timezone.now()
    )


# --- Lost jobs ----------------------------------------------------------------------------


def _host() -> str:
    return socket.gethostname()[:255]


def this_process() -> dict:
    pid = os.getpid()
    return {"job_pid": pid, "job_host": _host(), "job_process_start": process_start(pid) or ""}


def process_start(pid: int) -> str | None:
    """The start time of a live process as the OS records it, None if there is none.

    On Linux it is read from /proc/PID/stat (so a later process given the same id is not taken
    for the job, and a finished but unreaped process counts as gone); elsewhere "" when alive.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        if Path("/proc/self/stat").exists():
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return ""
        return ""
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (command name) "
    state, start = fields[0], fields[19]  # fields 3 and 22 of proc(5)
    if state in ("Z", "X"):
        return None
    return start


def job_is_lost(record: Import, now: datetime | None = None) -> bool:
    """Whether an unfinished import's job has stopped without finishing it."""
    if record.is_finished:
        return False
    age = (now or timezone.now()) - record.started_at
    if record.job_pid is None:
        return age > lost_after()  # queued, and no job ever took it up
    if record.job_host != _host():
        return age > unseen_after()  # another machine's process: it cannot be looked at
    start = process_start(record.job_pid)
    if start is None:
        return True
    return bool(record.job_process_start) and start != record.job_process_start


def mark_lost_jobs(imports=None) -> int:
    """Mark the unfinished imports whose job has gone as FAILED (interrupted); how many."""
    now = timezone.now()
    marked = 0
    for record in (imports if imports is not None else Import.objects.all()).unfinished():
        if job_is_lost(record, now):
            # Only if nothing changed meanwhile (the job may have just finished, or just begun).
            marked += Import.objects.filter(
                pk=record.pk, status=record.status, job_pid=record.job_pid
            ).update(
                status=ImportStatus.FAILED,
                interrupted=True,
                finished_at=now,
                message=INTERRUPTED_MESSAGE,
            )
    return marked


# --- The data folder ----------------------------------------------------------------------

_hashes: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, remembered while its size and modification time stay the same."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _hashes:
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
        _hashes[key] = digest.hexdigest()
    return _hashes[key]


@dataclass(frozen=True)
class PresentFile:
    dataset: str
    title: str
    relative: str
    size: int
    sha256: str
    pending: Import | None  # an import of this dataset queued or running now


def files_not_yet_imported(data_dir: Path | None = None) -> list[PresentFile]:
    """The importers' default files found in the data folder that no import has loaded."""
    data_dir = Path(data_dir or settings.NORTHSTAR_DATA_DIR)
    found = []
    for importer in all_importers():
        if (
            importer.alternative_to
            and Import.objects.filter(
                dataset=importer.alternative_to, status=ImportStatus.SUCCEEDED
            ).exists()
        ):
            # Its figures came in with the dataset it is an alternative to; `northstar import
            # --present` skips it for the same reason, so it is not offered as missing.
            continue
        for relative in importer.default_files:
            path = data_dir / relative
            if not path.is_file():
                continue
            digest = file_sha256(path)
            if Import.objects.succeeded_file(importer.dataset, digest).exists():
                continue
            pending = Import.objects.unfinished().filter(dataset=importer.dataset).first()
            found.append(
                PresentFile(
                    importer.dataset, importer.title, relative, path.stat().st_size, digest, pending
                )
            )
    return found
