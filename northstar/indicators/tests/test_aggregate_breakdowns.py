"""Aggregating a ratio indicator (Σ numerators ÷ Σ denominators × factor, never the mean of the
ratios), breakdowns on the page and in the CSV, and the importer on the generic upload page."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from northstar.core.errors import UserInputError
from northstar.indicators import calculations as calc
from northstar.indicators import services
from northstar.indicators.models import Indicator, Observation, Origin, UnitKind
from northstar.ingest.framework import all_importers
from northstar.ingest.models import Import, ImportStatus
from northstar.places.models import Place

EVIDENCE = "https://www.ons.gov.uk/economy/example"
D = Decimal


# --- pure calculation ---------------------------------------------------------------------------


def test_equal_sizes_give_the_same_answer_either_way():
    # 1/10 = 10% and 3/30 = 10%: (1 + 3) / (10 + 30) × 100 = 4/40 × 100 = 10%.
    pairs = [(D(1), D(10)), (D(3), D(30))]
    assert calc.ratio_of_sums(pairs, D(100)) == D(10)
    assert calc.mean_of_ratios(pairs, D(100)) == D(10)


def test_different_sizes_sum_the_parts_not_the_ratios():
    # 1/10 = 10% and 9/30 = 30%: (1 + 9) / (10 + 30) × 100 = 10/40 × 100 = 25%,
    # whereas the mean of the ratios would be (10 + 30) / 2 = 20%.
    pairs = [(D(1), D(10)), (D(9), D(30))]
    assert calc.ratio_of_sums(pairs, D(100)) == D(25)
    assert calc.mean_of_ratios(pairs, D(100)) == D(20)


def test_per_100k_factor():
    # 150 businesses in 100,000 people and 50 in 150,000: 200 / 250,000 × 100,000 = 80.
    assert calc.ratio_of_sums([(D(150), D(100_000)), (D(50), D(150_000))], D(100_000)) == D(80)


@pytest.mark.parametrize("pairs", [[], [(D(1), D(0)), (D(2), D(0))], [(D(-1), D(10))]])
def test_nothing_zero_or_negative_cannot_be_aggregated(pairs):
    with pytest.raises(calc.CalculationError):
        calc.ratio_of_sums(pairs, D(100))


# --- the service ----------------------------------------------------------------------------------


@pytest.fixture
def share(db):
    return Indicator.objects.create(
        code="test-share",
        name="Test share",
        definition="A share of firms.",
        unit="%",
        unit_kind=UnitKind.PERCENT,
        numerator_label="Firms doing it",
        denominator_label="Firms",
        factor=D(100),
        source="Test",
    )


@pytest.fixture
def boroughs(lcr):
    parts = list(Place.objects.boroughs_of(lcr))
    assert len(parts) == 6
    return parts


def observe(indicator, place, year, numerator, denominator, **extra):
    return services.record_observation(
        services.ObservationIn(
            indicator=indicator,
            place=place,
            period=str(year),
            value=None if numerator is not None else extra.pop("value"),
            numerator=numerator,
            denominator=denominator,
            evidence_url=EVIDENCE,
            **extra,
        )
    )


def test_aggregate_two_places_of_different_sizes(share, boroughs):
    a, b = boroughs[:2]
    observe(share, a, 2021, "1", "10")
    observe(share, b, 2021, "9", "30")
    result = services.aggregate(share, [a, b], [2021])
    assert (result.numerator, result.denominator, result.value) == (D(10), D(40), D(25))
    assert result.mean_of_ratios == D(20)
    assert result.places == [a, b] and result.years == [2021]
    assert result.formula.startswith("(Firms doing it: 10) ÷ (Firms: 40) × 100 = 25 %")


def test_aggregate_across_years_sums_every_period(share, boroughs):
    a = boroughs[0]
    observe(share, a, 2020, "1", "10")
    observe(share, a, 2021, "3", "30")
    result = services.aggregate(share, [a], [2020, 2021])
    assert (result.numerator, result.denominator, result.value) == (D(4), D(40), D(10))
    assert result.period == "2020 to 2021"


def test_aggregate_refuses_an_indicator_that_is_not_a_ratio(share, boroughs):
    share.numerator_label = ""
    share.save()
    with pytest.raises(UserInputError, match="not a ratio"):
        services.aggregate(share, boroughs[:1], [2021])


def test_aggregate_names_each_missing_part(share, boroughs):
    a, b, c = boroughs[:3]
    observe(share, a, 2021, "1", "10")
    observe(share, b, 2021, None, None, value="12")
    with pytest.raises(UserInputError) as refused:
        services.aggregate(share, [a, b, c], [2021])
    details = refused.value.details
    assert len(details) == 2
    assert b.name in details[0] and "without its numerator" in details[0]
    assert c.name in details[1] and "no observation" in details[1]


# --- the indicator page and the API -------------------------------------------------------------


def test_page_shows_the_boroughs_together_and_a_breakdown_chart(client, share, boroughs, lcr):
    sizes = [(1, 10), (2, 40), (3, 30), (4, 20), (5, 50), (9, 30)]
    for place, (n, d) in zip(boroughs, sizes, strict=True):
        observe(share, place, 2022, str(n), str(d))
    observe(share, lcr, 2022, "24", "180")
    observe(share, lcr, 2022, "6", "40", dimension="enterprise_size", category="Small")
    observe(share, lcr, 2022, "18", "140", dimension="enterprise_size", category="Large")
    response = client.get(f"/indicators/{share.code}/")
    text = response.content.decode()
    together = response.context["parts_together"]
    # (1+2+3+4+5+9) / (10+40+30+20+50+30) × 100 = 24 / 180 × 100 = 13.33%
    assert (together.numerator, together.denominator) == (D(24), D(180))
    assert together.value == D("13.333333")
    assert "The 6 boroughs together" in text and "13.33" in text
    [chart] = response.context["breakdown_charts"]
    assert chart["dimension"] == "enterprise_size"
    encoding = chart["spec"]["encoding"]
    assert {"color", "strokeDash", "shape"} <= set(encoding)
    domain = encoding["shape"]["scale"]["domain"]
    assert domain == ["Total", "Large", "Small"]
    assert len(set(map(str, encoding["strokeDash"]["scale"]["range"]))) == 3
    assert len(set(encoding["shape"]["scale"]["range"])) == 3
    values = {(v["series"], v["year"]): v["value"] for v in chart["spec"]["data"]["values"]}
    assert values[("Small", 2022.0)] == 15.0 and values[("Large", 2022.0)] == pytest.approx(
        12.857143
    )
    assert 'id="breakdown-1-chart-spec"' in text


def test_page_without_breakdowns_or_parts_has_neither(client, share, lcr):
    observe(share, lcr, 2022, "24", "180")
    response = client.get(f"/indicators/{share.code}/")
    assert response.context["parts_together"] is None
    assert response.context["breakdown_charts"] == []


def test_csv_has_the_breakdown_columns(client, share, lcr):
    observe(share, lcr, 2022, "6", "40", dimension="enterprise_size", category="Small")
    lines = client.get(f"/indicators/{share.code}/observations.csv").content.decode().splitlines()
    header = lines[0].split(",")
    row = dict(zip(header, lines[1].split(","), strict=True))
    assert (row["dimension"], row["category"]) == ("enterprise_size", "Small")
    assert (row["numerator"], row["denominator"], row["value"]) == (
        "6.000000",
        "40.000000",
        "15.000000",
    )


def test_api_aggregate(client, share, boroughs):
    a, b = boroughs[:2]
    observe(share, a, 2021, "1", "10")
    observe(share, b, 2021, "9", "30")
    url = f"/api/indicators/{share.code}/aggregate"
    body = client.get(url, {"places": f"{a.code},{b.code}", "from": 2021, "to": 2021}).json()
    assert D(body["value"]) == D(25) and D(body["mean_of_ratios"]) == D(20)
    assert body["places"] == [a.code, b.code] and body["years"] == [2021]
    assert (D(body["numerator"]), D(body["denominator"])) == (D(10), D(40))


@pytest.mark.parametrize(
    ("path", "query", "status", "words"),
    [
        ("no-such-indicator", {"places": "X", "from": 2021}, 404, ""),
        ("test-share", {"places": "NOWHERE", "from": 2021}, 422, "NOWHERE"),
        ("test-share", {"places": "{b}", "from": 2020, "to": 2021}, 422, "2020: no observation"),
        ("test-share", {"places": "{b}", "from": 2022, "to": 2021}, 422, "not a range"),
        ("test-share", {"places": "{b}"}, 422, ""),
    ],
)
def test_api_aggregate_refusals(client, share, boroughs, path, query, status, words):
    observe(share, boroughs[0], 2021, "1", "10")
    query = {
        k: (v.format(b=boroughs[0].code) if isinstance(v, str) else v) for k, v in query.items()
    }
    response = client.get(f"/api/indicators/{path}/aggregate", query)
    assert response.status_code == status, response.content
    assert words in response.content.decode()


def test_api_aggregate_refuses_a_non_ratio(client, share, boroughs):
    observe(share, boroughs[0], 2021, "1", "10")
    Indicator.objects.filter(pk=share.pk).update(denominator_label="")
    response = client.get(
        f"/api/indicators/{share.code}/aggregate", {"places": boroughs[0].code, "from": 2021}
    )
    assert response.status_code == 422 and "not a ratio" in response.json()["detail"]


# --- the importer on the generic upload page ----------------------------------------------------


def test_the_importer_is_offered_for_upload():
    assert "indicator-observations" in {i.dataset for i in all_importers()}


def test_an_officer_uploads_observations_on_the_data_page(
    client, settings, tmp_path, indicators, officer
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NORTHSTAR_IMPORT_JOB_LOG_DIR = tmp_path / "job-logs"
    settings.NORTHSTAR_IMPORT_JOBS = "inline"
    client.force_login(officer)
    assert "indicator-observations" in client.get("/data/upload/").content.decode()
    csv = (
        "indicator,place,period,value,evidence_url\n"
        f"rd-pct-gva,E47000004,2021,1.3,{EVIDENCE}\n"
        f"rd-pct-gva,E47000004,2022,1.4,{EVIDENCE}\n"
    )
    upload = SimpleUploadedFile("obs.csv", csv.encode(), content_type="text/csv")
    response = client.post("/data/upload/", {"dataset": "indicator-observations", "file": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    record = Import.objects.get(dataset="indicator-observations")
    assert record.status == ImportStatus.SUCCEEDED, record.message
    values = Observation.objects.filter(source_import=record).order_by("year")
    assert [(o.year, o.value, o.origin) for o in values] == [
        (2021, D("1.3"), Origin.IMPORTED),
        (2022, D("1.4"), Origin.IMPORTED),
    ]
