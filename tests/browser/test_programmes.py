"""A programme manager submits a monitoring return through the upload page; the dashboard changes
only after an officer verifies the claim."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def poiz(settings, monkeypatch):
    from northstar.accounts import roles
    from northstar.assets.services import load_themes
    from northstar.programmes import permissions, services
    from northstar.programmes.models import Programme

    settings.ROOT_URLCONF = "northstar.programmes.tests.urls"
    for role, codes in permissions.BY_ROLE.items():
        monkeypatch.setitem(roles.ROLE_PERMISSIONS, role, [*roles.ROLE_PERMISSIONS[role], *codes])
    load_themes()
    list(services.load_default_programmes())
    return Programme.objects.get(slug="poiz")


def test_return_uploaded_then_verified_changes_the_dashboard(page, poiz, sign_in, output_dir):
    from northstar.accounts.tests.factories import UserFactory
    from northstar.programmes.models import ProgrammeManager
    from northstar.programmes.tests.conftest import claim_row, workbook

    manager = UserFactory(role="programme_manager")
    officer = UserFactory(role="officer")
    ProgrammeManager.objects.create(user=manager, programme=poiz)
    jobs = page.locator('#table-outputs tr[data-output="jobs-created"] td[data-verified]')

    sign_in(page, manager)
    page.goto("/programmes/poiz/returns/upload/")
    page.get_by_label("Quarter reported").fill("2024-25 Q1")
    page.get_by_label("Completed return (.xlsx)").set_input_files(
        files=[
            {
                "name": "poiz-q1.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": workbook([claim_row(output_code="jobs-created", quantity=3)]),
            }
        ]
    )
    page.get_by_role("button", name="Submit return").click()
    page.wait_for_url("**/programmes/returns/*/")
    assert "1 claims await verification" in page.content()
    page.goto("/programmes/poiz/")
    assert jobs.inner_text().strip() == "0"
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, officer)
    page.goto("/programmes/poiz/returns/")
    page.get_by_role("link", name="quarter").first.click()
    page.get_by_role("button", name="Verify line 2").click()
    assert page.locator("#return-status").inner_text() == "Verified"
    page.goto("/programmes/poiz/")
    assert jobs.inner_text().strip() == "3"
    page.screenshot(path=output_dir / "dashboard.png", full_page=True)
