"""The participant API over the fixture file (written by us in the published layout; see
fixtures.py): the same figures as `award_table` and the pages, with filters, command and
sources; 404 for an unknown place, 422 for bad years."""

from __future__ import annotations

from decimal import Decimal

import pytest

from northstar.api import api
from northstar.funding.models import DATASET
from northstar.funding.services import Breakdown, FundingQuery, award_table
from northstar.ingest.framework import run_import

from . import fixtures as fx

URL = "/api/funding/award-table"
LCR = {"place": "liverpool-city-region", "from": "2017-18", "to": "2021-22"}


@pytest.fixture
def loaded(lcr, tmp_path):
    return run_import(DATASET, fx.write_xlsx(tmp_path / "iuk.xlsx")).record


def test_award_table_by_programme(client, loaded, lcr):
    response = client.get(URL, {**LCR, "by": "programme"})
    assert response.status_code == 200
    body = response.json()
    assert [
        (line["label"], line["participations"], line["award_offered_pence"], line["kind"])
        for line in body["lines"]
    ] == [
        ("Collaborative R&D", 3, 47_000_050, "group"),
        ("Smart", 5, 20_000_000, "group"),
        ("Industrial Strategy Challenge Fund", 2, 9_500_000, "group"),
        ("Total", 10, 76_500_050, "total"),
    ]
    assert Decimal(str(body["lines"][0]["share_percent"])) == Decimal("61.4")
    assert Decimal(str(body["total"]["award_offered_gbp"])) == Decimal("765000.50")
    assert body["place"]["slug"] == "liverpool-city-region"
    assert (body["first_year"], body["last_year"], body["by"]) == (
        "2017-18",
        "2021-22",
        "programme",
    )
    assert body["command"] == (
        "northstar funding --place liverpool-city-region --from 2017-18 --to 2021-22 --by programme"
    )
    assert (
        "Withdrawn participants: excluded (participant withdrawn from project)" in body["filters"]
    )
    assert body["sources"] == [
        {
            "dataset": DATASET,
            "file_name": "iuk.xlsx",
            "sha256": loaded.sha256,
            "imported_at": body["sources"][0]["imported_at"],
            "rows_loaded": loaded.rows_loaded,
        }
    ]
    assert body["loaded"] is True


@pytest.mark.parametrize("by", Breakdown.CHOICES)
def test_every_breakdown_is_the_core_functions_table(client, loaded, lcr, by):
    body = client.get(URL, {**LCR, "by": by, "include_withdrawn": "true"}).json()
    table = award_table(
        FundingQuery(place=lcr, first_year=2017, last_year=2021, include_withdrawn=True), by
    )
    assert [
        (line["key"], line["label"], line["participations"], line["award_offered_pence"])
        for line in body["lines"]
    ] == [(line.key, line.label, line.participations, line.award_pence) for line in table.lines]
    assert body["include_withdrawn"] is True


def test_every_participant(client, loaded):
    body = client.get(URL, {"place": "all"}).json()
    assert body["place"] is None
    assert (body["total"]["participations"], body["total"]["award_offered_pence"]) == (
        15,
        171_500_050,
    )
    assert body["command"] == "northstar funding --by enterprise-size"


def test_summary(client, loaded):
    response = client.get("/api/funding/summary", LCR)
    assert response.status_code == 200
    body = response.json()
    assert body["award_offered_pence"] == 76_500_050
    assert body["participations"] == 10
    assert body["organisations"] == 9
    assert body["projects"] == 5
    assert body["lead_participations"] == 5
    assert body["sme_participations"] == 6
    assert Decimal(str(body["sme_share_percent"])) == Decimal("52.3")
    assert [s["sha256"] for s in body["sources"]] == [loaded.sha256]


def test_with_no_data_the_tables_are_empty_and_say_so(client, lcr):
    body = client.get(URL, {"place": "liverpool-city-region"}).json()
    assert body["loaded"] is False
    assert body["sources"] == []
    assert [line["kind"] for line in body["lines"]][-1] == "total"
    assert body["total"]["award_offered_pence"] == 0


def test_an_unknown_place_is_not_found(client, loaded):
    for url in (URL, "/api/funding/summary"):
        response = client.get(url, {"place": "atlantis"})
        assert response.status_code == 404
        assert "No place called 'atlantis'" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2021-22", "to": "2017-18"}, "starts (2021-22) after it ends (2017-18)"),
        ({"from": "2021-23"}, "the second year must follow the first"),
        ({"from": "2021"}, "from"),
        ({"by": "colour"}, "by"),
    ],
)
def test_bad_input_is_a_422(client, loaded, params, message):
    response = client.get(URL, {"place": "liverpool-city-region", **params})
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_the_place_is_asked_for(client, loaded):
    response = client.get(URL)
    assert response.status_code == 422
    assert "place" in response.json()["errors"]


def test_the_schema_documents_404_and_422(db):
    paths = api.get_openapi_schema(path_prefix="/api/")["paths"]
    for path in ("/api/funding/award-table", "/api/funding/summary"):
        responses = paths[path]["get"]["responses"]
        assert {200, 404, 422} <= {int(code) for code in responses}, path
