"""Bulk import of the register's CSV: every row validated, all written or none, idempotent."""

import csv
import io

import pytest

from northstar.assets.models import Asset
from northstar.assets.services import DEFAULT_REGISTER, REGISTER_COLUMNS, import_assets_csv
from northstar.core.errors import FileRejected, UserInputError
from northstar.ingest.models import Import


def csv_bytes(rows: list[dict], columns=REGISTER_COLUMNS) -> io.BytesIO:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return io.BytesIO(out.getvalue().encode("utf-8"))


def default_rows() -> list[dict]:
    with DEFAULT_REGISTER.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def snapshot():
    return list(Asset.objects.order_by("number").values())


def test_default_register_loads_all_107_assets(register):
    assert register.count() == 107
    liverpool = Asset.objects.get(number=4)
    assert liverpool.place.code == "E08000012"
    assert liverpool.theme.code == "infection_health"
    assert Asset.objects.get(number=3).display_name == "Albéa Creative UK"
    assert Asset.objects.filter(place__isnull=True).count() == 8  # 6 region-wide, offshore, outside


def test_file_with_one_bad_row_is_refused_with_its_line_and_reason_and_nothing_changes(
    register, officer
):
    before = snapshot()
    rows = default_rows()
    rows[0]["name"] = "ABB UK HQ (renamed: must not be saved)"  # a good change on line 2
    rows.append({**rows[5], "number": "200", "name": "A good new asset"})  # a good new row
    rows[40]["theme"] = "space_tourism"  # the bad row: line 42 (header is line 1)
    with pytest.raises(FileRejected) as caught:
        import_assets_csv(csv_bytes(rows), file_name="mixed.csv", user=officer)
    errors = caught.value.errors
    assert [(e.line, e.column) for e in errors] == [(42, "theme")]
    assert "valid choice" in errors[0].reason
    assert "line 42, column theme" in str(caught.value)
    assert snapshot() == before
    assert not Asset.objects.filter(number=200).exists()
    assert not Import.objects.filter(file_name="mixed.csv").exists()


@pytest.mark.parametrize(
    ("change", "column", "reason"),
    [
        ({"latitude": "north"}, "latitude", "number"),
        ({"latitude": "", "longitude": "-2.9"}, "latitude", "Enter a latitude too"),
        ({"latitude": "-2.9", "longitude": "53.4"}, "latitude", "within the UK"),
        ({"borough_code": "E08000099"}, "borough_code", "has ONS code"),
        ({"borough": "Atlantis"}, "borough", "valid choice"),
        ({"status": "demolished"}, "status", "valid choice"),
        ({"number": "0"}, "number", "1 or more"),
        ({"number": "²"}, "number", "whole number"),  # a Unicode digit that int() refuses
        ({"name": ""}, "name", "required"),
        ({"location_precision": "none"}, "location_precision", "cannot be 'none'"),
    ],
)
def test_each_kind_of_bad_value_names_the_column(lcr, officer, change, column, reason):
    row = {**default_rows()[3], **change}
    with pytest.raises(FileRejected) as caught:
        import_assets_csv(csv_bytes([row]), file_name="one.csv", user=officer)
    error = caught.value.errors[0]
    assert error.line == 2
    assert error.column == column
    assert reason in error.reason
    assert Asset.objects.count() == 0


def test_every_bad_row_is_reported_not_only_the_first(lcr, officer):
    rows = default_rows()[:10]
    rows[2]["status"] = "gone"
    rows[7]["asset_type"] = "spaceport"
    rows.append(dict(rows[0]))  # repeated register number
    with pytest.raises(FileRejected) as caught:
        import_assets_csv(csv_bytes(rows), file_name="bad.csv", user=officer)
    assert [(e.line, e.column) for e in caught.value.errors] == [
        (4, "status"),
        (9, "asset_type"),
        (12, "number"),
    ]
    assert "first on line 2" in caught.value.errors[2].reason


def test_missing_column_is_refused_before_any_row(lcr, officer):
    columns = [c for c in REGISTER_COLUMNS if c != "theme"]
    with pytest.raises(UserInputError, match="missing the column theme"):
        import_assets_csv(csv_bytes(default_rows(), columns), file_name="x.csv", user=officer)


def test_non_utf8_file_is_a_readable_error(lcr, officer):
    with pytest.raises(UserInputError, match="not UTF-8"):
        import_assets_csv(
            io.BytesIO("number,name\n1,Caf\xe9\n".encode("latin-1")),
            file_name="x.csv",
            user=officer,
        )


def test_reimporting_the_same_file_changes_nothing(register, officer):
    before = snapshot()
    history_before = Asset.history.count()
    with DEFAULT_REGISTER.open("rb") as f:
        result = import_assets_csv(f, file_name="assets.csv", user=officer)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 107)
    assert Asset.history.count() == history_before
    after = snapshot()
    for row in before + after:
        row.pop("source_import_id"), row.pop("updated_at")
    assert after == before


def test_import_records_provenance_and_history(register, officer):
    rows = default_rows()
    rows[0]["notes"] = "Moved to a new office"
    result = import_assets_csv(
        csv_bytes(rows), file_name="update.csv", user=officer, publisher="LCR CA"
    )
    assert (result.created, result.updated, result.unchanged) == (0, 1, 106)
    record = result.record
    assert record.rows_read == 107 and record.rows_loaded == 107 and record.created_by == officer
    assert len(record.sha256) == 64
    asset = Asset.objects.get(number=1)
    assert asset.source_import == record
    latest = asset.history.latest()
    assert latest.history_user == officer
    assert latest.history_change_reason == "Updated from update.csv"


def test_import_needs_the_import_permission(lcr, board_member):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied), DEFAULT_REGISTER.open("rb") as f:
        import_assets_csv(f, file_name="assets.csv", user=board_member)
    assert Asset.objects.count() == 0
