"""Stage changes and their history."""

import datetime
from decimal import Decimal

import pytest

from northstar.core.errors import UserInputError
from northstar.pipeline.models import FundingSource, PipelineProject, Stage, StageChange
from northstar.pipeline.services import change_stage, save_project, summary


@pytest.fixture
def project(db):
    return PipelineProject.objects.create(name="Tidal test", slug="tidal-test")


def test_change_stage_records_from_to_who_when_and_note(project, officer):
    change_stage(project, Stage.DEVELOPMENT, officer, "Feasibility funded")
    change_stage(project, Stage.BUSINESS_CASE, officer, "")
    project.refresh_from_db()
    assert project.stage == Stage.BUSINESS_CASE
    history = list(
        project.stage_changes.values_list("from_stage", "to_stage", "changed_by", "note")
    )
    assert history == [
        ("", "development", officer.pk, "Feasibility funded"),
        ("development", "business_case", officer.pk, ""),
    ]
    assert all(c.changed_at is not None for c in project.stage_changes.all())


def test_change_to_the_same_or_an_unknown_stage_is_refused(project, officer):
    change_stage(project, Stage.IDEA, officer)
    with pytest.raises(UserInputError):
        change_stage(project, Stage.IDEA, officer)
    with pytest.raises(UserInputError):
        change_stage(project, "shovel_ready", officer)
    assert StageChange.objects.count() == 1


def test_saving_a_new_project_with_a_stage_records_it_and_links_organisations(db, officer):
    project = PipelineProject(name="Hydrogen hub", stage=Stage.IDEA)
    save_project(
        project, user=officer, lead_name="Acme Energy Ltd", partner_names=["Uni A", "Uni B"]
    )
    assert project.slug == "hydrogen-hub"
    assert project.lead.name == "Acme Energy Ltd"
    assert sorted(o.name for o in project.partners.all()) == ["Uni A", "Uni B"]
    assert list(project.stage_changes.values_list("from_stage", "to_stage")) == [("", "idea")]
    # The same name links to the same organisation next time.
    other = save_project(
        PipelineProject(name="Hydrogen hub"), user=officer, lead_name="Acme Energy Ltd"
    )
    assert other.slug == "hydrogen-hub-2"
    assert other.lead_id == project.lead_id


def test_end_before_start_is_refused(db, officer):
    project = PipelineProject(
        name="Backwards", start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2024, 1, 1)
    )
    with pytest.raises(UserInputError):
        save_project(project, user=officer)
    assert not PipelineProject.objects.exists()


def test_summary_totals_and_overall_leverage(db):
    a = PipelineProject.objects.create(
        name="A", slug="a", stage=Stage.APPROVED, total_value=Decimal("100")
    )
    PipelineProject.objects.create(name="B", slug="b", stage=Stage.APPROVED)
    PipelineProject.objects.create(name="C", slug="c", total_value=Decimal("7"))
    FundingSource.objects.create(
        project=a, source="CA", kind="ca", amount=Decimal("40"), secured=True
    )
    FundingSource.objects.create(
        project=a, source="Firm", kind="private", amount=Decimal("60"), secured=True
    )
    s = summary(PipelineProject.objects.for_display())
    approved = next(g for g in s.by_stage if g.key == "approved")
    assert (approved.count, approved.known_value, approved.unknown_count) == (2, Decimal("100"), 1)
    none = next(g for g in s.by_stage if g.key == "none")
    assert (none.count, none.known_value) == (1, Decimal("7"))
    assert s.total.known_value == Decimal("107")
    assert s.leverage.ratio == Decimal("1.50")
