"""360Giving grants files: validation against the published schema, typed reading, and export.

The grants fixture is made up by hand from the schema (no real 360Giving data is copied).
"""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from northstar.core.errors import FileRejected, UserInputError
from northstar.economy.importers.threesixtygiving import (
    Grant360,
    Organisation360,
    dumps_360giving,
    grants_to_360giving,
    load_codelists,
    parse_grants,
    schema_dir,
    validate_360giving,
)

SCHEMA = settings.NORTHSTAR_DATA_DIR / "threesixtygiving" / "360-giving-schema.json"
pytestmark = pytest.mark.skipif(
    not SCHEMA.exists(), reason=f"{SCHEMA} not present (set NORTHSTAR_DATA_DIR)"
)
FIXTURE = Path(__file__).parent / "fixtures" / "threesixtygiving_grants.json"


def fixture_data() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "grants.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def line_of_grant(path: Path, index: int) -> int:
    """The line grant `index` starts on in a file written by json.dumps(indent=2)."""
    starts = [n for n, text in enumerate(path.read_text().splitlines(), 1) if text == "    {"]
    return starts[index]


def test_the_hand_made_fixture_conforms():
    assert validate_360giving(FIXTURE) == []


def test_grants_are_read_as_typed_values():
    first, second, third = parse_grants(FIXTURE)
    assert first.id == "360G-NORTHSTAR-TEST-0001"
    assert first.amount_awarded == Decimal("95000")
    assert first.amount_disbursed == Decimal("47500.5")
    assert first.award_date == date(2024, 3, 15)
    assert first.recipient_organisations == (
        Organisation360(
            id="GB-COH-00000001",
            name="Example Health Devices Ltd",
            company_number="00000001",
            postal_code="L3 5TF",
        ),
    )
    assert first.beneficiary_locations[0].geo_code == "E08000012"
    assert (first.from_open_call, first.location_scope) == (True, "GLS060")
    assert second.award_date == date(2023, 11, 2)  # from a date-time
    assert (second.from_open_call, second.regrant_type) == (False, "FRG010")
    assert third.recipient_organisations == ()
    assert third.recipient_individual_id == "360G-NORTHSTAR-TEST-IND-1"
    assert (third.individual_reasons, third.individual_purposes) == (("GTIR010",), ("GTIP010",))


def test_an_export_conforms_and_reads_back_the_same(tmp_path):
    grants = parse_grants(FIXTURE)
    extra = Grant360(
        id="360G-NORTHSTAR-TEST-0004",
        title="Made in the app",
        description="A grant built in Python, never in a file.",
        currency="GBP",
        amount_awarded=Decimal("1234.56"),
        award_date=date(2025, 4, 1),
        funding_organisations=(Organisation360("XI-EXAMPLE-NORTHSTAR-FUND", "Example Fund"),),
        recipient_organisations=(Organisation360("GB-COH-00000009", "Example Ltd"),),
        planned_start="2025-04",
        planned_duration_months=Decimal("18"),
    )
    data = grants_to_360giving([*grants, extra])
    path = tmp_path / "export.json"
    path.write_text(dumps_360giving(data), encoding="utf-8")
    assert validate_360giving(path) == []
    assert parse_grants(path) == [*grants, extra]
    assert '"amountAwarded": 1234.56' in path.read_text()  # pence kept, as a JSON number


def mutated(change) -> dict:
    data = fixture_data()
    change(data["grants"])
    return data


@pytest.mark.parametrize(
    ("change", "index", "column", "reason"),
    [
        (
            lambda g: g[1].pop("amountAwarded"),
            1,
            "$.grants[1]",
            "lacks the required field(s) amountAwarded",
        ),
        (
            lambda g: g[0].update(currency="XYZ"),
            0,
            "$.grants[0].currency",
            "'XYZ' is not a code of the 360Giving codelist currency",
        ),
        (
            lambda g: g[2].update(awardDate="2024-13-01"),
            2,
            "$.grants[2].awardDate",
            "is not a date (YYYY-MM-DD) or a date-time",
        ),
        (
            lambda g: g[2].update(awardDate="2024-01-09T10:00:00"),  # RFC 3339 needs a zone
            2,
            "$.grants[2].awardDate",
            "is not a date (YYYY-MM-DD) or a date-time",
        ),
        (
            lambda g: g[0].update(amountAwarded="95,000"),
            0,
            "$.grants[0].amountAwarded",
            "'95,000' is not of type number",
        ),
        (
            lambda g: g[1].update(regrantType="FRG999"),
            1,
            "$.grants[1].regrantType",
            "not a code of the 360Giving codelist regrantType",
        ),
        (
            lambda g: g[2]["toIndividualsDetails"].update(grantPurpose=["GTIP999"]),
            2,
            "$.grants[2].toIndividualsDetails.grantPurpose[0]",
            "codelist grantToIndividualsPurpose",
        ),
        (
            lambda g: g[2].pop("recipientIndividual"),
            2,
            "$.grants[2]",
            "lacks the required field(s) recipientOrganization or recipientIndividual",
        ),
        (
            lambda g: g[0].update(recipientIndividual={"id": "p1", "name": "A person"}),
            0,
            "$.grants[0]",
            "gives both recipientOrganization and recipientIndividual",
        ),
        (
            lambda g: g[1].update(fundingOrganization=[]),
            1,
            "$.grants[1].fundingOrganization",
            "needs at least 1 item",
        ),
        (
            lambda g: g[0].update(url="not a web address"),
            0,
            "$.grants[0].url",
            "is not a valid uri",
        ),
        (
            lambda g: g[2].update(id="360G-NORTHSTAR-TEST-0001"),
            2,
            "$.grants[2].id",
            "the id is also grant 1's",
        ),
    ],
)
def test_an_invalid_grant_is_reported_with_its_line_id_and_json_path(
    tmp_path, change, index, column, reason
):
    path = write(tmp_path, mutated(change))
    [error] = validate_360giving(path)
    assert error.column == column
    assert reason in error.reason
    assert error.reason.startswith(f"grant {index + 1} (id ")
    assert error.line == line_of_grant(path, index)


def test_every_invalid_grant_is_listed_and_nothing_is_read(tmp_path):
    def two_bad(grants):
        grants[0]["currency"] = "XYZ"
        grants[2]["amountAwarded"] = "lots"

    path = write(tmp_path, mutated(two_bad))
    with pytest.raises(FileRejected) as caught:
        parse_grants(path)
    assert [(e.line, e.column) for e in caught.value.errors] == [
        (line_of_grant(path, 0), "$.grants[0].currency"),
        (line_of_grant(path, 2), "$.grants[2].amountAwarded"),
    ]
    assert "Nothing was changed" in caught.value.message


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"grants": []}, "needs at least 1 item"),
        ({"grant": []}, "'grants' is a required property"),
    ],
)
def test_a_file_without_grants_is_invalid(tmp_path, data, reason):
    [error] = validate_360giving(write(tmp_path, data))
    assert reason in error.reason
    assert error.line == 1


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "grants.json"
    path.write_text('{"grants": [\n  {"id": oops}\n]}', encoding="utf-8")
    with pytest.raises(UserInputError, match="not valid JSON \\(line 2"):
        validate_360giving(path)


def test_the_codelists_are_read_from_the_publishers_csvs():
    codelists = load_codelists(schema_dir())
    assert codelists["currency.csv"]["GBP"]
    assert "GLS060" in codelists["locationScope.csv"]
    assert "FRG010" in codelists["regrantType.csv"]
