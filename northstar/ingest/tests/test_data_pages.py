"""The /data/ pages: the list of imports, each import's status page, uploads and the data folder."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from northstar.accounts.roles import Role
from northstar.accounts.tests.factories import UserFactory
from northstar.economy.models import Statistic
from northstar.ingest import jobs
from northstar.ingest.models import Import, ImportRowError, ImportStatus

from .conftest import GVA_BAD_LINE, GVA_GOOD, gva_bytes, gva_upload, stored_uploads

GVA = "ons-gva-itl"
GVA_FILE = "ons_gva/itl_gva_gdp_population_long.csv"


def upload_url() -> str:
    return reverse("ingest:upload")


def make_import(**fields) -> Import:
    values = {
        "dataset": GVA,
        "publisher": "Office for National Statistics",
        "file_name": "gva.csv",
        "sha256": "ab" * 32,
        "status": ImportStatus.SUCCEEDED,
    }
    values.update(fields)
    return Import.objects.create(**values)


# --- Upload validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"dataset": GVA}, "Choose a file to upload"),
        ({"file": "good"}, "Choose the dataset this file belongs to"),
        ({"dataset": "no-such-dataset", "file": "good"}, "Choose one of the datasets listed"),
        ({"dataset": GVA, "file": "empty"}, "The chosen file is empty"),
        ({"dataset": GVA, "file": "xlsx"}, "The chosen file must be a CSV file (.csv)"),
        ({"dataset": GVA, "file": "big"}, "The chosen file must be smaller than 1 MB"),
    ],
    ids=["no-file", "no-dataset", "wrong-dataset", "empty-file", "wrong-type", "too-big"],
)
def test_a_bad_upload_shows_the_error_summary_and_writes_nothing(
    officer_client, data_settings, data, message
):
    data_settings.NORTHSTAR_IMPORT_MAX_UPLOAD_MB = 1
    files = {
        "good": gva_upload(GVA_GOOD),
        "empty": SimpleUploadedFile("gva.csv", b""),
        "xlsx": SimpleUploadedFile("gva.xlsx", gva_bytes(GVA_GOOD)),
        "big": SimpleUploadedFile("gva.csv", gva_bytes(GVA_GOOD) + b"x" * (1024 * 1024)),
    }
    if "file" in data:
        data = {**data, "file": files[data["file"]]}
    response = officer_client.post(upload_url(), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="govuk-error-summary"' in page
    assert "There is a problem" in page
    assert message in page
    assert "<title>Error: " in page
    assert not Import.objects.exists()
    assert stored_uploads(data_settings) == []


def test_an_upload_is_refused_while_the_dataset_is_being_imported(officer_client, data_settings):
    running = make_import(status=ImportStatus.RUNNING, **jobs.this_process())
    response = officer_client.post(upload_url(), {"dataset": GVA, "file": gva_upload(GVA_GOOD)})
    assert response.status_code == 200
    assert "is already running" in response.content.decode()
    assert list(Import.objects.all()) == [running]
    assert stored_uploads(data_settings) == []


# --- Uploads that run -----------------------------------------------------------------------


def test_an_upload_is_kept_under_a_safe_name_and_imported(officer_client, officer, data_settings):
    response = officer_client.post(
        upload_url(), {"dataset": GVA, "file": gva_upload(GVA_GOOD, name="../../my GVA (2023).csv")}
    )
    record = Import.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("ingest:detail", args=[record.pk])
    [stored] = stored_uploads(data_settings)
    assert stored.name == "my_GVA_2023.csv"
    assert stored.parent.parent == Path(data_settings.MEDIA_ROOT) / "imports"
    assert len(stored.parent.name) == 32  # a uuid4 in hex
    assert record.upload_path == str(stored)
    assert record.file_name == "my GVA (2023).csv"
    assert record.created_by == officer
    assert record.status == ImportStatus.SUCCEEDED
    assert (record.rows_read, record.rows_loaded) == (3, 3)
    assert Statistic.objects.filter(source_import=record).count() == 3


def test_a_file_with_a_bad_row_is_rejected_and_the_row_listed(officer_client, data_settings):
    response = officer_client.post(
        upload_url(), {"dataset": GVA, "file": gva_upload([*GVA_GOOD, GVA_BAD_LINE])}
    )
    record = Import.objects.get()
    assert record.status == ImportStatus.REJECTED
    assert not Statistic.objects.exists()
    assert [(e.line, e.column) for e in record.row_errors.all()] == [(5, "value")]

    page = officer_client.get(response.url).content.decode()
    assert "The file was not imported" in page
    assert "Rejected (nothing written)" in page
    row = page.split('id="row-error-table"')[1]
    assert ">5</td>" in row
    assert "<code>value</code>" in row
    assert "not a number" in row
    assert 'http-equiv="refresh"' not in page


@pytest.mark.django_db(transaction=True)
def test_an_upload_is_imported_by_a_separate_process(client, officer, data_settings, job_database):
    """The default job: a detached `northstar run_import_job` process, really started."""
    data_settings.NORTHSTAR_IMPORT_JOBS = "subprocess"
    client.force_login(officer)
    response = client.post(upload_url(), {"dataset": GVA, "file": gva_upload(GVA_GOOD)})
    assert response.status_code == 302
    record = Import.objects.get()
    job_database.wait_for(record.pk)

    record.refresh_from_db()
    assert record.status == ImportStatus.SUCCEEDED, record.message
    assert record.job_pid is not None
    assert record.job_pid != __import__("os").getpid()
    assert (record.rows_read, record.rows_loaded, record.rows_rejected) == (3, 3, 0)
    assert Statistic.objects.filter(source_import=record, place__code="TLD7").get().value == 35345
    log = Path(data_settings.NORTHSTAR_IMPORT_JOB_LOG_DIR) / f"import-{record.pk}.log"
    assert "Succeeded" in log.read_text()

    page = client.get(response.url).content.decode()
    assert "3 rows loaded from 3 read" in page
    assert record.sha256 in page
    assert 'http-equiv="refresh"' not in page


@pytest.mark.django_db(transaction=True)
def test_the_request_returns_before_the_import_finishes(
    client, officer, data_settings, slow_importer, monkeypatch
):
    data_settings.NORTHSTAR_IMPORT_JOBS = "thread"
    go = threading.Event()
    real_run_job = jobs.run_job

    def run_job_when_told(pk):
        # Hold the job back until the request is answered (an import run inside the request
        # would hold the request 5 s here, then finish before it answers; the test would fail).
        go.wait(timeout=5)
        return real_run_job(pk)

    monkeypatch.setattr(jobs, "run_job", run_job_when_told)
    client.force_login(officer)
    began = time.monotonic()
    response = client.post(
        upload_url(), {"dataset": slow_importer.dataset, "file": gva_upload(GVA_GOOD)}
    )
    assert time.monotonic() - began < 4
    assert response.status_code == 302
    record = Import.objects.get()
    assert record.status == ImportStatus.QUEUED

    page = client.get(response.url).content.decode()
    assert 'http-equiv="refresh" content="2"' in page
    assert "Queued" in page
    go.set()
    assert slow_importer.started.wait(timeout=10)
    page = client.get(response.url).content.decode()
    assert "Running" in page
    assert "rows checked" in page
    assert 'http-equiv="refresh" content="2"' in page

    slow_importer.release.set()
    [job] = [t for t in threading.enumerate() if t.name == f"import-{record.pk}"] or [None]
    if job is not None:
        job.join(timeout=30)
    record.refresh_from_db()
    assert record.status == ImportStatus.SUCCEEDED, record.message
    assert record.job_pid == __import__("os").getpid()  # a thread of this process
    assert Statistic.objects.filter(source_import=record).count() == 3


# --- Status page: progress and lost jobs ----------------------------------------------------


def test_the_status_page_shows_progress_while_running(officer_client, data_settings):
    record = make_import(
        status=ImportStatus.RUNNING, rows_done=2500, rows_total=10000, **jobs.this_process()
    )
    page = officer_client.get(reverse("ingest:detail", args=[record.pk])).content.decode()
    assert "2,500 of 10,000 rows checked" in page
    assert 'role="progressbar"' in page
    assert 'aria-valuenow="2500"' in page
    assert "width:25%" in page
    assert '<meta http-equiv="refresh" content="2">' in page


def test_an_import_whose_job_has_gone_is_shown_as_interrupted(officer_client, data_settings):
    import subprocess
    import sys

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True, capture_output=True, text=True)  # fmt: skip
    gone = make_import(
        status=ImportStatus.RUNNING,
        job_pid=int(finished.stdout),
        job_host=jobs.this_process()["job_host"],
        job_process_start="1",
    )
    alive = make_import(status=ImportStatus.RUNNING, **jobs.this_process())
    page = officer_client.get(reverse("ingest:detail", args=[gone.pk])).content.decode()
    assert "Failed (interrupted)" in page
    assert "The import was interrupted" in page
    assert 'http-equiv="refresh"' not in page
    gone.refresh_from_db()
    assert (gone.status, gone.interrupted) == (ImportStatus.FAILED, True)
    assert gone.finished_at is not None
    officer_client.get(reverse("ingest:list"))
    alive.refresh_from_db()
    assert alive.status == ImportStatus.RUNNING


def test_errors_are_listed_page_by_page(officer_client, data_settings):
    record = make_import(status=ImportStatus.REJECTED, rows_rejected=60)
    ImportRowError.objects.bulk_create(
        ImportRowError(source_import=record, line=n + 2, column="value", reason=f"bad {n + 2}")
        for n in range(60)
    )
    url = reverse("ingest:detail", args=[record.pk])
    first = officer_client.get(url).content.decode()
    second = officer_client.get(url, {"page": 2}).content.decode()
    assert first.count("<code>value</code>") == 50
    assert second.count("<code>value</code>") == 10
    assert "bad 51<" in first and "bad 52<" not in first
    assert "bad 52<" in second
    assert "See the 60 problems by line" in first


# --- The list ------------------------------------------------------------------------------


def test_the_list_shows_provenance_and_filters_by_dataset_and_status(
    officer_client, officer, data_settings
):
    make_import(file_name="gva-2023.csv", sha256="1" * 64, created_by=officer)
    make_import(file_name="gva-bad.csv", status=ImportStatus.REJECTED, rows_rejected=2)
    make_import(dataset="ons-berd-itl2", file_name="berd.csv", sha256="2" * 64)
    url = reverse("ingest:list")

    page = officer_client.get(url).content.decode()
    assert "<strong>3</strong> imports." in page
    assert "gva-2023.csv" in page and "berd.csv" in page
    assert "111111111111…" in page
    assert f"by {officer.username}" in page and "by the command line" in page
    assert ">2</span> rejected" in page  # rejected rows are counted only where there are any
    assert page.count("</span> rejected") == 1
    assert "govuk-tag--green" in page and "govuk-tag--red" in page

    page = officer_client.get(url, {"dataset": GVA}).content.decode()
    assert "<strong>2</strong> imports match your filters" in page
    assert "berd.csv" not in page
    page = officer_client.get(url, {"dataset": GVA, "status": "rejected"}).content.decode()
    assert "<strong>1</strong> import match" in page
    assert "gva-bad.csv" in page and "gva-2023.csv" not in page
    page = officer_client.get(url, {"status": "nonsense"}).content.decode()
    assert "<strong>3</strong> imports." in page  # an invalid filter is ignored


def test_the_list_is_paginated(officer_client, data_settings):
    start = timezone.now()
    for n in range(30):
        record = make_import(file_name=f"file-{n:02}.csv")
        Import.objects.filter(pk=record.pk).update(started_at=start - timedelta(minutes=n))
    url = reverse("ingest:list")
    first = officer_client.get(url).content.decode()
    second = officer_client.get(url, {"page": 2}).content.decode()
    assert "file-00.csv" in first and "file-24.csv" in first and "file-25.csv" not in first
    assert "file-25.csv" in second and "file-29.csv" in second and "file-00.csv" not in second
    assert 'aria-label="Page 2"' in first


# --- The data folder -----------------------------------------------------------------------


def write_data_file(settings, lines) -> Path:
    path = Path(settings.NORTHSTAR_DATA_DIR) / GVA_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gva_bytes(lines))
    return path


def test_a_file_in_the_data_folder_can_be_imported_now(officer_client, officer, data_settings):
    path = write_data_file(data_settings, GVA_GOOD)
    url = reverse("ingest:list")
    page = officer_client.get(url).content.decode()
    assert "Files in the data folder not yet imported" in page
    assert f">{GVA_FILE}</code>" in page
    assert "Import now" in page

    response = officer_client.post(
        reverse("ingest:import_present"), {"dataset": GVA, "file": GVA_FILE}
    )
    record = Import.objects.get()
    assert response.url == reverse("ingest:detail", args=[record.pk])
    assert record.status == ImportStatus.SUCCEEDED, record.message
    assert record.upload_path == str(path)
    assert record.created_by == officer
    assert Statistic.objects.filter(source_import=record).count() == 3
    assert stored_uploads(data_settings) == []  # read where it lies, not copied

    page = officer_client.get(url).content.decode()
    assert "not yet imported" not in page
    # The same file again is refused; a changed file is offered again.
    officer_client.post(reverse("ingest:import_present"), {"dataset": GVA, "file": GVA_FILE})
    assert Import.objects.count() == 1
    write_data_file(data_settings, GVA_GOOD[:2])
    assert f">{GVA_FILE}</code>" in officer_client.get(url).content.decode()


def test_a_file_whose_figures_came_from_its_alternative_is_not_offered(
    officer_client, data_settings
):
    """The long GVA CSV is derived from the ONS workbook: once the workbook is imported, the
    CSV is not listed as missing (as `northstar import --present` skips it)."""
    write_data_file(data_settings, GVA_GOOD)
    url = reverse("ingest:list")
    assert f">{GVA_FILE}</code>" in officer_client.get(url).content.decode()
    make_import(dataset="ons-gva-itl-xlsx", status=ImportStatus.REJECTED)
    assert f">{GVA_FILE}</code>" in officer_client.get(url).content.decode()
    make_import(dataset="ons-gva-itl-xlsx")
    assert f">{GVA_FILE}</code>" not in officer_client.get(url).content.decode()


def test_a_file_whose_dataset_is_being_imported_links_to_that_import(officer_client, data_settings):
    write_data_file(data_settings, GVA_GOOD)
    running = make_import(status=ImportStatus.RUNNING, **jobs.this_process())
    page = officer_client.get(reverse("ingest:list")).content.decode()
    present = page.split('id="present-table"')[1].split("</table>")[0]
    assert reverse("ingest:detail", args=[running.pk]) in present
    assert "Import running" in present
    assert "Import now" not in present
    officer_client.post(reverse("ingest:import_present"), {"dataset": GVA, "file": GVA_FILE})
    assert list(Import.objects.all()) == [running]


@pytest.mark.parametrize(
    "data",
    [
        {"dataset": GVA, "file": "../../etc/passwd"},
        {"dataset": GVA, "file": "ons_gva/other.csv"},
        {"dataset": "no-such-dataset", "file": GVA_FILE},
        {},
    ],
)
def test_import_now_reads_only_a_datasets_own_files(officer_client, data_settings, data):
    write_data_file(data_settings, GVA_GOOD)
    response = officer_client.post(reverse("ingest:import_present"), data, follow=True)
    assert response.status_code == 200
    assert "govuk-notification-banner" in response.content.decode()
    assert not Import.objects.exists()


# --- Who may do what -----------------------------------------------------------------------


PAGES = ["list", "detail", "upload"]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ADMIN, {"list", "detail", "upload", "import_present"}),
        (Role.OFFICER, {"list", "detail", "upload", "import_present"}),
        (Role.BOARD_MEMBER, {"list", "detail"}),
        (Role.PROGRAMME_MANAGER, set()),
        (Role.ASSESSOR, set()),
    ],
)
def test_each_role_sees_only_what_it_may(db, client, data_settings, role, allowed):
    write_data_file(data_settings, GVA_GOOD)
    record = make_import()
    client.force_login(UserFactory(role=role))
    urls = {
        "list": reverse("ingest:list"),
        "detail": reverse("ingest:detail", args=[record.pk]),
        "upload": reverse("ingest:upload"),
    }
    for name, url in urls.items():
        assert client.get(url).status_code == (200 if name in allowed else 403), name
    if "list" in allowed:
        page = client.get(urls["list"]).content.decode()
        assert f">{GVA_FILE}</code>" in page
        assert ("Import now" in page) == ("upload" in allowed)
        assert ("Upload a publisher" in page) == ("upload" in allowed)
    response = client.post(reverse("ingest:import_present"), {"dataset": GVA, "file": GVA_FILE})
    assert response.status_code == (302 if "import_present" in allowed else 403)
    assert Import.objects.count() == (2 if "import_present" in allowed else 1)


def test_anonymous_users_are_sent_to_sign_in(db, client, data_settings):
    record = make_import()
    for url in [
        reverse("ingest:list"),
        reverse("ingest:detail", args=[record.pk]),
        reverse("ingest:upload"),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response.url
    client.post(reverse("ingest:upload"), {"dataset": GVA, "file": gva_upload(GVA_GOOD)})
    assert Import.objects.count() == 1
