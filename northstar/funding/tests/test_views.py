"""The participant pages over the fixture file (written by us in the published layout: no copy
of the real Innovate UK workbook is available here; see fixtures.py): filters, the table and its
CSV, the summary, bad input, the page with no data, sources and how to reproduce, drill-downs."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command

from northstar.funding import calculations as calc
from northstar.funding.models import DATASET, Competition, Participation
from northstar.funding.services import (
    Breakdown,
    FundingQuery,
    award_table,
    participant_summary,
)
from northstar.ingest.framework import run_import
from northstar.places.models import Place

from . import fixtures as fx

URL = "/funding/participants/"
LCR_FILTERS = "place=liverpool-city-region&from=2017-18&to=2021-22"
NO_DATA = (
    "No Innovate UK participant data has been imported yet — officers can upload the "
    "funded-projects workbook at /data/upload/"
)


@pytest.fixture
def loaded(lcr, tmp_path):
    return run_import(DATASET, fx.write_xlsx(tmp_path / "iuk.xlsx")).record


class TableParser(HTMLParser):
    """The text of every cell of the table with the given id, row by row."""

    def __init__(self, table_id: str):
        super().__init__()
        self.table_id, self.inside, self.rows, self.cell = table_id, False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if self.inside and tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.inside and self.cell is not None:
            self.cell.append(data)


def table_cells(html: str, table_id: str = "table-participants") -> list[list[str]]:
    parser = TableParser(table_id)
    parser.feed(html)
    assert parser.rows, f"no table {table_id} on the page"
    return parser.rows


def csv_link(html: str) -> str:
    match = re.search(r'href="([^"]+)" data-csv-link="participants"', html)
    assert match, "no CSV link"
    return match.group(1).replace("&amp;", "&")


def csv_of(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def page(client, query: str = "") -> str:
    response = client.get(f"{URL}?{query}" if query else URL)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


def headline(html: str, label: str) -> str:
    match = re.search(rf'data-headline="{re.escape(label)}">([^<]*)<', html)
    assert match, f"no headline {label!r}"
    return match.group(1)


# --- with no data --------------------------------------------------------------------------------


def test_without_participant_data_the_page_says_how_to_load_it(client, lcr):
    html = page(client)
    text = " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert NO_DATA in text
    assert 'href="/data/upload/"' in html
    assert "table-participants" not in html
    assert 'name="by"' in html  # the filters are there all the same


def test_the_economy_funding_page_links_to_the_participant_page(client, lcr):
    html = client.get("/funding/?place=liverpool-city-region").content.decode()
    assert 'href="/funding/participants/?place=liverpool-city-region"' in html


# --- the table, its filters and its CSV -----------------------------------------------------------


def test_the_default_is_the_default_place_by_enterprise_size_over_every_year(client, loaded, lcr):
    html = page(client)
    rows = table_cells(html)
    assert rows[0] == [
        "Enterprise size",
        "Participations",
        "Award offered (£)",
        "Share of award (%)",
    ]
    expected = award_table(FundingQuery(place=lcr), Breakdown.ENTERPRISE_SIZE)
    assert [row[0] for row in rows[1:]] == [line.label for line in expected.lines]
    assert rows[-1][0] == "Total"
    # Liverpool City Region, every year, withdrawn left out: 11 participations, £1,265,000.50.
    assert rows[-1][1:] == ["11", "1,265,000.50", "100.0"]
    assert 'value="liverpool-city-region" selected' in html


def test_lcr_by_programme_over_a_range_of_years(client, loaded):
    html = page(client, f"{LCR_FILTERS}&by=programme")
    # Hand-worked (see test_services.py): 470,000.50 / 765,000.50 = 61.4 %, and so on.
    assert table_cells(html)[1:] == [
        ["Collaborative R&D", "3", "470,000.50", "61.4"],
        ["Smart", "5", "200,000.00", "26.1"],
        ["Industrial Strategy Challenge Fund", "2", "95,000.00", "12.4"],
        ["Total", "10", "765,000.50", "100.0"],
    ]
    assert 'value="2017-18" selected' in html
    assert 'value="2021-22" selected' in html
    assert 'value="programme" selected' in html


def test_withdrawn_participants_are_counted_only_when_the_box_is_ticked(client, loaded):
    left_out = table_cells(page(client, LCR_FILTERS))[-1]
    included_html = page(client, f"{LCR_FILTERS}&include_withdrawn=1")
    included = table_cells(included_html)[-1]
    assert left_out[1:3] == ["10", "765,000.50"]
    # Halton Hydrogen (£40,000) and Wirral Wind (£35,000) withdrew.
    assert included[1:3] == ["12", "840,000.50"]
    assert 'name="include_withdrawn" type="checkbox" value="1" checked' in included_html
    assert "Withdrawn participants: included" in included_html


@pytest.mark.parametrize("by", Breakdown.CHOICES)
def test_the_csv_is_exactly_the_table_shown(client, loaded, by):
    html = page(client, f"{LCR_FILTERS}&by={by}&include_withdrawn=1")
    shown = table_cells(html)
    downloaded = csv_of(client, csv_link(html))
    # The same header, rows and rounding; the page adds only thousands separators.
    assert downloaded == [
        [cell.replace(",", "") if re.fullmatch(r"[\d,]+(\.\d+)?", cell) else cell for cell in row]
        for row in shown
    ]
    assert len(downloaded) > 2


def test_the_csv_has_a_name_that_says_what_it_holds(client, loaded):
    response = client.get(f"{URL}?{LCR_FILTERS}&by=sector&format=csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="innovate-uk-award-liverpool-city-region-sector-from-2017-18-'
        'to-2021-22.csv"'
    )


def test_everywhere_and_any_place_level(client, loaded):
    # Every participant but the two withdrawn: £1,715,000.50 over 15 (see test_services.py).
    assert table_cells(page(client, "place=all"))[-1][1:3] == ["15", "1,715,000.50"]
    # A borough, by its code: Wirral Coatings only (Wirral Wind withdrew).
    html = page(client, "place=E08000015")
    assert table_cells(html)[-1][1:3] == ["1", "120,000.50"]
    assert 'value="wirral" selected' in html


def test_local_authority_lines_lead_to_that_authoritys_own_table(client, loaded):
    html = page(client, "by=local-authority")
    match = re.search(r'<a class="govuk-link" href="([^"]+)">Wirral</a>', html)
    assert match
    wirral = page(client, match.group(1).replace("&amp;", "&").split("?", 1)[1])
    assert table_cells(wirral)[-1][1:3] == ["1", "120,000.50"]


# --- the summary -----------------------------------------------------------------------------------


def test_the_summary_of_the_filters(client, loaded):
    html = page(client, LCR_FILTERS)
    assert headline(html, "Award offered") == "£765,000.50"
    assert headline(html, "Participants") == "10"
    # Mersey Medtech is in two projects (its CRN once without the leading zero): one organisation.
    assert headline(html, "Unique organisations") == "9"
    # 400,000.50 / 765,000.50 = 52.29 %.
    assert headline(html, "SME share of award") == "52.3%"
    # Leads: Mersey Medtech (twice), Wirral Coatings, St Helens Glass, Sefton Sensors.
    assert headline(html, "Lead participants") == "5"


def test_the_summary_agrees_with_the_tables(loaded, lcr):
    for query in (
        FundingQuery(place=lcr, first_year=2017, last_year=2021),
        FundingQuery(place=lcr, include_withdrawn=True),
        FundingQuery(),
    ):
        summary = participant_summary(query)
        sizes = award_table(query, Breakdown.ENTERPRISE_SIZE)
        sme = next(line for line in sizes.lines if line.key == calc.SME_TOTAL)
        assert (summary.participations, summary.award_pence) == (
            sizes.total.participations,
            sizes.total.award_pence,
        )
        assert (summary.sme_participations, summary.sme_award_pence) == (
            sme.participations,
            sme.award_pence,
        )
        assert summary.sme_share == sme.share
        qs = Participation.objects.all() if query.place is None else None
        if qs is not None:
            assert (
                summary.organisations
                == qs.filter(withdrawn=False).values("organisation").distinct().count()
            )
        assert summary.sources == sizes.sources


# --- how to reproduce ------------------------------------------------------------------------------


def test_the_page_states_its_filters_sources_and_command(client, loaded):
    html = page(client, f"{LCR_FILTERS}&by=programme")
    assert "Place: Liverpool City Region" in html
    assert "projects starting in financial years 2017-18 to 2021-22" in html
    assert "Withdrawn participants: excluded" in html
    assert (
        "northstar funding --place liverpool-city-region --from 2017-18 --to 2021-22 --by programme"
        in html
    )
    assert "iuk.xlsx" in html
    assert loaded.sha256 in html  # the whole SHA-256, to check the file against
    assert (
        'href="/api/funding/award-table?place=liverpool-city-region&amp;from=2017-18&amp;'
        'to=2021-22&amp;by=programme"' in html
    )


def test_the_command_shown_prints_the_same_figures(client, loaded):
    html = page(client, f"{LCR_FILTERS}&by=competition&include_withdrawn=1")
    command = re.search(r'id="command"><code>([^<]+)</code>', html).group(1)
    args = command.split()[2:]
    assert args[-1] == "--include-withdrawn"
    out = io.StringIO()
    call_command("funding", *args, "--csv", stdout=out)
    rows = [r for r in csv.reader(io.StringIO(out.getvalue())) if not r[0].startswith("#")]
    from_cli = [[r[0], r[3], r[4], r[5]] for r in rows[1:]]
    from_page = csv_of(client, csv_link(html))[1:]
    assert from_cli == from_page


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=2021-22&to=2017-18", "to", "The range starts (2021-22) after it ends (2017-18)."),
        ("from=2021", "from", "&#x27;2021&#x27; is not a financial year"),
        ("to=2021-23", "to", "the second year must follow the first"),
        ("place=atlantis", "place", "No place called &#x27;atlantis&#x27;"),
        ("by=colour", "by", "Choose how to group the table"),
    ],
)
def test_bad_filters_are_shown_in_an_error_summary(client, loaded, query, field, message):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200  # the form again, with its errors
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert f'href="#{field}"' in html
    assert f'id="{field}-error"' in html
    assert message in html
    assert "table-participants" not in html
    assert "<title>Error:" in html


def test_a_bad_csv_request_is_refused_the_same_way(client, loaded):
    response = client.get(f"{URL}?from=soon&format=csv")
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()


def test_filters_that_match_nobody_say_so(client, loaded):
    html = page(client, "place=liverpool-city-region&from=2005-06&to=2006-07")
    assert "No participants match these filters." in html
    assert "table-participants" not in html
    assert headline(html, "Award offered") == "£0.00"


# --- drill-down ---------------------------------------------------------------------------------


def test_a_competition_line_leads_to_its_participants(client, loaded):
    html = page(client, f"{LCR_FILTERS}&by=competition")
    line = next(r for r in table_cells(html) if r[0].startswith("1810_CRD_HEALTH"))
    link = re.search(r'href="([^"]+)">1810_CRD_HEALTH', html).group(1).replace("&amp;", "&")
    assert link.startswith("/funding/participants/competitions/1810_CRD_HEALTH/?")
    response = client.get(link)
    assert response.status_code == 200
    detail = response.content.decode()
    rows = table_cells(detail, "table-participations")[1:]
    assert sorted(r[1].split(" Lead")[0] for r in rows) == [
        "Mersey Medtech Ltd",
        "University of Liverpool",
        "Wirral Coatings Limited",
    ]
    assert "<li>Place: Liverpool City Region" in detail
    assert "<li>Years: projects starting in financial years 2017-18 to 2021-22" in detail
    assert f'id="competition-participations">{line[1]}<' in detail
    assert f'id="competition-award">£{line[2]}<' in detail


def test_a_competitions_every_participant(client, loaded):
    url = "/funding/participants/competitions/1810_CRD_HEALTH/?place=all&include_withdrawn=1"
    rows = table_cells(client.get(url).content.decode(), "table-participations")[1:]
    # 10001: Mersey Medtech, University of Liverpool, Manchester Devices; 10002: Wirral Coatings,
    # Big Pharma.
    assert len(rows) == 5


def test_an_unknown_competition_is_not_found(client, loaded):
    assert client.get("/funding/participants/competitions/NOPE/").status_code == 404


def test_an_organisations_participations(client, loaded, officer):
    org = Participation.objects.get(participant_name="Mersey Medtech Ltd", project__number="10001")
    url = f"/funding/participants/organisations/{org.organisation.org_id}/"
    html = client.get(url).content.decode()
    rows = table_cells(html, "table-participations")[1:]
    assert [r[0].split()[0] for r in rows] == ["10005", "10001"]  # newest project first
    assert 'id="organisation-award">£130,000.00<' in html
    assert "withdrew from" not in html  # it withdrew from none
    assert "/data/organisations/" not in html  # the officers' page, for officers only
    client.force_login(officer)
    html = client.get(url).content.decode()
    assert f'href="/data/organisations/{org.organisation.org_id}/"' in html


def test_an_unknown_organisation_is_not_found(client, loaded):
    assert client.get("/funding/participants/organisations/GB-COH-NOPE/").status_code == 404


def test_competitions_and_places_exist_for_the_links(loaded):
    assert Competition.objects.filter(reference="1810_CRD_HEALTH").exists()
    assert Place.objects.filter(slug="wirral").exists()


def test_an_organisations_award_says_what_its_withdrawals_add(client, loaded):
    org = Participation.objects.get(participant_name__startswith="Halton Hydrogen").organisation
    html = client.get(f"/funding/participants/organisations/{org.org_id}/").content.decode()
    award = html[html.index('id="organisation-award">') :]
    award = award[: award.index("</dd>")]
    # Its £40,000 participation was withdrawn: not in the award, shown beside it.
    assert award.startswith('id="organisation-award">£0.00<')
    assert "£40,000.00 including the 1 project it withdrew from" in award
