"""The Innovate UK participant importer, on fixture files.

No copy of the real "Innovate UK funded projects" workbook is available here: every file these
tests read is a fixture written by us in the published layout (northstar/funding/tests/fixtures.py)
— a workbook with a notes sheet and a title/notes area above the header, and its CSV export.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from northstar.core.errors import FileRejected, UserInputError
from northstar.funding import importers
from northstar.funding.importers import InnovateUkParticipantsImporter
from northstar.funding.models import (
    DATASET,
    Competition,
    Participation,
    PlaceSource,
    Programme,
    Project,
    ProjectStatus,
    Sector,
)
from northstar.ingest.framework import run_import
from northstar.ingest.models import Import, ImportStatus
from northstar.organisations.models import Organisation, SizeClass, SourceRecord
from northstar.places.models import Place

from . import fixtures as fx


@pytest.fixture
def xlsx(tmp_path) -> Path:
    return fx.write_xlsx(tmp_path / "innovate-uk-funded-projects.xlsx")


@pytest.fixture
def csv_file(tmp_path) -> Path:
    return fx.write_csv(tmp_path / "innovate-uk-funded-projects.csv")


def by_name(name: str, project: str) -> Participation:
    return Participation.objects.get(participant_name=name, project__number=project)


def test_the_workbook_loads_every_participant_as_published(lcr, xlsx):
    outcome = run_import(DATASET, xlsx)
    assert outcome.record.status == ImportStatus.SUCCEEDED
    assert (outcome.rows_read, outcome.rows_loaded) == (17, 17)
    assert Participation.objects.count() == 17
    assert Project.objects.count() == 6
    assert Competition.objects.count() == 3
    assert sorted(Programme.objects.values_list("title", flat=True)) == [
        "Collaborative R&D",
        "Industrial Strategy Challenge Fund",
        "Smart",
    ]
    assert Sector.objects.count() == 3

    medtech = by_name("Mersey Medtech Ltd", "10001")
    assert medtech.company_number == "01234567"  # the workbook's number lost its leading zero
    assert medtech.is_lead and not medtech.withdrawn
    assert medtech.award_offered_pence == 10_000_000
    assert medtech.total_costs_pence == 14_285_714
    assert medtech.actual_spend_pence == 5_000_000
    assert (medtech.enterprise_size, medtech.is_sme) == (SizeClass.MICRO, True)
    assert medtech.postcode == "L3 5TF"
    assert medtech.place.code == "E08000012"
    assert medtech.place_source == PlaceSource.LOCAL_AUTHORITY
    # The first data row is under the header, on row 6 of the data sheet.
    assert medtech.line == fx.XLSX_HEADER_ROW + 1

    # '£120,000.50' as text in the workbook, its start date 'dd/mm/yyyy' text, postcode unspaced.
    coatings = by_name("Wirral Coatings Limited", "10002")
    assert coatings.award_offered_pence == 12_000_050
    assert coatings.postcode == "CH41 1AA"
    assert coatings.place.name == "Wirral"
    project = coatings.project
    assert project.start_date == dt.date(2019, 3, 31)
    assert project.financial_year_start == 2018  # 31 March 2019 is in 2018-19
    assert (project.status, project.status_label) == (ProjectStatus.CLOSED, "Closed")
    assert project.competition.programme.title == "Collaborative R&D"
    assert project.sector.name == "Health and Life Sciences"
    assert project.end_date == dt.date(2020, 9, 30)


def test_names_and_codes_of_local_authorities_find_the_places(lcr, xlsx):
    run_import(DATASET, xlsx)
    assert by_name("St Helens Glass Ltd", "10003").place.code == "E08000013"  # 'St. Helens'
    assert by_name("Liverpool Quantum Ltd", "10006").place.code == "E08000012"  # 'E08000012'
    assert by_name("Halton Hydrogen Ltd", "10003").place.code == "E06000006"
    # Outside the places Northstar holds: kept as published, not placed.
    leeds = by_name("Leeds Robotics Ltd", "10004")
    assert (leeds.place, leeds.place_source, leeds.local_authority_name) == (
        None,
        PlaceSource.NONE,
        "Leeds",
    )
    assert leeds.region_name == "Yorkshire and The Humber"
    assert leeds.lep_name == "Leeds City Region"


def test_every_size_class_and_withdrawn_participants(lcr, xlsx):
    run_import(DATASET, xlsx)
    sizes = dict(
        Participation.objects.values_list("participant_name", "enterprise_size").filter(
            project__number__in=["10002", "10004", "10005", "10003"]
        )
    )
    assert sizes["Big Pharma plc"] == SizeClass.LARGE
    assert sizes["Knowsley Metropolitan Borough Council"] == SizeClass.PUBLIC_OTHER
    assert sizes["Liverpool School of Tropical Medicine"] == SizeClass.ACADEMIC
    assert sizes["Sefton Sensors Ltd"] == SizeClass.MEDIUM
    assert sizes["Anon Org"] == SizeClass.UNKNOWN
    software = by_name("Sefton Software Ltd", "10003")
    assert (software.enterprise_size, software.is_sme, software.enterprise_size_label) == (
        SizeClass.UNKNOWN,
        True,
        "SME",
    )
    assert not by_name("Anon Org", "10005").is_sme
    assert set(
        Participation.objects.filter(withdrawn=True).values_list("participant_name", flat=True)
    ) == {
        "Halton Hydrogen Ltd",
        "Wirral Wind Ltd",
    }


def test_participants_are_linked_to_one_organisation_each(lcr, xlsx):
    outcome = run_import(DATASET, xlsx)
    first, second = by_name("Mersey Medtech Ltd", "10001"), by_name("Mersey Medtech Ltd", "10005")
    assert first.organisation_id == second.organisation_id
    assert first.organisation.company_number == "01234567"
    record = SourceRecord.objects.get(dataset=DATASET, source_key="10001:01234567")
    assert record.organisation_id == first.organisation_id
    assert record.source_import == outcome.record
    # Without a CRN the key is the project number and the name.
    assert SourceRecord.objects.filter(
        dataset=DATASET, source_key="10005:liverpool school of tropical medicine"
    ).exists()
    assert SourceRecord.objects.filter(dataset=DATASET).count() == 17
    assert Organisation.objects.count() == 16


def test_the_csv_export_gives_the_same_participations_as_the_workbook(lcr, xlsx, csv_file):
    fields = [
        "project__number",
        "participant_name",
        "company_number",
        "is_lead",
        "award_offered_pence",
        "total_costs_pence",
        "actual_spend_pence",
        "withdrawn",
        "enterprise_size",
        "is_sme",
        "postcode",
        "place__code",
        "financial_year_start",
        "competition__reference",
        "programme__title",
        "sector__name",
    ]
    run_import(DATASET, xlsx)
    from_xlsx = sorted(Participation.objects.values_list(*fields))
    run_import(DATASET, csv_file)
    from_csv = sorted(Participation.objects.values_list(*fields))
    assert len(from_csv) == 17
    assert from_csv == from_xlsx
    assert Participation.objects.get(participant_name="Big Pharma plc").company_number == "00012345"
    # In the CSV the first participant is on row 2 (the header is row 1).
    assert by_name("Mersey Medtech Ltd", "10001").line == fx.CSV_HEADER_ROW + 1


@pytest.mark.parametrize(
    ("encoding", "crlf", "notes"),
    [("utf-8", False, False), ("utf-8-sig", True, True), ("cp1252", True, False)],
)
def test_csv_encodings_line_endings_and_a_notes_area(db, lcr, tmp_path, encoding, crlf, notes):
    path = fx.write_csv(tmp_path / "export.csv", notes=notes, encoding=encoding, crlf=crlf)
    outcome = run_import(DATASET, path)
    assert outcome.rows_loaded == 17
    header = fx.CSV_NOTES_HEADER_ROW if notes else fx.CSV_HEADER_ROW
    assert by_name("Mersey Medtech Ltd", "10001").line == header + 1
    assert by_name("Wirral Coatings Limited", "10002").award_offered_pence == 12_000_050
    # The multi-line descriptions (quoted newlines) do not split rows.
    assert by_name("Anon Org", "10005").line == header + 17


def test_importing_again_replaces_the_participations_and_organisations_keep_their_ids(
    lcr, xlsx, tmp_path
):
    run_import(DATASET, xlsx)
    before = dict(Participation.objects.values_list("source_key", "organisation_id"))
    organisations = dict(Organisation.objects.values_list("org_id", "pk"))
    projects = dict(Project.objects.values_list("number", "pk"))
    run_import(DATASET, xlsx)
    assert dict(Participation.objects.values_list("source_key", "organisation_id")) == before
    assert dict(Organisation.objects.values_list("org_id", "pk")) == organisations
    assert dict(Project.objects.values_list("number", "pk")) == projects
    assert Participation.objects.count() == 17
    assert Participation.objects.values("source_import").distinct().count() == 1

    # A later release without project 10006 (and its competition's other project kept).
    smaller = fx.write_csv(
        tmp_path / "later.csv", [r for r in fx.GOOD if r["Project Number"] != 10006]
    )
    run_import(DATASET, smaller)
    assert Participation.objects.count() == 16
    assert not Project.objects.filter(number="10006").exists()
    assert Project.objects.get(number="10004").pk == projects["10004"]


def test_bad_rows_are_each_reported_by_line_column_and_reason_and_nothing_is_written(lcr, tmp_path):
    rows = fx.GOOD + [row for row, _, _ in fx.BAD] + [fx.TWO_PROBLEMS]
    path = fx.write_xlsx(tmp_path / "bad.xlsx", rows)
    with pytest.raises(FileRejected) as caught:
        run_import(DATASET, path)
    first_bad = fx.XLSX_HEADER_ROW + 1 + len(fx.GOOD)
    errors = caught.value.errors
    expected = [(first_bad + i, column) for i, (_, column, _) in enumerate(fx.BAD)]
    two = first_bad + len(fx.BAD)
    expected += [(two, "Project Number"), (two, "Total Costs (£)")]
    assert [(e.line, e.column) for e in errors] == expected
    for error, (_, _, reason) in zip(errors, fx.BAD, strict=False):
        assert reason in error.reason
    assert "'£12,34x'" in errors[0].reason
    assert not Participation.objects.exists()
    assert not Project.objects.exists()
    assert not Organisation.objects.exists()
    rejected = Import.objects.get()
    assert rejected.status == ImportStatus.REJECTED
    assert rejected.rows_rejected == len(fx.BAD) + 1
    assert rejected.row_errors.count() == len(expected)


def test_bad_rows_in_the_csv_are_reported_by_their_row_number(lcr, tmp_path):
    path = fx.write_csv(tmp_path / "bad.csv", [*fx.GOOD[:2], fx.BAD[1][0]], notes=True)
    with pytest.raises(FileRejected) as caught:
        run_import(DATASET, path)
    [error] = caught.value.errors
    assert (error.line, error.column) == (fx.CSV_NOTES_HEADER_ROW + 3, "Project Start Date")
    assert "'31/02/2020' is not a date" in error.reason


def test_a_file_without_the_layout_is_refused_as_a_whole(db, tmp_path):
    missing = tmp_path / "missing.csv"
    columns = [c for c in fx.PUBLISHED_COLUMNS if c != "Enterprise Size"]
    missing.write_text(",".join(columns) + "\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="lacks the column"):
        run_import(DATASET, missing)
    other = tmp_path / "other.csv"
    other.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="no header row"):
        run_import(DATASET, other)
    header_only = fx.write_csv(tmp_path / "empty.csv", [])
    with pytest.raises(UserInputError, match="no participant rows"):
        run_import(DATASET, header_only)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(UserInputError, match="not a readable Excel workbook"):
        run_import(DATASET, broken)
    assert not Participation.objects.exists()
    assert Import.objects.filter(status=ImportStatus.REJECTED).count() == 4


def test_the_sheet_with_the_header_is_found_whatever_its_name(lcr, tmp_path):
    path = fx.write_xlsx(tmp_path / "renamed.xlsx", sheet_title="Data 2024-01")
    assert run_import(DATASET, path).rows_loaded == 17


def test_a_participant_without_a_known_local_authority_is_placed_by_postcode(
    lcr, tmp_path, monkeypatch
):
    wirral = Place.objects.get(code="E08000015")
    calls = []

    def locate(text):
        calls.append(text)
        return type("Location", (), {"lad": wirral})() if text == "CH1 4BJ" else None

    monkeypatch.setattr(importers, "postcode_locator", lambda: locate)
    # The places app holds two of the unplaced participants' postcodes (or their districts).
    monkeypatch.setattr(importers, "postcodes_held", lambda codes: {"CH14BJ", "M11AE"} & set(codes))
    run_import(DATASET, fx.write_csv(tmp_path / "f.csv"))
    chester = by_name("Chester Catalysts Ltd", "10005")
    assert (chester.place, chester.place_source) == (wirral, PlaceSource.POSTCODE)
    # Only the postcodes held are looked up, each once; participants placed by their local
    # authority need none.
    assert sorted(calls) == ["CH1 4BJ", "M1 1AE"]


def test_the_places_apps_postcode_lookup_places_a_participant(lcr, tmp_path):
    """With the places app's own postcode table and locate_postcode (when it has them)."""
    try:
        from northstar.places.models import LadMethod, Postcode
        from northstar.places.services import locate_postcode  # noqa: F401
    except ImportError:
        pytest.skip("the places app has no postcode lookup (locate_postcode) yet")
    halton = Place.objects.get(code="E06000006")
    Postcode.objects.create(
        code="CH14BJ",
        published="CH1 4BJ",
        area="CH",
        district="CH1",
        lad=halton,
        lad_method=LadMethod.BOUNDARY,
    )
    run_import(DATASET, fx.write_csv(tmp_path / "f.csv"))
    chester = by_name("Chester Catalysts Ltd", "10005")
    assert (chester.place, chester.place_source) == (halton, PlaceSource.POSTCODE)
    assert by_name("Leeds Robotics Ltd", "10004").place is None


def test_the_vectorised_reader_agrees_with_the_row_by_row_one(lcr, tmp_path):
    importer = InnovateUkParticipantsImporter()
    for path in (fx.write_xlsx(tmp_path / "a.xlsx"), fx.write_csv(tmp_path / "a.csv", notes=True)):
        vectorised = importer.prepare(path).rows.to_dicts()
        row_by_row = [importer.parse(line, raw) for line, raw in importer.read(path)]
        assert len(vectorised) == 17
        assert vectorised == row_by_row


def test_the_row_by_row_path_reports_the_same_first_problem(lcr, tmp_path):
    importer = InnovateUkParticipantsImporter()
    path = fx.write_csv(tmp_path / "bad.csv", [row for row, _, _ in fx.BAD])
    vectorised = importer.prepare(path).errors
    first_of_each = []
    for line, raw in importer.read(path):
        with pytest.raises(importers.RowProblem) as problem:
            importer.parse(line, raw)
        first_of_each.append((line, problem.value.column, problem.value.reason))
    assert [(e.line, e.column, e.reason) for e in vectorised] == first_of_each


def test_prepared_rows_are_a_polars_frame_with_the_write_schema(lcr, tmp_path):
    prepared = InnovateUkParticipantsImporter().prepare(fx.write_csv(tmp_path / "a.csv"))
    assert isinstance(prepared.rows, pl.DataFrame)
    assert dict(prepared.rows.schema) == importers.SCHEMA


def test_participations_follow_their_records_when_organisations_are_merged(lcr, xlsx, officer):
    from northstar.organisations.services import merge_organisations

    run_import(DATASET, xlsx)
    anon = by_name("Anon Org", "10005")
    council = by_name("Knowsley Metropolitan Borough Council", "10004")
    assert anon.source_record.source_key == anon.source_key
    survivor = merge_organisations(anon.organisation, council.organisation, officer, "test")
    anon.refresh_from_db()
    council.refresh_from_db()
    assert anon.organisation == council.organisation == survivor
    # A re-import keeps them together.
    run_import(DATASET, xlsx)
    assert by_name("Anon Org", "10005").organisation == survivor


def test_a_csv_whose_windows_1252_characters_come_after_the_first_part_is_read(
    lcr, tmp_path, monkeypatch
):
    # The header is looked for in the first part of the file; make that part small, and put
    # the first non-UTF-8 character after it.
    monkeypatch.setattr(importers, "CSV_HEAD_BYTES", 4096)
    rows = [dict(r) for r in fx.GOOD]
    rows[-1]["Participant Name"] = "Café Anon Org"
    path = tmp_path / "late.csv"
    header = ",".join(c.replace(" (£)", "") for c in fx.PUBLISHED_COLUMNS)  # no £ in the header
    fx.write_csv(path, rows, encoding="cp1252")
    text = path.read_text(encoding="cp1252").split("\n", 1)[1]
    path.write_bytes((header + "\n" + text).encode("cp1252"))
    run_import(DATASET, path)
    assert Participation.objects.filter(participant_name="Café Anon Org").exists()
    assert path.read_bytes().index("Café".encode("cp1252")) > 4096


def test_workbook_cells_are_read_as_a_spreadsheet_shows_them(lcr, tmp_path):
    """Excel's own types: large amounts to the penny, TRUE/FALSE flags, a date with a time, a
    company number typed as a number; and a header that does not start in column A."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet["C2"] = "Innovate UK funded projects"
    row = dict(fx.participant_rows(fx.PARTICIPANTS[:1])[0])
    values = {
        **{c: fx._xlsx_value(row, c) for c in fx.PUBLISHED_COLUMNS},
        "Award Offered (£)": 123_456_789.12,
        "Total Costs (£)": 99_999_999_999.99,
        "Is Lead Participant": True,
        "Participant Withdrawn From Project": False,
        "Project Start Date": dt.datetime(2021, 4, 1, 13, 5),
        "CRN": 1234567,
    }
    for offset, column in enumerate(fx.PUBLISHED_COLUMNS):
        sheet.cell(row=5, column=3 + offset, value=column)
        sheet.cell(row=6, column=3 + offset, value=values[column])
    path = tmp_path / "typed.xlsx"
    book.save(path)
    run_import(DATASET, path)
    p = Participation.objects.get()
    assert (p.award_offered_pence, p.total_costs_pence) == (12_345_678_912, 9_999_999_999_999)
    assert (p.is_lead, p.withdrawn) == (True, False)
    assert p.project.start_date == dt.date(2021, 4, 1)
    assert p.company_number == "01234567"
    assert p.line == 6


def test_a_damaged_workbook_is_refused_with_a_readable_reason(db, tmp_path, xlsx):
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(xlsx.read_bytes()[: xlsx.stat().st_size // 2])
    import zipfile

    not_a_workbook = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(not_a_workbook, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    for path in (truncated, not_a_workbook):
        with pytest.raises(UserInputError, match=rf"{path.name} is not a readable Excel workbook"):
            run_import(DATASET, path)
    assert not Participation.objects.exists()


def _planner_statistics(table: str):
    """When the table was last vacuumed and analysed (PostgreSQL), or its ANALYZE row count
    (SQLite); None if never."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # read the counters afresh
            cursor.execute(
                "SELECT last_vacuum, last_analyze FROM pg_stat_user_tables WHERE relname = %s",
                [table],
            )
            vacuumed, analysed = cursor.fetchone()
            return (vacuumed, analysed) if vacuumed and analysed else None
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return None
        # The first number of an index's statistics is the table's row count.
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s LIMIT 1", [table])
        row = cursor.fetchone()
        return int(row[0].split()[0]) if row else None


@pytest.mark.django_db(transaction=True)
def test_a_committed_import_refreshes_the_planner_statistics(tmp_path):
    """After the import commits, the participations are vacuumed and analysed (PostgreSQL) or
    analysed (SQLite), so the analysis queries use the covering indexes at once."""
    from django.db import connection

    table = Participation._meta.db_table
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # creates sqlite_stat1 if need be
            cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = %s", [table])
    before = _planner_statistics(table)
    run_import(DATASET, fx.write_csv(tmp_path / "innovate-uk-funded-projects.csv"))
    after = _planner_statistics(table)
    assert after is not None
    if connection.vendor == "postgresql":
        assert before is None or (after[0] > before[0] and after[1] > before[1])
    else:
        assert before is None and after == Participation.objects.count()


def read_in_windows(monkeypatch) -> None:
    """Every sheet read as a big one is: a few rows at a time (see importers.XLSX_WINDOW_BYTES)."""
    monkeypatch.setattr(importers, "XLSX_WHOLE_SHEET_BYTES", 0)
    monkeypatch.setattr(importers, "XLSX_WINDOW_BYTES", 1)
    monkeypatch.setattr(importers, "XLSX_READ_BYTES", 4096)  # a few rows a window


def test_a_big_sheet_read_in_windows_gives_the_rows_of_the_whole_sheet(lcr, tmp_path, monkeypatch):
    importer = InnovateUkParticipantsImporter()
    good = fx.write_xlsx(tmp_path / "good.xlsx", sheet_title="Data 2024-01")
    bad = fx.write_xlsx(tmp_path / "bad.xlsx", [row for row, _, _ in fx.BAD])
    whole = {path: importer._xlsx_frame(path, None) for path in (good, bad)}
    errors = importer.prepare(bad).errors
    read_in_windows(monkeypatch)
    first_lines = [line for line, _ in importers._sheet_windows(good, 1)]
    assert len(first_lines) > 3
    assert first_lines == sorted(first_lines)
    for path in (good, bad):
        assert importer._xlsx_frame(path, None).equals(whole[path])
    assert importer.prepare(bad).errors == errors


def test_a_workbook_read_in_windows_loads_as_a_whole_one_does(lcr, xlsx, monkeypatch):
    read_in_windows(monkeypatch)
    assert run_import(DATASET, xlsx).rows_loaded == 17
    assert by_name("Mersey Medtech Ltd", "10001").line == fx.XLSX_HEADER_ROW + 1
    assert by_name("Anon Org", "10005").line == fx.XLSX_HEADER_ROW + 17
