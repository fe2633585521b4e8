"""axe-core over the programme and pipeline pages: no violation of impact serious or critical.

Pages are checked as an officer sees them (the most content: double counting, beneficiaries,
edit links) with a verified claim, so the map, charts and tables have something to show.
axe-core comes from node_modules (`npm install`; a devDependency in package.json).
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.browser.axe import assert_no_serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portfolio(lcr):
    """The default programmes and pipeline, with one verified claim in Liverpool."""
    from northstar.accounts.tests.factories import UserFactory
    from northstar.pipeline.services import load_default_pipeline
    from northstar.places.models import LadMethod, Place, Postcode
    from northstar.programmes import services
    from northstar.programmes.models import Programme, ProgrammeManager
    from northstar.programmes.tests.conftest import claim_row, workbook

    list(services.load_default_programmes())
    load_default_pipeline()
    Postcode.objects.create(
        code="L35TF",
        published="L3 5TF",
        area="L",
        district="L3",
        lad=Place.objects.get(slug="liverpool"),
        lad_method=LadMethod.BOUNDARY,
    )
    poiz = Programme.objects.get(slug="poiz")
    manager = UserFactory(role="programme_manager")
    officer = UserFactory(role="officer")
    ProgrammeManager.objects.create(user=manager, programme=poiz)
    record = services.submit_return(
        poiz, manager, date(2024, 4, 1), "q1.xlsx", workbook([claim_row()])
    )
    services.decide_claim(record.claims.get(), officer, verify=True)
    return officer


def first_project_path() -> str:
    from northstar.pipeline.models import PipelineProject

    return f"/pipeline/{PipelineProject.objects.order_by('name').first().slug}/"


PAGES = {
    "portfolio": lambda: "/programmes/",
    "programme": lambda: "/programmes/poiz/",
    "pipeline-list": lambda: "/pipeline/",
    "pipeline-project": first_project_path,
}


@pytest.mark.parametrize("signed_in", [False, True], ids=["public", "officer"])
@pytest.mark.parametrize("name", PAGES)
def test_no_serious_accessibility_violations(page, portfolio, sign_in, output_dir, name, signed_in):
    if signed_in:
        sign_in(page, portfolio)
    page.goto(PAGES[name]())
    if name == "portfolio":
        page.wait_for_selector("#beneficiary-map[data-ready=true]", state="attached")
    page.screenshot(path=output_dir / f"{name}.png", full_page=True)

    assert_no_serious_violations(page, output_dir)
