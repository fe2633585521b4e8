"""/api/reports: issued reports and their frozen snapshots, for board members and officers."""

from __future__ import annotations

import pytest

from northstar.reports import calculations as calc

from .factories import IssuedReportFactory


@pytest.fixture
def issued(default_data, officer):
    return IssuedReportFactory(user=officer)


def test_the_public_must_sign_in(client, issued):
    assert client.get("/api/reports").status_code == 401
    assert client.get(f"/api/reports/{issued.pk}").status_code == 401


@pytest.mark.parametrize("role", ["assessor", "programme_manager"])
def test_other_roles_are_forbidden(client, issued, role):
    from northstar.accounts.tests.factories import UserFactory

    client.force_login(UserFactory(role=role))
    assert client.get("/api/reports").status_code == 403
    assert client.get(f"/api/reports/{issued.pk}").status_code == 403


def test_a_board_member_reads_the_list_and_a_snapshot(client, issued, board_member, officer):
    second = IssuedReportFactory(user=officer, reason="A claim corrected")
    client.force_login(board_member)
    listing = client.get("/api/reports").json()
    assert [(r["id"], r["version"]) for r in listing] == [(second.pk, 2), (issued.pk, 1)]
    first = listing[1]
    assert first["quarter"] == "2026-27-Q3"
    assert first["quarter_label"] == "Q3 2026-27 (October to December 2026)"
    assert first["superseded_by"] == second.pk and listing[0]["supersedes"] == issued.pk
    assert first["pdf_url"] == f"/reports/{issued.pk}/pdf/"
    detail = client.get(f"/api/reports/{issued.pk}").json()
    assert detail["snapshot"] == issued.snapshot
    assert calc.sha256_hex(calc.canonical_json(detail["snapshot"])) == detail["snapshot_sha256"]
    assert detail["pdf_sha256"] == issued.pdf_sha256


def test_an_unknown_report_is_404(client, issued, board_member):
    client.force_login(board_member)
    response = client.get("/api/reports/99999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}
