"""Building, issuing and comparing board reports, on the default data (as `./scripts/serve`
loads it) and on what the tests add to it."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from northstar.actions.models import Rag, Status
from northstar.core.errors import UserInputError
from northstar.indicators.models import Indicator, Observation, Origin, PeriodKind
from northstar.programmes.models import ClaimStatus, OutputDefinition, Programme
from northstar.reports import calculations as calc
from northstar.reports import services
from northstar.reports.calculations import Quarter
from northstar.reports.models import Report, ReportImmutable, ReportStatus

from .conftest import NOW, Q3
from .factories import ActionFactory, IssuedReportFactory, OrganisationFactory, VerifiedClaimFactory

SECTIONS = ["indicators", "programmes", "pipeline", "funding", "assets", "actions"]


def figures(snapshot_or_section) -> dict[str, str]:
    sections = snapshot_or_section.get("sections", [snapshot_or_section])
    return {f["key"]: f["value"] for s in sections for f in s["key_figures"]}


@pytest.fixture
def draft(default_data):
    return services.build_report(Q3, now=NOW)


def test_the_default_data_gives_a_complete_draft_for_the_current_quarter(draft, default_data):
    snapshot = draft.to_snapshot()
    assert snapshot["quarter"]["label"] == "Q3 2026-27 (October to December 2026)"
    assert snapshot["place"]["code"] == default_data.code == "E47000004"
    assert snapshot["status"] == "draft"
    assert [s["key"] for s in snapshot["sections"]] == SECTIONS
    assert [s["number"] for s in snapshot["sections"]] == [1, 2, 3, 4, 5, 6]
    for section in snapshot["sections"]:
        assert section["as_of_label"], section["key"]
        assert section["sources"], section["key"]
        assert section["summary"], section["key"]
    shown = figures(snapshot)
    # Indicators: the North Star's published baseline (2020), the start of its path to 5% by 2030.
    assert shown["indicators.rd-pct-gva"] == "1.1% of GVA (2020)"
    statuses = {s["code"]: s["status"] for s in draft.section("indicators")["statuses"]}
    assert statuses["rd-pct-gva"] == "baseline_only"
    assert statuses["gva-per-hour-index"] == "no_data"
    # Programmes: seven named programmes; IGAP's, POIZ's and the Infection Innovation
    # Consortium's published budgets (£4.24m + £9.44m + £260m).
    assert shown["programmes.count"].startswith("7 (")
    assert shown["programmes.budget"] == "£273.7m"
    assert shown["programmes.igap.businesses-intensive"] == "0 of 90 (0.0%)"
    # Pipeline: seven projects, two with a published value (£260m + £210m).
    assert shown["pipeline.projects"] == "7"
    assert shown["pipeline.known_value"] == "£470.0m"
    # Assets: the 107-asset default register.
    assert shown["assets.total"] == "107"
    assert sum(int(shown[k]) for k in shown if k.startswith("assets.theme.")) == 107
    # Action plan: themes and workstreams, no actions yet.
    assert shown["actions.red"] == shown["actions.exceptions"] == "0"
    assert draft.section("actions")["exceptions"] == []
    # Nothing issued yet: nothing to compare with.
    assert snapshot["previous"] is None and snapshot["changes"] is None


def test_the_snapshot_is_plain_json(draft):
    snapshot = draft.to_snapshot()
    assert json.loads(calc.canonical_json(snapshot)) == snapshot
    text = calc.canonical_json(snapshot).decode()
    assert "Decimal" not in text


def test_the_asset_map_accounts_for_every_asset(draft, settings):
    found = draft.section("assets")["map"]
    assert found["drawn"] + found["no_position"] + found["outside"] == 107
    if not (settings.NORTHSTAR_DATA_DIR / "ons_boundaries").exists():
        pytest.skip(f"No boundary files under {settings.NORTHSTAR_DATA_DIR}: no map to draw")
    assert sorted(b["name"] for b in found["boroughs"]) == [
        "Halton",
        "Knowsley",
        "Liverpool",
        "Sefton",
        "St Helens",
        "Wirral",
    ]
    assert found["drawn"] > 80


def test_unique_businesses_count_each_business_once_across_programmes(default_data):
    igap = Programme.objects.get(slug="igap")
    lyva = Programme.objects.get(slug="lyva-labs")
    intensive = OutputDefinition.objects.get(code="businesses-intensive")
    financial = OutputDefinition.objects.get(code="businesses-financial")
    shared = OrganisationFactory(name="Mersey Medtech Limited")
    VerifiedClaimFactory(programme=igap, output=intensive, organisation=shared)
    VerifiedClaimFactory(programme=lyva, output=financial, organisation=shared)
    VerifiedClaimFactory(
        programme=igap,
        output=intensive,
        status=ClaimStatus.CLAIMED,
        organisation=OrganisationFactory(name="Not Yet Verified Limited"),
    )
    section = services.build_report(Q3, now=NOW).section("programmes")
    shown = figures(section)
    assert shown["programmes.unique_businesses"] == "1"
    assert "2 if each programme's own count were added up" in section["summary"][0]
    assert shown["programmes.igap.businesses-intensive"] == "1 of 90 (1.1%)"
    delivery = next(t for t in section["tables"] if t["id"] == "programmes-delivery")
    row = next(r for r in delivery["rows"] if r[0] == igap.name and r[1] == intensive.name)
    # Target, profile to quarter end, verified, %, verified in Q3, awaiting verification.
    assert row[2:] == ["90", "—", "1", "1.1%", "1", "1"]


def test_exceptions_are_red_and_overdue_open_actions_with_their_reasons(default_data, officer):
    from northstar.actions.services import post_update

    red = ActionFactory(
        title="Secure the Freeport testbed", rag=Rag.RED, rag_reason="The landowner withdrew"
    )
    late = ActionFactory(title="Publish the data-sharing agreement", due_date=date(2026, 11, 1))
    ActionFactory(title="Done late", due_date=date(2026, 9, 1), status=Status.COMPLETED)
    ActionFactory(title="Due in July", due_date=date(2026, 7, 15))
    ActionFactory(title="On time", rag=Rag.AMBER, rag_reason="Tight")
    post_update(late, officer, "Legal review still open", Rag.GREEN, on=date(2026, 11, 20))

    section = services.build_report(Q3, now=NOW).section("actions")
    exceptions = {e["title"]: e for e in section["exceptions"]}
    assert set(exceptions) == {
        "Secure the Freeport testbed",
        "Publish the data-sharing agreement",
        "Due in July",
    }
    assert exceptions["Secure the Freeport testbed"]["why"] == "Red"
    assert exceptions["Secure the Freeport testbed"]["reason"] == "The landowner withdrew"
    assert exceptions["Publish the data-sharing agreement"]["why"] == "Overdue by 21 days"
    assert exceptions["Publish the data-sharing agreement"]["latest_update"] == {
        "date": "20 November 2026",
        "text": "Legal review still open",
    }
    shown = figures(section)
    assert (shown["actions.red"], shown["actions.amber"], shown["actions.green"]) == ("1", "1", "2")
    assert shown["actions.closed"] == "1"
    assert shown["actions.exceptions"] == "3"

    # The report for Q1 judges "overdue" on its last day (30 June 2026): nothing was overdue yet.
    q1 = services.build_report(Quarter(date(2026, 4, 1)), now=NOW)
    assert q1.as_at == date(2026, 6, 30)
    assert [e["title"] for e in q1.section("actions")["exceptions"]] == [
        "Secure the Freeport testbed"
    ]
    assert red.pk in {r["id"] for r in section["ratings"]}


def test_a_quarter_that_has_not_started_or_is_not_one_is_refused(default_data):
    with pytest.raises(UserInputError, match="has not started yet"):
        services.build_report(Q3.following, now=NOW)
    with pytest.raises(UserInputError, match="has not started yet"):
        services.quarter_from_text("2026-27-Q4", NOW.date())
    with pytest.raises(UserInputError, match="is not a quarter"):
        services.quarter_from_text("autumn", NOW.date())
    assert services.quarter_from_text("", NOW.date()) == Q3
    assert services.quarter_from_text("2025-26-Q4", NOW.date()) == Quarter(date(2026, 1, 1))
    with pytest.raises(UserInputError, match="No place"):
        services.place_from_text("Atlantis")
    assert services.place_from_text("E47000004") == default_data


def test_an_officer_issues_a_frozen_report(default_data, officer):
    report = IssuedReportFactory(user=officer)
    assert report.status == ReportStatus.ISSUED and report.version == 1
    assert report.quarter == Q3.start and report.place == default_data
    assert report.issued_by == officer and report.issued_at == NOW
    assert report.snapshot["status"] == "issued"
    assert report.snapshot["issue"]["issued_on"] == "22 November 2026"
    assert report.snapshot_sha256 == calc.sha256_hex(calc.canonical_json(report.snapshot))
    assert report.pdf_sha256 == calc.sha256_hex(bytes(report.pdf))
    assert bytes(report.pdf).startswith(b"%PDF-")
    assert services.verify(report)


def test_only_officers_issue(default_data, board_member, assessor):
    for user in (board_member, assessor):
        with pytest.raises(PermissionDenied):
            services.issue_report(Q3, user, now=NOW)
    assert not Report.objects.exists()


def test_an_issued_report_is_never_changed_or_deleted(default_data, officer):
    report = IssuedReportFactory(user=officer)
    report.reason = "tampered"
    with pytest.raises(ReportImmutable):
        report.save()
    with pytest.raises(ReportImmutable):
        report.delete()
    with pytest.raises(ReportImmutable):
        Report.objects.filter(pk=report.pk).update(reason="tampered")
    with pytest.raises(ReportImmutable):
        Report.objects.filter(pk=report.pk).delete()
    stored = Report.objects.get(pk=report.pk)
    assert stored.reason == "" and services.verify(stored)


def test_issuing_a_quarter_again_needs_a_reason_and_makes_a_new_version(default_data, officer):
    first = IssuedReportFactory(user=officer)
    with pytest.raises(UserInputError, match="was issued on 22 November 2026"):
        services.issue_report(Q3, officer, now=NOW + timedelta(hours=1))
    second = services.issue_report(
        Q3, officer, reason="The IGAP claims were verified late", now=NOW + timedelta(hours=1)
    )
    assert second.version == 2 and second.supersedes == first
    assert second.snapshot["issue"]["supersedes"] == {"id": first.pk, "version": 1}
    assert second.compared_with == first
    assert not first.is_current_version and second.is_current_version
    assert list(Report.objects.current_versions()) == [second]
    assert Report.objects.get(pk=first.pk).snapshot == first.snapshot


def test_nothing_is_issued_when_the_figures_changed_after_the_draft_was_reviewed(
    default_data, officer
):
    reviewed = calc.content_hash(services.draft_snapshot(Q3, now=NOW))
    # The same figures built again (later, by another request) have the same content.
    assert calc.content_hash(services.draft_snapshot(Q3, now=NOW + timedelta(minutes=5))) == (
        reviewed
    )
    ActionFactory(title="A new red action", rag=Rag.RED, rag_reason="Blocked")
    with pytest.raises(UserInputError, match="figures changed after the draft was opened"):
        services.issue_report(Q3, officer, expected_content=reviewed, now=NOW)
    assert not Report.objects.exists()


def test_a_new_draft_shows_what_changed_since_the_last_issued_report(default_data, officer):
    watched = ActionFactory(title="Launch the Inspiration! campaign")
    IssuedReportFactory(user=officer)

    # After the report was issued: the action turns red, a new observation puts the North Star
    # below its trajectory, and an asset is retired.
    watched.rag, watched.rag_reason = Rag.RED, "No sponsor yet"
    watched.save()
    Observation.objects.create(
        indicator=Indicator.objects.get(code="rd-pct-gva"),
        place=default_data,
        period_kind=PeriodKind.CALENDAR_YEAR,
        year=2023,
        value=Decimal("1.2"),
        status="final",
        origin=Origin.MANUAL,
        source="Officers' estimate",
    )
    from northstar.assets.models import Asset

    Asset.objects.filter(number=1).update(retired_at=NOW)

    later = services.build_report(Q3, now=NOW + timedelta(days=1))
    changes = later.changes
    assert later.compared_with is not None and later.compared_with.version == 1
    labels = {c["label"]: (c["before"], c["after"]) for c in changes["figures"]}
    assert labels["R&D expenditure as a percentage of GVA"] == (
        "1.1% of GVA (2020)",
        "1.2% of GVA (2023)",
    )
    assert labels["Innovation assets in the register"] == ("107", "106")
    assert labels["Open actions rated red"] == ("0", "1")
    assert changes["statuses"] == [
        {
            "indicator": "R&D expenditure as a percentage of GVA",
            "before": "Baseline only",
            "after": "Off track",
        }
    ]
    assert changes["rag"] == [
        {"action": "Launch the Inspiration! campaign", "before": "Green", "after": "Red"}
    ]
    assert changes["new_exceptions"] == [
        {"action": "Launch the Inspiration! campaign", "why": "Red"}
    ]
    snapshot = later.to_snapshot()
    assert snapshot["previous"]["version"] == 1
    assert snapshot["changes"] == changes


def test_an_unchanged_draft_says_nothing_changed(default_data, officer):
    IssuedReportFactory(user=officer)
    changes = services.build_report(Q3, now=NOW + timedelta(days=1)).changes
    assert not calc.has_changes(changes)


def test_the_pipeline_section_lists_the_quarters_stage_changes(default_data, officer):
    from northstar.pipeline.models import PipelineProject, Stage, StageChange
    from northstar.pipeline.services import change_stage

    project = PipelineProject.objects.order_by("name").first()
    in_q3 = change_stage(project, Stage.BUSINESS_CASE, officer, "Outline case approved")
    in_q2 = change_stage(project, Stage.APPROVED, officer, "Earlier")
    StageChange.objects.filter(pk=in_q3.pk).update(changed_at=NOW - timedelta(days=30))
    StageChange.objects.filter(pk=in_q2.pk).update(changed_at=NOW - timedelta(days=90))
    section = services.build_report(Q3, now=NOW).section("pipeline")
    moves = next(t for t in section["tables"] if t["id"] == "pipeline-moves")
    assert moves["rows"] == [
        [
            "23 October 2026",
            project.name,
            "Stage not recorded",
            "Business case",
            "Outline case approved",
        ]
    ]
    assert "; 1 stage change in Q3 2026-27." in section["summary"][0]
    assert figures(section)["pipeline.stage.approved"] == "1"
