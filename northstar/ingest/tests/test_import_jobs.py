"""Background import jobs: running a queued import, and noticing a job that has gone."""

from __future__ import annotations

import os
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from northstar.economy.models import Statistic
from northstar.ingest import jobs
from northstar.ingest.framework import get_importer
from northstar.ingest.models import Import, ImportStatus

from .conftest import GVA_BAD_LINE, GVA_GOOD, gva_bytes

HERE = jobs.this_process  # the test process stands in for a job's process


def queued(tmp_path: Path, lines=GVA_GOOD, **fields) -> Import:
    path = tmp_path / "gva.csv"
    path.write_bytes(gva_bytes(lines))
    values = {
        "dataset": "ons-gva-itl",
        "file_name": "gva.csv",
        "sha256": "",
        "status": ImportStatus.QUEUED,
        "upload_path": str(path),
    }
    values.update(fields)
    return Import.objects.create(**values)


def run(*args) -> str:
    out = StringIO()
    call_command("run_import_job", *args, stdout=out)
    return out.getvalue()


# --- run_import_job ------------------------------------------------------------------------


def test_run_import_job_imports_a_queued_file(db, tmp_path):
    record = queued(tmp_path)
    assert "Succeeded" in run(str(record.pk))
    record.refresh_from_db()
    assert record.status == ImportStatus.SUCCEEDED
    assert record.job_pid == os.getpid()
    assert len(record.sha256) == 64
    assert Statistic.objects.filter(source_import=record).count() == 3


def test_run_import_job_records_a_rejected_file(db, tmp_path):
    record = queued(tmp_path, [*GVA_GOOD, GVA_BAD_LINE])
    assert "Rejected" in run(str(record.pk))
    record.refresh_from_db()
    assert (record.status, record.rows_rejected) == (ImportStatus.REJECTED, 1)
    assert not Statistic.objects.exists()


def test_an_import_is_never_run_twice(db, tmp_path):
    record = queued(tmp_path, status=ImportStatus.SUCCEEDED, message="done before")
    run(str(record.pk))
    record.refresh_from_db()
    assert (record.status, record.message, record.job_pid) == (
        ImportStatus.SUCCEEDED,
        "done before",
        None,
    )
    assert not Statistic.objects.exists()


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"upload_path": "/nowhere/gva.csv"}, "No such file"),
        ({"dataset": "a-dataset-since-removed"}, "Unknown dataset"),
    ],
)
def test_a_job_that_cannot_begin_is_rejected_with_the_reason(db, tmp_path, fields, reason):
    record = queued(tmp_path, **fields)
    run(str(record.pk))
    record.refresh_from_db()
    assert record.status == ImportStatus.REJECTED
    assert reason in record.message
    assert record.finished_at is not None


def test_a_fault_in_the_service_ends_failed(db, tmp_path, monkeypatch):
    importer_class = type(get_importer("ons-gva-itl"))

    def broken(self, rows, record):
        raise RuntimeError("a bug")

    monkeypatch.setattr(importer_class, "write", broken)
    record = queued(tmp_path)
    with pytest.raises(RuntimeError):
        run(str(record.pk))
    record.refresh_from_db()
    assert (record.status, record.interrupted) == (ImportStatus.FAILED, False)
    assert not Statistic.objects.exists()


def test_a_job_stopped_by_a_signal_ends_interrupted(db, tmp_path, monkeypatch):
    importer_class = type(get_importer("ons-gva-itl"))

    def stopped(self, rows, record):
        raise SystemExit(143)  # what run_import_job's SIGTERM handler raises

    monkeypatch.setattr(importer_class, "write", stopped)
    record = queued(tmp_path)
    with pytest.raises(SystemExit):
        run(str(record.pk))
    record.refresh_from_db()
    assert (record.status, record.interrupted) == (ImportStatus.FAILED, True)
    assert record.status_label == "Failed (interrupted)"


def test_run_import_job_for_no_such_import(db):
    with pytest.raises(CommandError, match="No import 999"):
        run("999")


# --- Lost jobs -----------------------------------------------------------------------------


def unsaved(minutes_ago: float, **fields) -> Import:
    return Import(
        status=fields.pop("status", ImportStatus.RUNNING),
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
        **fields,
    )


def test_a_live_job_is_not_lost():
    assert not jobs.job_is_lost(unsaved(600, **HERE()))


def test_a_job_whose_process_has_ended_is_lost(tmp_path):
    import subprocess
    import sys

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True, capture_output=True, text=True)  # fmt: skip
    assert jobs.process_start(int(ended.stdout)) is None
    record = unsaved(0, **{**HERE(), "job_pid": int(ended.stdout)})
    assert jobs.job_is_lost(record)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_process_id_reused_by_another_process_is_not_taken_for_the_job():
    record = unsaved(5, **{**HERE(), "job_process_start": "1"})
    assert jobs.job_is_lost(record)


def test_a_queued_import_no_job_took_up_is_lost_after_a_while(settings):
    settings.NORTHSTAR_IMPORT_JOB_LOST_MINUTES = 2
    assert not jobs.job_is_lost(unsaved(1, status=ImportStatus.QUEUED))
    assert jobs.job_is_lost(unsaved(3, status=ImportStatus.QUEUED))


def test_a_job_on_another_machine_is_given_up_only_after_hours(settings):
    settings.NORTHSTAR_IMPORT_JOB_MAX_HOURS = 12
    elsewhere = {"job_pid": 1, "job_host": "another-machine", "job_process_start": "9"}
    assert not jobs.job_is_lost(unsaved(11 * 60, **elsewhere))
    assert jobs.job_is_lost(unsaved(13 * 60, **elsewhere))


def test_a_finished_import_is_never_lost():
    assert not jobs.job_is_lost(unsaved(10_000, status=ImportStatus.SUCCEEDED))


def test_mark_lost_imports_marks_only_the_lost(db, tmp_path, settings):
    settings.NORTHSTAR_IMPORT_JOB_LOST_MINUTES = 2
    lost = queued(tmp_path)
    Import.objects.filter(pk=lost.pk).update(started_at=timezone.now() - timedelta(minutes=5))
    waiting = queued(tmp_path, dataset="other")
    running = queued(tmp_path, status=ImportStatus.RUNNING, **HERE())
    out = StringIO()
    call_command("mark_lost_imports", stdout=out)
    assert "1 import(s) marked" in out.getvalue()
    statuses = dict(Import.objects.values_list("pk", "status"))
    assert statuses == {
        lost.pk: ImportStatus.FAILED,
        waiting.pk: ImportStatus.QUEUED,
        running.pk: ImportStatus.RUNNING,
    }
    lost.refresh_from_db()
    assert lost.interrupted and lost.message == jobs.INTERRUPTED_MESSAGE


# --- Small parts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("gva.csv", "gva.csv"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\My file (1).CSV", "My_file_1.CSV"),
        ("..", "upload"),
        ("x" * 300 + ".csv", "x" * 100 + ".csv"),
    ],
)
def test_safe_file_name(name, safe):
    assert jobs.safe_file_name(name) == safe


def test_accepted_extensions_come_from_the_importer():
    importer = get_importer("ons-gva-itl")
    assert jobs.accepted_extensions(importer) == (".csv",)

    class Declares(type(importer)):
        extensions = (".CSV", ".txt")

    assert jobs.accepted_extensions(Declares()) == (".csv", ".txt")

    class NoFiles(type(importer)):
        default_files = ()

    assert jobs.accepted_extensions(NoFiles()) == ()


def test_an_unknown_job_mode_is_refused(settings):
    settings.NORTHSTAR_IMPORT_JOBS = "celery"
    with pytest.raises(ValueError, match="NORTHSTAR_IMPORT_JOBS"):
        jobs.job_mode()
