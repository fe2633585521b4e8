"""Acceptance: default data, returns refused or accepted whole, totals move only on verification,
no double counting, and managers confined to their own programmes (pages and API)."""

from datetime import date
from decimal import Decimal

import pytest

from northstar.core.errors import FileRejected
from northstar.programmes import services
from northstar.programmes.models import (
    Beneficiary,
    Claim,
    ClaimStatus,
    MonitoringReturn,
    Programme,
    ProgrammeManager,
)

from .conftest import claim_row, workbook

pytestmark = pytest.mark.django_db
Q1 = date(2024, 4, 1)


def actual(programme, code):
    rows = {r.output.code: r for r in services.programme_figures(programme).outputs}
    return rows[code].actual if code in rows else Decimal(0)


def test_default_data_has_the_named_programmes_with_published_figures(programmes, client):
    by_slug = {p.slug: p for p in programmes}
    assert by_slug["poiz"].budget == Decimal("9440000")
    assert by_slug["poiz"].funders.get().amount == Decimal("4160000")
    assert by_slug["poiz"].lead_organisation.name == "Alder Hey Children's NHS Foundation Trust"
    igap = by_slug["igap"]
    assert igap.budget == Decimal("4240000") and igap.lead_organisation.name == "LYVA Labs"
    targets = {t.strand.slug: t.quantity for t in igap.targets.all()}
    assert targets == {"incubator": 40, "accelerator": 50, "challenge-fund": 10}
    assert igap.strands.get(slug="challenge-fund").budget == Decimal("1000000")
    assert by_slug["iicon"].budget == Decimal("260000000")
    assert by_slug["launchpad"].budget is None  # £15m is the national pilot's
    assert by_slug["life-sciences-innovation-zone"].targets.get().quantity == 8000
    edge = by_slug["innovate-uk-edge"]
    assert actual(edge, "businesses-supported") == 252 and actual(edge, "jobs-created") == 79
    assert by_slug["lyva-labs"].funders.get().amount == Decimal("10500000")
    # idempotent: loading again adds nothing
    list(services.load_default_programmes())
    assert Programme.objects.count() == 7 and Claim.objects.count() == 7
    page = client.get("/programmes/").content.decode()
    assert "Paediatric Open Innovation Zone" in page and "£9,440,000" in page
    page = client.get("/programmes/igap/").content.decode()
    assert "Clean Tech for Health Challenge Fund" in page and "£4,240,000" in page
    data = client.get("/api/programmes/poiz").json()
    assert data["budget"] == "9440000.00"


def test_a_return_with_one_bad_row_is_refused_whole(poiz, poiz_manager):
    content = workbook(
        [claim_row(), claim_row(beneficiary_name="Beta Ltd", company_number="", quantity="lots")]
    )
    with pytest.raises(FileRejected) as refused:
        services.submit_return(poiz, poiz_manager, Q1, "q1.xlsx", content)
    (error,) = refused.value.errors
    assert (error.line, error.column) == (3, "quantity")
    assert "'lots' is not a positive number" in error.reason
    assert not MonitoringReturn.objects.exists() and not Beneficiary.objects.exists()
    assert not Claim.objects.filter(programme=poiz).exists()


def test_each_bad_row_is_listed_on_the_page_and_nothing_written(client, poiz, poiz_manager):
    client.force_login(poiz_manager)
    content = workbook(
        [
            claim_row(output_code="nope"),
            claim_row(),
            claim_row(postcode="XYZ", evidence_reference=""),
        ]
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/programmes/poiz/returns/upload/",
        {"quarter": "2024-25 Q1", "file": SimpleUploadedFile("q1.xlsx", content)},
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "Line 2, column output_code: &#x27;nope&#x27; is not an output code" in text
    assert "Line 4, column postcode" in text and "Line 4, column evidence_reference" in text
    assert not MonitoringReturn.objects.exists()


def test_a_return_needs_its_columns(poiz, poiz_manager):
    with pytest.raises(Exception, match="has no column company_number, postcode"):
        services.submit_return(
            poiz, poiz_manager, Q1, "q.xlsx", workbook([{}], columns=["beneficiary_name"])
        )


def test_a_valid_return_creates_claims_that_count_only_once_verified(poiz, poiz_manager, officer):
    content = workbook([claim_row(), claim_row(output_code="jobs-created", quantity=2.5)])
    record = services.submit_return(poiz, poiz_manager, Q1, "q1.xlsx", content)
    assert record.claims.count() == 2 and len(record.sha256) == 64
    assert set(record.claims.values_list("status", flat=True)) == {ClaimStatus.CLAIMED}
    assert actual(poiz, "jobs-created") == 0
    assert services.portfolio_figures().unique_businesses == 0
    jobs = record.claims.get(output__code="jobs-created")
    services.decide_claim(jobs, officer, verify=True)
    assert actual(poiz, "jobs-created") == Decimal("2.5")
    business = record.claims.get(output__code="businesses-intensive")
    services.decide_claim(business, officer, verify=False, reason="No timesheets")
    assert services.portfolio_figures().unique_businesses == 0
    record.refresh_from_db()
    assert record.status == "verified"
    assert Claim.objects.get(pk=business.pk).rejection_reason == "No timesheets"


def test_rejecting_needs_a_reason_and_only_officers_decide(poiz, poiz_manager, officer):
    record = services.submit_return(poiz, poiz_manager, Q1, "q1.xlsx", workbook([claim_row()]))
    claim = record.claims.get()
    with pytest.raises(Exception, match="reason"):
        services.decide_claim(claim, officer, verify=False)
    with pytest.raises(PermissionError):
        services.decide_claim(claim, poiz_manager, verify=True)


def test_a_business_in_two_programmes_counts_once_overall_and_once_in_each(
    poiz, igap, poiz_manager, officer, programme_manager
):
    ProgrammeManager.objects.create(user=poiz_manager, programme=igap)
    row = claim_row()
    for programme in (poiz, igap):
        record = services.submit_return(
            programme, poiz_manager, Q1, f"{programme.slug}.xlsx", workbook([row])
        )
        services.decide_claim(record.claims.get(), officer, verify=True)
    assert services.programme_figures(poiz).unique_businesses == 1
    assert services.programme_figures(igap).unique_businesses == 1
    portfolio = services.portfolio_figures()
    assert portfolio.unique_businesses == 1 and portfolio.programme_business_sum == 2
    assert Beneficiary.objects.values("organisation").distinct().count() == 1
    (dup,) = services.duplicate_claims()
    assert dup.organisation == "Acme Diagnostics Ltd" and len(dup.claims) == 2
    (shared,) = services.shared_beneficiaries()
    assert shared[1] == sorted([poiz.name, igap.name])


def test_the_same_jobs_claimed_twice_are_flagged(client, poiz, poiz_manager, officer):
    row = claim_row(output_code="jobs-created", quantity=3)
    services.submit_return(poiz, poiz_manager, Q1, "a.xlsx", workbook([row]))
    services.submit_return(poiz, poiz_manager, Q1, "b.xlsx", workbook([row, claim_row()]))
    (dup,) = services.duplicate_claims(poiz)
    assert dup.output == "Jobs created" and dup.quarter == "2024-25 Q1"
    client.force_login(officer)
    text = client.get("/programmes/").content.decode()
    assert 'id="table-duplicates"' in text and "Acme Diagnostics Ltd" in text
    # a different quarter is no duplicate
    services.submit_return(poiz, poiz_manager, date(2024, 7, 1), "c.xlsx", workbook([row]))
    assert len(services.duplicate_claims(poiz)) == 1


def test_public_pages_show_no_beneficiary_names(client, poiz, poiz_manager, officer):
    record = services.submit_return(poiz, poiz_manager, Q1, "q1.xlsx", workbook([claim_row()]))
    services.decide_claim(record.claims.get(), officer, verify=True)
    for url in ("/programmes/", "/programmes/poiz/", "/api/programmes", "/api/programmes/poiz"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Acme" not in response.content.decode(), url
    client.force_login(officer)
    assert "Acme Diagnostics Ltd" in client.get("/programmes/poiz/").content.decode()


def test_a_manager_cannot_see_or_edit_another_programmes_returns(
    client, poiz, igap, poiz_manager, officer
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from northstar.accounts.tests.factories import UserFactory

    igap_manager = UserFactory(role="programme_manager")
    ProgrammeManager.objects.create(user=igap_manager, programme=igap)
    other = services.submit_return(igap, igap_manager, Q1, "igap.xlsx", workbook([claim_row()]))
    client.force_login(poiz_manager)
    assert client.get("/programmes/poiz/returns/").status_code == 200
    assert client.get("/programmes/igap/returns/").status_code == 403
    assert client.get(f"/programmes/returns/{other.pk}/").status_code == 403
    assert client.get("/programmes/igap/returns/template.xlsx").status_code == 403
    upload = {
        "quarter": "2024-25 Q1",
        "file": SimpleUploadedFile("x.xlsx", workbook([claim_row()])),
    }
    assert client.post("/programmes/igap/returns/upload/", upload).status_code == 403
    assert client.get("/api/programmes/igap/returns").status_code == 403
    assert client.get(f"/api/programmes/returns/{other.pk}").status_code == 403
    upload = {
        "quarter": "2024-25 Q1",
        "file": SimpleUploadedFile("x.xlsx", workbook([claim_row()])),
    }
    assert client.post("/api/programmes/igap/returns", upload).status_code == 403
    claim = other.claims.get()
    response = client.post(
        f"/api/programmes/claims/{claim.pk}/decision",
        {"verify": True},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert MonitoringReturn.objects.filter(programme=igap).count() == 1
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.CLAIMED
    # their own programme through the API works
    upload = {
        "quarter": "2024-25 Q2",
        "file": SimpleUploadedFile("x.xlsx", workbook([claim_row()])),
    }
    response = client.post("/api/programmes/poiz/returns", upload)
    assert response.status_code == 201, response.content
    assert response.json()["quarter"] == "2024-25 Q2"
    assert [r["id"] for r in client.get("/api/programmes/poiz/returns").json()] == [
        response.json()["id"]
    ]
    client.logout()
    assert client.get("/api/programmes/poiz/returns").status_code == 401


def test_template_download_lists_the_columns_and_outputs(client, poiz, poiz_manager):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(poiz_manager)
    response = client.get("/programmes/poiz/returns/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    header = [c.value for c in book["Claims"][1]]
    assert header[:2] == ["beneficiary_name", "company_number"] and "output_code" in header
    codes = [r[0].value for r in book["Outputs"].iter_rows(min_row=2)]
    assert "jobs-created" in codes and "businesses-intensive" in codes


def test_officer_verifies_through_the_page_and_dashboard_changes(
    client, poiz, poiz_manager, officer
):
    record = services.submit_return(
        poiz,
        poiz_manager,
        Q1,
        "q1.xlsx",
        workbook([claim_row(output_code="jobs-created", quantity=4)]),
    )
    claim = record.claims.get()
    client.force_login(officer)
    page = client.get("/programmes/poiz/")
    (row,) = [r for r in page.context["figures"].outputs if r.output.code == "jobs-created"]
    assert (row.actual, row.pending) == (0, 4)
    client.post(f"/programmes/claims/{claim.pk}/decide/", {"decision": "verify"})
    page = client.get("/programmes/poiz/")
    (row,) = [r for r in page.context["figures"].outputs if r.output.code == "jobs-created"]
    assert (row.actual, row.pending) == (4, 0)
    assert page.context["charts"]


def test_beneficiary_map_counts_unique_verified_businesses_by_borough(
    lcr, poiz, igap, poiz_manager, officer
):
    """One business in Liverpool supported by two programmes counts once there; a claimed (not
    verified) Wirral business is not counted; a business with no known postcode is elsewhere."""
    from northstar.places.models import LadMethod, Place, Postcode

    liverpool = Place.objects.get(slug="liverpool")
    wirral = Place.objects.get(slug="wirral")
    Postcode.objects.create(
        code="L35TF", published="L3 5TF", area="L", district="L3", lad=liverpool,
        lad_method=LadMethod.BOUNDARY,
    )  # fmt: skip
    Postcode.objects.create(
        code="CH411AA", published="CH41 1AA", area="CH", district="CH41", lad=wirral,
        lad_method=LadMethod.BOUNDARY,
    )  # fmt: skip
    ProgrammeManager.objects.create(user=poiz_manager, programme=igap)
    for programme in (poiz, igap):
        record = services.submit_return(
            programme, poiz_manager, Q1, "r.xlsx", workbook([claim_row()])
        )
        services.decide_claim(record.claims.get(), officer, verify=True)
    record = services.submit_return(
        poiz,
        poiz_manager,
        Q1,
        "more.xlsx",
        workbook(
            [
                claim_row(beneficiary_name="Wirral Co", company_number="20000001",
                          postcode="CH41 1AA"),
                claim_row(beneficiary_name="Nowhere Co", company_number="20000002",
                          postcode="ZZ9 9ZZ"),
            ]
        ),
    )  # fmt: skip
    services.decide_claim(record.claims.get(line=3), officer, verify=True)  # Nowhere Co only

    result = services.beneficiary_map()
    counts = {b.name: b.count for b in result.boroughs}
    assert counts == {
        "Halton": 0, "Knowsley": 0, "Liverpool": 1, "St Helens": 0, "Sefton": 0, "Wirral": 0,
    }  # fmt: skip
    assert result.elsewhere == 1
    assert [(low, high) for low, high, _ in result.bands] == [(1, 1)]
    liverpool_row = next(b for b in result.boroughs if b.name == "Liverpool")
    assert liverpool_row.band == 1 and liverpool_row.colour == services.BAND_COLOURS[-1]
    assert (
        next(b for b in result.boroughs if b.name == "Halton").colour == (services.BAND_COLOURS[0])
    )
