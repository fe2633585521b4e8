"""The overview page: the North Star and the place's key economy and funding figures, from the
same services as the indicator, economy and funding pages (small_world: invented, worked by hand
in economy/tests/test_services.py)."""

import re

import pytest

from northstar.core import services
from northstar.economy.tests.factories import small_world
from northstar.indicators import services as indicator_services

pytestmark = pytest.mark.django_db


def test_key_figures_are_the_pages_per_head_headlines_with_their_ranks(lcr):
    small_world()
    key = services.key_figures(lcr)
    assert [(f.label, f.value, f.detail, f.page) for f in key.figures] == [
        (
            "GVA per head, 2021",
            "£23,333",
            "UK £30,000; index 77.8 (UK = 100); rank 3 of 3 ITL2 regions",
            "economy:overview",
        ),
        (
            "Business R&D per head, 2024",
            "£290.59",
            "rank 2 of 3 ITL2 regions; median £290.59",
            "economy:overview",
        ),
        # 2019-20, not 2020-21: the Innovate UK source covers only part of 2020-21.
        (
            "Innovate UK funding awarded per head, 2019-20",
            "£2.00",
            "rank 2 of 3 ITL2 regions",
            "economy:funding",
        ),
    ]
    assert key.files == [
        "itl_gva_test.csv",
        "berd_test.csv",
        "iuk_test.csv",
    ]


def _section(html: str, section_id: str) -> str:
    """The text of the page's <div id=section_id>, tags removed and spaces collapsed."""
    block = html.split(f'id="{section_id}"', 1)[1].split('<div class="govuk-grid-column', 1)[0]
    block = block.split("</main>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", block).split()).replace("&amp;", "&")


def test_the_overview_shows_the_north_star_and_the_key_figures(client, lcr):
    small_world()
    list(indicator_services.load_default_indicators())
    response = client.get("/")
    html = response.content.decode()
    star = _section(html, "north-star")
    assert "R&D expenditure as a percentage of GVA" in star
    assert "1.10 % of GVA (2020)" in star  # the published baseline, the only observation
    assert "Target: 5 % of GVA by 2030." in star
    assert "Baseline only" in star
    figures = _section(html, "key-figures")
    assert (
        "GVA per head, 2021 £23,333 UK £30,000; index 77.8 (UK = 100); rank 3 of 3 ITL2 regions"
    ) in figures
    assert "Innovate UK funding awarded per head, 2019-20 £2.00" in figures
    links = re.findall(
        r'<dt class="govuk-summary-list__key"><a class="govuk-link" href="([^"]+)"', html
    )
    assert links == ["/economy/", "/economy/", "/funding/"]
    assert "From itl_gva_test.csv, berd_test.csv, iuk_test.csv." in figures


def test_before_anything_is_imported_the_overview_says_what_to_run(client, lcr):
    html = client.get("/").content.decode()
    assert "northstar import --present" in _section(html, "key-figures")
    assert "northstar load_default_data" in _section(html, "north-star")
