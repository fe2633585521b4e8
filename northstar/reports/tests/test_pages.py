"""The board report's pages: who sees them, the draft (web and PDF), issuing it, and an issued
report served from its stored snapshot and PDF."""

from __future__ import annotations

import pytest
from django.urls import reverse

from northstar.actions.models import Rag
from northstar.reports import calculations as calc
from northstar.reports import services
from northstar.reports.models import Report

from .conftest import pdf_text
from .factories import ActionFactory, IssuedReportFactory


def current_code() -> str:
    return services.current_quarter().code


@pytest.fixture
def issued(default_data, officer):
    return IssuedReportFactory(user=officer, quarter=services.current_quarter(), now=None)


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize(
    "url",
    [
        "/reports/",
        "/reports/draft/",
        "/reports/draft/pdf/",
        "/reports/draft/issue/",
        "/reports/1/",
        "/reports/1/pdf/",
        "/reports/1/snapshot.json",
    ],
)
def test_the_public_is_sent_to_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["assessor", "programme_manager"])
def test_other_roles_may_not_see_reports(client, default_data, role, django_user_model):
    from northstar.accounts.tests.factories import UserFactory

    user = UserFactory(role=role)
    for url in ("/reports/", "/reports/draft/", "/reports/draft/pdf/"):
        assert _get(client, user, url).status_code == 403


def test_the_nav_shows_reports_to_board_members_only_among_these(
    client, default_data, board_member, assessor
):
    assert 'href="/reports/"' in _get(client, board_member, "/").content.decode()
    assert 'href="/reports/"' not in _get(client, assessor, "/").content.decode()
    client.logout()
    assert 'href="/reports/"' not in client.get("/").content.decode()


def test_a_board_member_reads_the_draft_but_may_not_issue_it(client, default_data, board_member):
    response = _get(client, board_member, "/reports/")
    assert response.status_code == 200
    assert "No report has been issued yet." in response.content.decode()

    page = client.get("/reports/draft/")
    assert page.status_code == 200
    html = page.content.decode()
    assert services.current_quarter().label in html
    assert "Draft, built on" in html
    for heading in (
        "1. Headline indicators",
        "2. Programme delivery",
        "3. Innovation pipeline",
        "4. Funding and the economy",
        "5. Innovation assets",
        "6. Action plan",
    ):
        assert heading in html
    assert "£273.7m" in html and "Sources" in html
    assert 'id="issue-report"' not in html  # no button for a board member
    assert client.get("/reports/draft/issue/").status_code == 403
    assert client.post("/reports/draft/issue/", {"content": "x"}).status_code == 403
    assert not Report.objects.exists()


def test_the_draft_pdf_is_served_inline(client, default_data, board_member):
    response = _get(client, board_member, f"/reports/draft/pdf/?quarter={current_code()}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        f"board-report-{current_code()}-liverpool-city-region-draft.pdf"
        in (response["Content-Disposition"])
    )
    assert "DRAFT" in pdf_text(response.content)


def test_a_bad_or_future_quarter_is_a_readable_error(client, default_data, board_member):
    response = _get(client, board_member, "/reports/draft/?quarter=next-spring")
    assert response.status_code == 422
    assert "is not a quarter" in response.content.decode()
    future = services.current_quarter().following.code
    response = client.get(f"/reports/draft/pdf/?quarter={future}")
    assert response.status_code == 422
    assert "has not started yet" in response.content.decode()


def test_an_officer_issues_the_draft_they_reviewed(client, default_data, officer):
    draft = _get(client, officer, "/reports/draft/")
    assert 'id="issue-report"' in draft.content.decode()
    confirm = client.get(f"/reports/draft/issue/?quarter={current_code()}")
    assert confirm.status_code == 200
    content = confirm.context["form"].initial["content"]
    assert len(content) == 64
    assert "can never be changed" in confirm.content.decode()

    response = client.post("/reports/draft/issue/", {"quarter": current_code(), "content": content})
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:issued", args=[report.pk])
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "was issued (version 1)" in html
    assert report.pdf_sha256 in html and report.snapshot_sha256 in html
    assert "Intact" in html


def test_issuing_again_asks_why(client, issued, officer):
    client.force_login(officer)
    confirm = client.get(f"/reports/draft/issue/?quarter={current_code()}")
    assert "Issuing again makes version 2" in confirm.content.decode()
    content = confirm.context["form"].initial["content"]
    refused = client.post("/reports/draft/issue/", {"quarter": current_code(), "content": content})
    assert refused.status_code == 422
    assert "Say why a new version is being issued" in refused.content.decode()
    assert Report.objects.count() == 1
    done = client.post(
        "/reports/draft/issue/",
        {"quarter": current_code(), "content": content, "reason": "Late claims verified"},
    )
    assert done.status_code == 302
    second = Report.objects.get(version=2)
    assert second.reason == "Late claims verified" and second.supersedes == issued
    old = client.get(reverse("reports:issued", args=[issued.pk])).content.decode()
    assert "Version 2 supersedes this one" in old


def test_issuing_refuses_a_draft_whose_figures_changed(client, default_data, officer):
    client.force_login(officer)
    confirm = client.get(f"/reports/draft/issue/?quarter={current_code()}")
    content = confirm.context["form"].initial["content"]
    ActionFactory(title="Turned red meanwhile", rag=Rag.RED, rag_reason="Funding paused")
    response = client.post("/reports/draft/issue/", {"quarter": current_code(), "content": content})
    assert response.status_code == 422
    assert "figures changed after the draft was opened" in response.content.decode()
    assert not Report.objects.exists()


def test_an_issued_report_is_served_from_what_was_stored(client, issued, board_member):
    ActionFactory(title="Added after issue", rag=Rag.RED, rag_reason="Late")
    client.force_login(board_member)
    page = client.get(reverse("reports:issued", args=[issued.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Added after issue" not in html
    assert issued.snapshot["issue"]["issued_by"] in html
    pdf = client.get(reverse("reports:issued_pdf", args=[issued.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content == bytes(issued.pdf)
    snapshot = client.get(reverse("reports:issued_snapshot", args=[issued.pk]))
    assert calc.sha256_hex(snapshot.content) == issued.snapshot_sha256
    listing = client.get("/reports/").content.decode()
    assert reverse("reports:issued_pdf", args=[issued.pk]) in listing
    # The draft of the same quarter now points at the issued one.
    assert "read the issued report" in client.get("/reports/draft/").content.decode()


def test_an_unknown_report_is_not_found(client, default_data, board_member):
    assert _get(client, board_member, "/reports/999/").status_code == 404
    assert client.get("/reports/999/pdf/").status_code == 404


def test_the_admin_shows_issued_reports_read_only(client, issued, admin_user_):
    client.force_login(admin_user_)
    url = reverse("admin:reports_report_change", args=[issued.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Save" not in page.content.decode()
    assert client.post(url, {"reason": "x"}).status_code == 403
    delete = reverse("admin:reports_report_delete", args=[issued.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:reports_report_add")).status_code == 403
    assert Report.objects.get(pk=issued.pk).reason == ""
