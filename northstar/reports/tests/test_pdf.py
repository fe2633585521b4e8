"""The report's PDF, read back with pypdf: each section's key figures, page numbers and contents,
sources and as-of dates; the same bytes for the same snapshot; an issued report's PDF unchanged
by later changes to the data."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest

from northstar.actions.models import Rag
from northstar.reports import calculations as calc
from northstar.reports import rendering, services
from northstar.reports.models import Report

from .conftest import NOW, Q3, pdf_text
from .factories import ActionFactory, IssuedReportFactory


@pytest.fixture
def exceptions(default_data):
    ActionFactory(title="Secure the Freeport testbed", rag=Rag.RED, rag_reason="Landowner withdrew")
    ActionFactory(title="Publish the data-sharing agreement", due_date=date(2026, 11, 1))


@pytest.fixture
def draft_snapshot(exceptions):
    return services.build_report(Q3, now=NOW).to_snapshot()


@pytest.fixture
def draft_pdf(draft_snapshot):
    return rendering.render_pdf(draft_snapshot)


def test_the_draft_pdf_shows_every_sections_key_figures(draft_snapshot, draft_pdf):
    text = pdf_text(draft_pdf)
    flat = text.replace("\f", " ")
    assert "Innovation Board quarterly report" in flat
    assert "Q3 2026-27 (October to December 2026)" in flat
    assert "DRAFT" in flat
    for section in draft_snapshot["sections"]:
        assert f"{section['number']}. {section['title']}" in flat
        for figure in section["key_figures"]:
            if figure["shown"]:
                assert figure["value"] in flat, (section["key"], figure)
                assert " ".join(figure["label"].split()) in flat, (section["key"], figure)
    # The figures the default data gives, as a reader sees them.
    for expected in ("1.1% of GVA (2020)", "Baseline only", "£273.7m", "£470.0m", "107"):
        assert expected in flat
    # The exceptions, with why and the reason for the rating.
    assert "Secure the Freeport testbed" in flat and "Landowner withdrew" in flat
    assert "Publish the data-sharing agreement" in flat and "Overdue by 21 days" in flat


def test_the_pdf_has_page_numbers_a_contents_list_and_sources_on_each_section(
    draft_snapshot, draft_pdf
):
    pages = pdf_text(draft_pdf).split("\f")
    total = len(pages)
    assert total > 6
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in page
    contents = pages[0]
    for section in draft_snapshot["sections"]:
        title = f"{section['number']}. {section['title']}"
        listed = re.search(re.escape(title) + r"[ .]*?(\d+)\b", contents)
        assert listed, title
        page = int(listed.group(1))
        # The contents' page number is the page the section starts on.
        assert pages[page - 1].count(title) >= 1, (title, page)
        start = pages[page - 1]
        assert section["as_of_label"] in start
    headings = sum(p.upper().count("SOURCES · ") for p in pages)
    assert headings == len(draft_snapshot["sections"])
    flat = " ".join(pages)
    for section in draft_snapshot["sections"]:
        first = " ".join(section["sources"][0].split())
        assert first[:60] in flat, section["key"]


def test_the_same_snapshot_gives_the_same_bytes(draft_snapshot, draft_pdf):
    assert rendering.render_pdf(draft_snapshot) == draft_pdf
    # The PDF's creation date is the snapshot's, not the clock's.
    from pypdf import PdfReader

    info = PdfReader(io.BytesIO(draft_pdf)).metadata
    assert info["/CreationDate"].startswith("D:20261122103000")
    assert info["/Title"] == "Innovation Board quarterly report: Q3 2026-27, Liverpool City Region"


def test_an_issued_report_is_byte_identical_after_the_data_changes(exceptions, officer):
    report = IssuedReportFactory(user=officer)
    pdf, snapshot = bytes(report.pdf), report.snapshot
    text = pdf_text(pdf)
    assert "ISSUED" in text and "version 1" in text
    assert report.snapshot_sha256 in text.replace("\n", "")
    assert "DRAFT" not in text

    # Everything the report shows changes after it was issued.
    from northstar.assets.models import Asset
    from northstar.pipeline.models import PipelineProject
    from northstar.programmes.models import Programme

    ActionFactory(title="A new red action", rag=Rag.RED, rag_reason="Blocked")
    Asset.objects.filter(number__lte=10).update(retired_at=NOW)
    PipelineProject.objects.update(total_value=None)
    Programme.objects.filter(slug="igap").update(budget=1)
    assert rendering.render_pdf(services.draft_snapshot(Q3, now=NOW)) != pdf

    stored = Report.objects.get(pk=report.pk)
    assert bytes(stored.pdf) == pdf
    assert stored.snapshot == snapshot
    assert calc.sha256_hex(bytes(stored.pdf)) == stored.pdf_sha256
    assert services.verify(stored)
    # Re-rendered from its stored snapshot, the issued report is the same PDF, byte for byte.
    assert rendering.render_pdf(stored.snapshot) == pdf


def test_a_draft_after_an_issued_report_lists_what_changed(exceptions, officer):
    IssuedReportFactory(user=officer)
    ActionFactory(title="Open the Launchpad cohort", rag=Rag.RED, rag_reason="No venue")
    snapshot = services.build_report(Q3, now=NOW + timedelta(days=2)).to_snapshot()
    text = pdf_text(rendering.render_pdf(snapshot)).replace("\f", " ")
    assert "What changed since the last issued report" in text
    assert "Compared with the report for Q3 2026-27 (version 1), issued 22 November 2026" in text
    assert "Open the Launchpad cohort: Red" in text


def _import(dataset: str, path) -> None:
    from northstar.ingest.framework import run_import

    run_import(dataset, path)


def test_the_funding_section_with_the_published_statistics(default_data, settings):
    data_dir = settings.NORTHSTAR_DATA_DIR
    gva = data_dir / "ons_gva" / "itl_gva_gdp_population_long.csv"
    iuk = data_dir / "nesta_beis_indicators" / "gbp_innovate_uk_funding.nuts2.csv"
    if not (gva.exists() and iuk.exists()):
        pytest.skip(f"The ONS GVA and Nesta funding files are not under {data_dir}")
    from northstar.places.services import load_place

    _import(
        "ons-itl2-boundaries",
        data_dir
        / "ons_boundaries"
        / "International_Territorial_Level_2_January_2021_UK_BUC.geojson",
    )
    load_place()  # the city region's statistical twin (Merseyside, TLD7), as serve does
    _import("ons-gva-itl", gva)
    _import("nesta-innovate-uk-funding-nuts2", iuk)
    snapshot = services.build_report(Q3, now=NOW).to_snapshot()
    section = next(s for s in snapshot["sections"] if s["key"] == "funding")
    shown = {f["label"]: f["value"] for f in section["key_figures"]}
    # ONS, April 2023 release: Merseyside's GVA per head in 2021; Nesta: Innovate UK, 2019-20
    # (£5,588,924 ÷ 1,559,320 residents), the latest year its source covers in whole: the
    # file of 1 August 2020 holds only part of 2020-21, which is never the headline.
    assert shown["GVA per head, 2021"] == "£22,778"
    assert shown["Innovate UK funding awarded per head, 2019-20"] == "£3.58"
    assert not any("2020-21" in label for label in shown if label.startswith("Innovate UK"))
    assert any("itl_gva_gdp_population_long.csv" in s for s in section["sources"])
    assert section["as_of"] is not None
    text = pdf_text(rendering.render_pdf(snapshot)).replace("\f", " ")
    assert "GVA per head, 2021" in text and "£22,778" in text
    assert "gbp_innovate_uk_funding.nuts2.csv" in text


def test_the_funding_section_with_innovate_uks_participants(default_data, tmp_path):
    from northstar.funding import services as funding
    from northstar.funding.models import DATASET
    from northstar.funding.tests import fixtures

    _import(DATASET, fixtures.write_csv(tmp_path / "iuk.csv"))
    section = services.build_report(Q3, now=NOW).section("funding")
    expected = funding.award_table(
        funding.FundingQuery(place=default_data), funding.Breakdown.FINANCIAL_YEAR
    ).total
    shown = {f["key"]: f for f in section["key_figures"]}
    award = shown["funding.participants.award"]
    assert award["value"] == calc.money(expected.award_pence / 100)
    assert award["detail"] == f"{expected.participations} participations"
    assert {t["id"] for t in section["tables"]} >= {
        "funding-participants-year",
        "funding-participants-size",
        "funding-participants-programme",
    }
    assert any("iuk.csv" in s for s in section["sources"])
