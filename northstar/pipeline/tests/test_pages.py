"""Pages and API of the pipeline: public reads, officer edits, validation."""

import csv
import io
from decimal import Decimal

import pytest

from northstar.pipeline.models import FundingSource, PipelineProject, Stage, StageChange
from northstar.pipeline.services import load_default_pipeline


@pytest.fixture
def pipeline(lcr):
    load_default_pipeline()
    return PipelineProject.objects.all()


def test_anyone_can_read_the_list_totals_and_published_figures(client, pipeline):
    response = client.get("/pipeline/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("Hartree National Centre for Digital Innovation", "Glass Futures", "LCR Connect"):
        assert name in html
    assert "£210,000,000" in html and "£3,000,000,000+" in html
    assert "Add a project" not in html
    assert client.get("/pipeline/hynet/").status_code == 200


def test_filters_narrow_the_list(client, pipeline):
    html = client.get("/pipeline/?theme=infection_health").content.decode()
    assert "iiCON" in html and "Glass Futures" not in html


def test_csv_has_a_row_per_filtered_project_with_empty_unknowns(client, pipeline):
    response = client.get("/pipeline/export.csv?theme=net_zero_maritime")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(r["name"] for r in rows) == [
        "Glass Futures",
        "HyNet (hydrogen)",
        "Mersey Tidal Power",
    ]
    assert all(r["total_value_gbp"] == "" for r in rows)


def test_anonymous_users_cannot_edit(client, pipeline):
    for url in ("/pipeline/new/", "/pipeline/hynet/edit/", "/pipeline/hynet/stage/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.post("/pipeline/hynet/stage/", {"stage": "idea"})
    assert not StageChange.objects.exists()


def test_a_role_without_the_permission_is_refused(client, pipeline, programme_manager):
    client.force_login(programme_manager)
    assert client.get("/pipeline/hynet/stage/").status_code == 403
    assert client.post("/pipeline/new/", {"name": "X"}).status_code == 403


def test_officer_adds_a_project_and_bad_input_shows_the_error_summary(
    client, pipeline, pipeline_officer
):
    client.force_login(pipeline_officer)
    bad = client.post(
        "/pipeline/new/",
        {
            "name": "Hydrogen valley",
            "total_value": "-5",
            "start_date": "2026-01-01",
            "end_date": "2025-01-01",
        },
    )
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "There is a problem" in html and "on or after the start date" in html
    assert not PipelineProject.objects.filter(name="Hydrogen valley").exists()

    good = client.post(
        "/pipeline/new/",
        {
            "name": "Hydrogen valley",
            "lead_name": "Valley Energy Ltd",
            "partner_names": "University of Liverpool\nHalton Borough Council",
            "theme": "net_zero_maritime",
            "place": "halton",
            "total_value": "12500000",
            "stage": "idea",
            "start_date": "2025-01-01",
            "end_date": "2026-01-01",
        },
    )
    project = PipelineProject.objects.get(name="Hydrogen valley")
    assert good.status_code == 302 and good["Location"] == f"/pipeline/{project.slug}/"
    assert project.total_value == Decimal("12500000") and project.place.name == "Halton"
    assert project.partners.count() == 2
    assert list(project.stage_changes.values_list("to_stage", "changed_by")) == [
        ("idea", pipeline_officer.pk)
    ]


def test_officer_changes_the_stage_and_the_history_shows_it(client, pipeline, pipeline_officer):
    client.force_login(pipeline_officer)
    same = client.post("/pipeline/hynet/stage/", {"stage": ""})
    assert "There is a problem" in same.content.decode()
    response = client.post(
        "/pipeline/hynet/stage/", {"stage": "development", "note": "Consultation"}
    )
    assert response.status_code == 302
    assert PipelineProject.objects.get(slug="hynet").stage == Stage.DEVELOPMENT
    html = client.get("/pipeline/hynet/").content.decode()
    assert "Consultation" in html and "Development" in html
    again = client.post("/pipeline/hynet/stage/", {"stage": "development"})
    assert "Choose a different stage" in again.content.decode()


def test_officer_adds_funding_and_sees_the_leverage(client, pipeline, pipeline_officer):
    client.force_login(pipeline_officer)
    url = "/pipeline/glass-futures/funding/"
    client.post(url, {"source": "LCR CA", "kind": "ca", "amount": "2000000", "secured": "on"})
    client.post(
        url, {"source": "Industry", "kind": "private", "amount": "5000000", "secured": "on"}
    )
    assert FundingSource.objects.filter(project__slug="glass-futures").count() == 2
    html = client.get("/pipeline/glass-futures/").content.decode()
    assert "£2.50 of other secured funding per £1 of CA funding" in html


def test_api_lists_details_and_totals(client, pipeline):
    projects = client.get("/api/pipeline/projects").json()
    assert len(projects) == 7
    iicon = client.get("/api/pipeline/projects/iicon").json()
    assert iicon["total_value"] == "260000000.00" or Decimal(str(iicon["total_value"])) == 260000000
    assert iicon["funding"][0]["source"] == "UKRI Strength in Places Fund"
    assert iicon["leverage"]["ratio"] is None
    totals = client.get("/api/pipeline/totals").json()
    assert totals["total"]["count"] == 7 and totals["total"]["unknown_count"] == 5
    assert Decimal(str(totals["total"]["known_value"])) == Decimal("470000000")
    assert len(totals["published_figures"]) == 6
    assert client.get("/api/pipeline/projects/nothing").status_code == 404
