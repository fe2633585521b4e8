"""Pages, API and CSV import: bad observations refused with a reason and nothing written,
through each door; role permissions."""

import json

import pytest

from northstar.indicators import services
from northstar.indicators.models import Indicator, Observation
from northstar.ingest.framework import run_import
from northstar.ingest.models import Import, ImportStatus

from .conftest import grant_observation_permissions

pytestmark = pytest.mark.django_db
EVIDENCE = "https://www.ons.gov.uk/economy/example"


def test_dashboard_lists_every_headline_indicator_with_status_and_sparkline(client, indicators):
    response = client.get("/indicators/")
    assert response.status_code == 200
    text = response.content.decode()
    for indicator in Indicator.objects.filter(headline=True):
        assert indicator.name.replace("&", "&amp;") in text
    assert "Baseline only" in text  # R&D: one observation, the baseline: too early to judge
    assert text.count('class="ns-sparkline"') >= 2


def test_indicator_page_shows_chart_formula_comparators_and_revisions(client, indicators):
    response = client.get("/indicators/rd-pct-gva/")
    assert response.status_code == 200
    text = response.content.decode()
    spec = response.context["chart"]["spec"]
    assert "÷" in text and "England: 1.4" in text
    assert "table-revisions" in text
    series = {v["series"] for v in spec["data"]["values"]}
    assert {"Observed", "Required path", "Target"} <= series
    path = [v for v in spec["data"]["values"] if v["series"] == "Required path"]
    assert (path[0]["year"], path[-1]["year"]) == (2020, 2030)


def test_derived_indicator_page_says_plainly_when_no_year_overlaps(client, indicators):
    text = client.get("/indicators/berd-pct-gva/").content.decode()
    assert "No year has both" in text
    assert "berd_gbp_million" in text  # the formula


def test_logic_model_page_shows_the_chain(client, indicators):
    text = client.get("/indicators/logic-model/").content.decode()
    positions = [
        text.index(label) for label in ("Inputs", "Activities", "Outputs", "Outcomes", "Impacts")
    ]
    assert positions == sorted(positions)
    assert "/indicators/rd-pct-gva/" in text


def test_csv_download(client, indicators):
    response = client.get("/indicators/rd-pct-gva/observations.csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("indicator,place_code")
    assert lines[1].startswith("rd-pct-gva,E47000004,Liverpool City Region,2020,1.1")


def test_only_permitted_users_may_record(client, indicators, board_member, officer):
    url = "/indicators/rd-pct-gva/add/"
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(board_member)
    assert client.get(url).status_code == 403
    grant_observation_permissions(officer)
    client.force_login(officer)
    assert client.get(url).status_code == 200


def form(place, **changes):
    data = {
        "place": place.pk,
        "period": "2021",
        "value": "1.3",
        "status": "final",
        "evidence_url": EVIDENCE,
    }
    return {**data, **changes}


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"value": "250"}, "not a percentage"),
        ({"value": "£1.3"}, "is money"),
        ({"value": "lots"}, "not a number"),
        ({"period": "2021 Q1"}, "annual"),
        ({"period": "2020"}, "already has a value"),
    ],
)
def test_form_refuses_bad_observations(client, indicators, recording_officer, changes, words):
    client.force_login(recording_officer)
    before = Observation.objects.count()
    response = client.post("/indicators/rd-pct-gva/add/", form(indicators, **changes))
    assert response.status_code == 200
    assert words in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert Observation.objects.count() == before


def test_form_records_an_observation_and_a_revision(client, indicators, recording_officer):
    client.force_login(recording_officer)
    response = client.post("/indicators/rd-pct-gva/add/", form(indicators))
    assert response.status_code == 302
    obs = Observation.objects.get(year=2021, indicator__code="rd-pct-gva")
    assert obs.entered_by == recording_officer and obs.evidence_url == EVIDENCE
    client.post("/indicators/rd-pct-gva/add/", form(indicators, value="1.35", revision="on"))
    assert [
        (o.value, o.is_current) for o in Observation.objects.filter(year=2021).order_by("revision")
    ] == [
        (obs.value, False),
        (obs.value.__class__("1.35"), True),
    ]


def api_post(client, code, body):
    return client.post(
        f"/api/indicators/{code}/observations", json.dumps(body), content_type="application/json"
    )


def test_api_lists_indicators_observations_and_status(client, indicators):
    codes = {i["code"] for i in client.get("/api/indicators/").json()}
    assert "rd-pct-gva" in codes
    obs = client.get("/api/indicators/rd-pct-gva/observations").json()
    assert obs[0]["value"] in ("1.1", "1.100000", 1.1)
    status = client.get("/api/indicators/rd-pct-gva/status").json()
    assert status["status"] == "baseline_only" and status["target_year"] == 2030


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"value": "250"}, "value", "not a percentage"),
        ({"value": "abc"}, "value", "not a number"),
        ({"period": "2021-22"}, "period", "calendar year"),
        ({"period": "2020"}, "__all__", "already has a value"),
    ],
)
def test_api_refuses_bad_observations(client, indicators, recording_officer, changes, field, words):
    client.force_login(recording_officer)
    before = Observation.objects.count()
    body = {
        "place": "E47000004",
        "period": "2021",
        "value": "1.3",
        "evidence_url": EVIDENCE,
        **changes,
    }
    response = api_post(client, "rd-pct-gva", body)
    assert response.status_code == 422, response.content
    assert words in json.dumps(response.json())
    assert Observation.objects.count() == before


def test_api_records_for_permitted_users_only(client, indicators, board_member, recording_officer):
    body = {"place": "E47000004", "period": "2021", "value": "1.3", "evidence_url": EVIDENCE}
    assert api_post(client, "rd-pct-gva", body).status_code == 401
    client.force_login(board_member)
    assert api_post(client, "rd-pct-gva", body).status_code == 403
    client.force_login(recording_officer)
    response = api_post(client, "rd-pct-gva", body)
    assert response.status_code == 201 and response.json()["revision"] == 1


HEADER = "indicator,place,period,value,evidence_url,revision\n"


def test_import_loads_good_rows(tmp_path, indicators, recording_officer):
    path = tmp_path / "obs.csv"
    path.write_text(
        HEADER
        + f"rd-pct-gva,E47000004,2021,1.3,{EVIDENCE},no\n"
        + f"rd-pct-gva,E47000004,2021,1.32,{EVIDENCE},yes\n"
        + f"iuk-funding-per-head,E47000004,2019-20,41.5,{EVIDENCE},\n"
    )
    outcome = run_import("indicator-observations", path, user=recording_officer)
    assert outcome.rows_loaded == 3
    values = Observation.objects.filter(source_import=outcome.record).order_by("id")
    assert [(str(o.value), o.revision, o.is_current) for o in values] == [
        ("1.300000", 1, False),
        ("1.320000", 2, True),
        ("41.500000", 1, True),
    ]


def test_import_refuses_a_file_with_bad_rows_and_writes_nothing(tmp_path, indicators):
    from northstar.core.errors import FileRejected

    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + f"rd-pct-gva,E47000004,2021,1.3,{EVIDENCE},no\n"  # good
        + f"rd-pct-gva,E47000004,2022,250,{EVIDENCE},no\n"  # not a percentage
        + f"rd-pct-gva,E47000004,2022 Q1,1.2,{EVIDENCE},no\n"  # quarter of an annual indicator
        + f"rd-pct-gva,E47000004,2020,1.2,{EVIDENCE},no\n"  # duplicate of the baseline year
        + f"rd-pct-gva,E47000004,2019,n/a,{EVIDENCE},no\n"  # not a number
        + f"rd-pct-gva,E47000004,2021,1.4,{EVIDENCE},no\n"  # duplicate of line 2
    )
    before = Observation.objects.count()
    with pytest.raises(FileRejected) as rejected:
        run_import("indicator-observations", path)
    lines = {e.line: e for e in rejected.value.errors}
    assert set(lines) == {3, 4, 5, 6, 7}
    assert "not a percentage" in lines[3].reason and lines[3].column == "value"
    assert lines[4].column == "period" and "already has a value" in lines[5].reason
    assert "not a number" in lines[6].reason and "earlier row" in lines[7].reason
    assert Observation.objects.count() == before
    assert Import.objects.get(dataset="indicator-observations").status == ImportStatus.REJECTED


def test_services_comparison_marks_the_place(indicators):
    rd = Indicator.objects.get(code="rd-pct-gva")
    rows = services.comparison(rd, indicators)
    assert rows[0]["highlighted"] and rows[0]["place"] == indicators
