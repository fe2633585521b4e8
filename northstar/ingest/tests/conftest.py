"""Fixtures for the /data/ pages and their background import jobs."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from northstar.economy.importers.gva import GvaItlLongImporter
from northstar.ingest import framework, jobs
from northstar.ingest.models import Import

GVA_HEADER = "itl_level,itl_code,region_name,year,measure,value\n"
GVA_GOOD = [
    "UK,UK,United Kingdom,2021,gva_balanced_current_prices_gbp_million,2035623\n",
    "ITL1,TLD,North West,2021,gva_balanced_current_prices_gbp_million,198930\n",
    "ITL2,TLD7,Merseyside,2021,gva_balanced_current_prices_gbp_million,35345\n",
]
GVA_BAD_LINE = "ITL2,TLD7,Merseyside,2021,gva_balanced_current_prices_gbp_million,lots\n"


def gva_bytes(lines: list[str]) -> bytes:
    return (GVA_HEADER + "".join(lines)).encode()


def gva_upload(lines: list[str], name: str = "gva.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, gva_bytes(lines), content_type="text/csv")


@pytest.fixture
def data_settings(settings, tmp_path):
    """Uploads, job logs and the data folder in tmp_path; jobs inline."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NORTHSTAR_IMPORT_JOB_LOG_DIR = tmp_path / "job-logs"
    settings.NORTHSTAR_DATA_DIR = tmp_path / "data"
    settings.NORTHSTAR_IMPORT_JOBS = "inline"
    (tmp_path / "data").mkdir()
    return settings


def stored_uploads(settings) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


class SlowGvaImporter(GvaItlLongImporter):
    """The GVA importer, held at the start of its checking until the test lets it go."""

    dataset = "test-slow-gva"
    title = "GVA, slowly (test)"
    started = threading.Event()
    release = threading.Event()

    def prepare(self, path, progress=None):
        SlowGvaImporter.started.set()
        if not SlowGvaImporter.release.wait(timeout=30):
            raise RuntimeError("the test never released the slow importer")
        return super().prepare(path, progress)


@pytest.fixture
def slow_importer():
    framework.all_importers()  # the registry is complete before the test adds to it
    SlowGvaImporter.started.clear()
    SlowGvaImporter.release.clear()
    framework.REGISTRY[SlowGvaImporter.dataset] = SlowGvaImporter
    try:
        yield SlowGvaImporter
    finally:
        SlowGvaImporter.release.set()
        del framework.REGISTRY[SlowGvaImporter.dataset]


class JobDatabase:
    """Lets a job process (a real `northstar run_import_job`) use the test database.

    PostgreSQL: the job opens the test database itself (the test must be transactional, so that
    the job sees the committed upload). SQLite: the test database is in memory, which no other
    process can open; it is copied to a file just before the job process starts, the job runs on
    the file, and the file is copied back once the job has finished.
    """

    def __init__(self, monkeypatch, tmp_path: Path):
        self.file: Path | None = None
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            self.file = tmp_path / "job-database.sqlite3"
            monkeypatch.setattr(jobs, "job_database_name", lambda: str(self.file))
            real_spawn = jobs.spawn_job

            def copy_then_spawn(pk):
                connection.ensure_connection()
                with sqlite3.connect(self.file) as target:
                    connection.connection.backup(target)
                return real_spawn(pk)

            monkeypatch.setattr(jobs, "spawn_job", copy_then_spawn)

    def _status(self, pk: int) -> str | None:
        if self.file is None:
            return Import.objects.filter(pk=pk).values_list("status", flat=True).first()
        if not self.file.exists():
            return None
        with sqlite3.connect(self.file, timeout=20) as db:
            row = db.execute("SELECT status FROM ingest_import WHERE id = ?", (pk,)).fetchone()
        return row[0] if row else None

    def _pid(self, pk: int) -> int | None:
        if self.file is None:
            return Import.objects.filter(pk=pk).values_list("job_pid", flat=True).first()
        with sqlite3.connect(self.file, timeout=20) as db:
            return db.execute("SELECT job_pid FROM ingest_import WHERE id = ?", (pk,)).fetchone()[0]

    def wait_for(self, pk: int, timeout: float = 60) -> None:
        """Wait until the import has finished and its job process has ended."""
        deadline = time.monotonic() + timeout
        while self._status(pk) in (None, "queued", "running"):
            if time.monotonic() > deadline:
                raise AssertionError(f"import {pk} did not finish within {timeout} s")
            time.sleep(0.1)
        pid = self._pid(pk)
        while pid and jobs.process_start(pid) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.file is not None:
            with sqlite3.connect(self.file) as source:
                source.backup(connection.connection)


@pytest.fixture
def job_database(monkeypatch, tmp_path):
    return JobDatabase(monkeypatch, tmp_path)
