"""The default pipeline: the domain brief's named projects with their published figures."""

from decimal import Decimal

import pytest

from northstar.pipeline.models import PipelineProject, PublishedFigure
from northstar.pipeline.services import load_default_data, load_default_pipeline

NAMED = {
    "hartree-national-centre-for-digital-innovation": Decimal("210000000"),
    "iicon": Decimal("260000000"),
    "glass-futures": None,
    "hynet": None,
    "lcr-connect": None,
    "mersey-tidal-power": None,
    "lcr-freeport": None,
}


@pytest.fixture
def pipeline(register):
    load_default_pipeline()
    return PipelineProject.objects.all()


def test_named_projects_with_published_values_and_unknowns_left_empty(pipeline):
    values = {p.slug: p.total_value for p in pipeline}
    assert values == NAMED
    # Nothing invented: no stage, no dates, unless a source published them.
    assert all(p.stage == "" and p.start_date is None and p.end_date is None for p in pipeline)


def test_iicon_has_its_lead_and_published_funding(pipeline):
    iicon = pipeline.get(slug="iicon")
    assert iicon.lead.name == "Liverpool School of Tropical Medicine"
    funding = list(iicon.funding.values_list("source", "kind", "amount", "secured"))
    assert funding == [("UKRI Strength in Places Fund", "public", Decimal("18000000"), True)]
    # No CA funding is published, so there is no leverage ratio rather than an invented one.
    from northstar.pipeline.services import project_leverage

    assert project_leverage(iicon).ratio is None


def test_projects_that_are_also_assets_link_to_the_register(pipeline):
    linked = {p.slug: p.asset.name for p in pipeline if p.asset}
    assert linked["hartree-national-centre-for-digital-innovation"] == (
        "Hartree National Centre for Digital Innovation"
    )
    assert linked["glass-futures"] == "Glass Futures"
    assert linked["iicon"] == "Infection Innovation Consortium (iCON)"
    assert pipeline.get(slug="lcr-connect").place.code == "E47000004"


def test_published_totals_are_stored_as_statements_with_sources(pipeline):
    figures = {f.code: f for f in PublishedFigure.objects.all()}
    assert figures["project-pipeline"].amount == Decimal("3000000000")
    assert figures["project-pipeline"].at_least is True
    assert figures["pipeline-under-way"].amount == Decimal("725000000")
    assert figures["further-opportunities"].amount == Decimal("9000000000")
    assert all(f.source for f in figures.values())
    assert len(figures) == 6


def test_loading_again_keeps_officers_edits(pipeline):
    glass = pipeline.get(slug="glass-futures")
    glass.total_value = Decimal("54000000")
    glass.save()
    messages = list(load_default_data())
    assert "0 default projects added (7 already present)" in messages[0]
    assert PipelineProject.objects.get(slug="glass-futures").total_value == Decimal("54000000")
    assert PublishedFigure.objects.count() == 6
