"""The /economy/ and /funding/ pages, their CSV downloads, the API and the command line: with no
data, with small invented data, and with the real ONS regional GDP file when it is present."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from northstar.economy import services
from northstar.economy.tests.factories import small_world

GVA_LONG = settings.NORTHSTAR_DATA_DIR / "ons_gva" / "itl_gva_gdp_population_long.csv"


@pytest.fixture
def world(lcr):
    return small_world()


class TableParser(HTMLParser):
    """The text of every cell of one table (by id), row by row; the 'This place' tag left out."""

    def __init__(self, table_id: str):
        super().__init__()
        self.table_id = table_id
        self.inside = False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == f"table-{self.table_id}":
            self.inside = True
        if not self.inside:
            return
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "strong" and "ns-marker" in (attrs.get("class") or ""):
            self.skip += 1

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "table":
            self.inside = False
        elif tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "strong" and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if self.inside and self.cell is not None and not self.skip:
            self.cell.append(data)


def table_cells(html: str, table_id: str) -> list[list[str]]:
    parser = TableParser(table_id)
    parser.feed(html)
    assert parser.rows, f"no table {table_id} on the page"
    return parser.rows


def csv_link(html: str, table_id: str) -> str:
    match = re.search(rf'href="([^"]+)" data-csv-link="{re.escape(table_id)}"', html)
    assert match, f"no CSV link for {table_id}"
    return match.group(1).replace("&amp;", "&")


def csv_of(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def assert_csv_equals_table(client, html: str, table_id: str) -> list[list[str]]:
    shown = table_cells(html, table_id)
    downloaded = csv_of(client, csv_link(html, table_id))
    # The same header, rows and rounding; the page adds only thousands separators.
    assert downloaded == [
        [cell.replace(",", "") if re.fullmatch(r"-?[\d,]+(\.\d+)?", cell) else cell for cell in row]
        for row in shown
    ]
    return downloaded


# --- with no data ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/economy/", "/funding/", "/economy/compare/"])
def test_pages_without_statistics_say_what_to_import(client, lcr, url):
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "not loaded yet" in text
    assert "northstar import" in text


def test_the_overview_names_the_import_command_of_each_missing_measure(client, lcr):
    text = client.get("/economy/").content.decode()
    assert "northstar import ons-gva-itl" in text
    assert "northstar import ons-bres-itl2-section" in text
    assert "northstar import ons-berd-dr52" in text
    text = client.get("/funding/").content.decode()
    assert "northstar import nesta-innovate-uk-funding-nuts2" in text


@pytest.mark.parametrize("url", ["/economy/", "/funding/", "/economy/compare/"])
def test_pages_without_any_place(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "northstar load_default_data" in response.content.decode()


def test_an_unknown_place_is_a_readable_problem(client, lcr):
    response = client.get("/economy/?place=atlantis")
    assert response.status_code == 400
    assert "No place &#x27;atlantis&#x27;" in response.content.decode()


# --- with invented data ------------------------------------------------------------------------


def test_overview_shows_gva_berd_and_sectors_with_sources(client, world):
    response = client.get("/economy/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Merseyside = the six Liverpool City Region boroughs" in text
    assert "£23,333" in text  # GVA per head 2021
    assert "£290.59" in text  # business R&D per head 2024
    assert "itl_gva_test.csv" in text and "bres_test.csv" in text and "berd_test.csv" in text
    gva = table_cells(text, "gva")
    assert gva[-1] == ["2021", "35,000", "6.1", "23,333", "30,000", "77.8", "3 of 3"]
    sectors = table_cells(text, "sectors")
    assert sectors[1] == ["C", "Manufacturing", "200", "20.0", "10.0", "2.00"]
    assert 'id="gva-chart-spec"' in text


@pytest.mark.parametrize("table_id", ["gva", "berd", "sectors"])
def test_overview_csv_equals_the_table(client, world, table_id):
    html = client.get("/economy/").content.decode()
    assert_csv_equals_table(client, html, table_id)


def test_sector_divisions_and_years_by_query(client, world):
    response = client.get("/economy/?sectors=division")
    assert response.status_code == 200
    assert "Employment by SIC 2007 division: not loaded yet." in response.content.decode()
    assert client.get("/economy/?sector_year=1990").status_code == 400


def test_chart_spec_holds_the_tables_figures(client, world):
    html = client.get("/economy/").content.decode()
    match = re.search(
        r'<script id="gva-chart-spec" type="application/json">(.*?)</script>', html, re.S
    )
    spec = json.loads(match.group(1))
    assert spec["$schema"].endswith("vega-lite/v6.json")
    points = {(v["series"], v["year"]): v["value"] for v in spec["data"]["values"]}
    assert points[("Merseyside", 2021)] == 23333.0
    assert points[("United Kingdom", 2021)] == 30000.0


def test_compare_page_ranks_highlights_and_downloads(client, world):
    url = f"/economy/compare/?measure={services.IUK}&per=head&level=itl2&year=2019"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    rows = table_cells(html, "compare")
    assert rows[1:] == [
        ["1 of 3", "TLC1", "Tees Valley and Durham", "5.00"],
        ["2 of 3", "TLD7", "Merseyside", "2.00"],
        ["3 of 3", "TLD6", "Cheshire", "1.00"],
    ]
    assert html.count('data-highlighted="true"') == 1
    assert "This place" in html
    assert "iuk_test.csv" in html and "itl_gva_test.csv" in html
    assert_csv_equals_table(client, html, "compare")


def test_compare_page_refuses_a_metric_that_makes_no_sense(client, world):
    response = client.get("/economy/compare/?measure=total_resident_population&per=head")
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "only amounts of money can be shown per head" in html


def test_funding_page(client, world):
    response = client.get("/funding/")
    assert response.status_code == 200
    html = response.content.decode()
    table_id = f"funding-{services.IUK}"
    rows = assert_csv_equals_table(client, html, table_id)
    assert rows[1] == ["2019-20", "3000000", "2 of 3", "2.00", "2 of 3", "100.0", "2 of 3", "2.00"]
    assert "UKRI research funding (Gateway to Research): not loaded yet" in html


def test_csv_of_an_unknown_table_is_404(client, world):
    assert client.get("/economy/download/nonsense.csv").status_code == 404


# --- the API -----------------------------------------------------------------------------------


def test_api_series(client, world):
    response = client.get(f"/api/economy/series?measure={services.GVA}&per=head")
    assert response.status_code == 200
    body = response.json()
    assert body["area"]["code"] == "TLD7"
    assert body["place"]["slug"] == "liverpool-city-region"
    assert "Merseyside = the six" in body["area_explanation"]
    points = {p["period"]: p["value"] for p in body["points"]}
    assert Decimal(points["2021"]) == Decimal("23333.333333")
    growth = {p["period"]: p["growth"] for p in body["points"]}
    # 23,333.33 on 22,000: +6.060606%; 2019 has no year before it
    assert (growth["2019"], Decimal(growth["2021"])) == (None, Decimal("6.060606"))
    assert {s["file_name"] for s in body["sources"]} == {"itl_gva_test.csv"}
    assert body["metric"]["unit"] == "£ per head"


def test_api_compare(client, world):
    response = client.get(
        f"/api/economy/compare?measure={services.IUK}&per=gva&level=itl2&year=2019"
    )
    assert response.status_code == 200
    rows = [
        (r["place"]["code"], r["rank"], r["n"], r["highlighted"]) for r in response.json()["rows"]
    ]
    assert rows == [("TLC1", 1, 3, False), ("TLD7", 2, 3, True), ("TLD6", 3, 3, False)]


@pytest.mark.parametrize(
    "query",
    [
        "measure=nonsense",
        "measure=total_resident_population&per=head",
        "measure=innovate_uk_funding_gbp&place=atlantis",
    ],
)
def test_api_refuses_bad_input_readably(client, world, query):
    response = client.get(f"/api/economy/series?{query}")
    assert response.status_code == 422
    assert response.json()["detail"]


def test_api_is_documented(client, db):
    schema = client.get("/api/openapi.json").json()
    assert "/api/economy/series" in schema["paths"]
    assert "/api/economy/compare" in schema["paths"]


# --- the command line --------------------------------------------------------------------------


def test_cli_prints_a_table_with_sources(world):
    out = io.StringIO()
    call_command(
        "economy",
        "--place",
        "liverpool-city-region",
        "--measure",
        services.GVA,
        "--per-head",
        stdout=out,
    )
    text = out.getvalue()
    assert "23,333" in text
    assert "Area: Merseyside (ITL2 region TLD7)" in text
    assert "Source: " in text and "itl_gva_test.csv" in text


def test_cli_csv_and_compare(world):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "economy",
        "--measure",
        services.IUK,
        "--per-gva",
        "--compare",
        "--year",
        "2019",
        "--csv",
        stdout=out,
        stderr=err,
    )
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[2] == ["2 of 3", "TLD7", "Merseyside", "100.0"]
    assert "iuk_test.csv" in err.getvalue()


def test_cli_refuses_bad_input(world):
    with pytest.raises(CommandError, match="only amounts of money"):
        call_command("economy", "--measure", "total_resident_population", "--per-head")


def test_cli_lists_measures(world):
    out = io.StringIO()
    call_command("economy", "--list", stdout=out)
    assert re.search(r"innovate_uk_funding_gbp\s+loaded", out.getvalue())
    assert re.search(r"berd_eur\s+not loaded", out.getvalue())


# --- the real ONS file ---------------------------------------------------------------------------


def merseyside_gva_2021_in_the_file() -> Decimal:
    with GVA_LONG.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            if (row["itl_code"], row["year"], row["measure"]) == ("TLD7", "2021", services.GVA):
                return Decimal(row["value"])
    raise AssertionError("TLD7 2021 GVA is not in the file")


@pytest.mark.skipif(
    not GVA_LONG.exists(), reason=f"{GVA_LONG} not present (set NORTHSTAR_DATA_DIR)"
)
def test_the_page_shows_merseysides_gva_as_the_real_file_has_it(client, lcr):
    from northstar.ingest.framework import run_import

    run_import("ons-gva-itl", GVA_LONG)
    expected = merseyside_gva_2021_in_the_file()
    assert expected == Decimal(35345)  # as PROVENANCE.md records it
    html = client.get("/economy/").content.decode()
    assert f"£{expected:,}m" in html  # the headline: GVA, 2021
    row_2021 = next(r for r in table_cells(html, "gva") if r[0] == "2021")
    assert row_2021[1] == f"{expected:,}"
    downloaded = assert_csv_equals_table(client, html, "gva")
    assert next(r for r in downloaded if r[0] == "2021")[1] == str(expected)
    assert "itl_gva_gdp_population_long.csv" in html


IUK_NUTS2 = (
    settings.NORTHSTAR_DATA_DIR / "nesta_beis_indicators" / "gbp_innovate_uk_funding.nuts2.csv"
)


@pytest.mark.skipif(
    not (GVA_LONG.exists() and IUK_NUTS2.exists()),
    reason=f"{GVA_LONG} or {IUK_NUTS2} not present (set NORTHSTAR_DATA_DIR)",
)
def test_the_funding_page_shows_merseysides_innovate_uk_funding_as_the_file_has_it(client, lcr):
    from northstar.ingest.framework import run_import

    run_import("ons-gva-itl", GVA_LONG)
    run_import("nesta-innovate-uk-funding-nuts2", IUK_NUTS2)
    with IUK_NUTS2.open(encoding="utf-8", newline="") as f:
        in_file = {
            int(row["year"]): Decimal(row["gbp_innovate_uk_funding"])
            for row in csv.DictReader(f)
            if row["nuts_id"] == "UKD7"  # NUTS 2016 Merseyside = ITL TLD7
        }
    assert in_file
    html = client.get("/funding/").content.decode()
    shown = {int(row[0][:4]): row[1] for row in table_cells(html, f"funding-{services.IUK}")[1:]}
    assert shown == {year: f"{value:,.0f}" for year, value in in_file.items()}
