"""A programme manager submits a monitoring return through the upload page; the dashboard changes
only after an officer verifies the claim."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def poiz():
    from northstar.assets.services import load_themes
    from northstar.programmes import services
    from northstar.programmes.models import Programme

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


def test_beneficiary_map_shows_each_borough_with_its_verified_count(
    page, poiz, lcr, sign_in, output_dir
):
    """Three businesses claimed (two in Liverpool, one in Wirral); the officer verifies one in
    each borough; the map shades one shape per borough with the verified counts, the table says
    the same, and the public page shows no business's name."""
    from datetime import date

    from northstar.accounts.tests.factories import UserFactory
    from northstar.places.models import LadMethod, Place, Postcode
    from northstar.programmes import services
    from northstar.programmes.models import ProgrammeManager
    from northstar.programmes.tests.conftest import claim_row, workbook

    liverpool = Place.objects.get(slug="liverpool")
    wirral = Place.objects.get(slug="wirral")
    for code, published, lad in [("L35TF", "L3 5TF", liverpool), ("CH411AA", "CH41 1AA", wirral)]:
        Postcode.objects.create(
            code=code,
            published=published,
            area=code[:2].rstrip("0123456789"),
            district=published.split()[0],
            lad=lad,
            lad_method=LadMethod.BOUNDARY,
        )
    manager = UserFactory(role="programme_manager")
    officer = UserFactory(role="officer")
    ProgrammeManager.objects.create(user=manager, programme=poiz)
    record = services.submit_return(
        poiz,
        manager,
        date(2024, 4, 1),
        "poiz-q1.xlsx",
        workbook(
            [
                claim_row(beneficiary_name="Mersey Assays Ltd", company_number="10000001"),
                claim_row(
                    beneficiary_name="Birkenhead Bio Ltd",
                    company_number="10000002",
                    postcode="CH41 1AA",
                ),
                claim_row(beneficiary_name="Dock Road Devices Ltd", company_number="10000003"),
            ]
        ),
    )
    boroughs = list(Place.objects.boroughs_of(lcr))
    shapes = page.locator("#beneficiary-map path.ns-beneficiary-borough")

    def counts_on_map() -> dict[str, int]:
        page.wait_for_selector("#beneficiary-map[data-ready=true]", state="attached")
        pairs = page.eval_on_selector_all(
            "#beneficiary-map path.ns-beneficiary-borough",
            "els => els.map(e => [e.dataset.borough, Number(e.dataset.count)])",
        )
        return dict(pairs)

    def counts_in_table() -> dict[str, int]:
        rows = page.eval_on_selector_all(
            "#table-borough tbody tr",
            "rows => rows.map(r => [r.dataset.borough, Number(r.querySelector('td').textContent)])",
        )
        return dict(rows)

    page.goto("/programmes/")
    assert counts_on_map() == {b.code: 0 for b in boroughs}

    sign_in(page, officer)
    page.goto(f"/programmes/returns/{record.pk}/")
    page.get_by_role("button", name="Verify line 2").click()
    page.get_by_role("button", name="Verify line 3").click()
    page.goto("/programmes/")
    expected = {b.code: 0 for b in boroughs} | {liverpool.code: 1, wirral.code: 1}
    assert shapes.count() == len(boroughs)  # one shape per borough
    assert counts_on_map() == expected
    assert counts_in_table() == expected | {"elsewhere": 0}
    assert page.locator("#beneficiary-map-legend li").count() == 2  # none, and 1 business
    page.screenshot(path=output_dir / "beneficiary-map.png", full_page=True)
    page.get_by_role("button", name="Sign out").click()

    page.goto("/programmes/")  # the public see the counts, never the names
    assert counts_on_map() == expected
    content = page.content()
    for name in ("Mersey Assays", "Birkenhead Bio", "Dock Road Devices"):
        assert name not in content
