"""Small factories of places, imports, measures and statistics for the economy tests.

`stat("gva_balanced_current_prices_gbp_million", "TLD7", 2021, 35345)` makes one Statistic (and
its measure, from the vocabulary, and a place with that ITL code if there is none yet); every
figure written by a test is invented unless the test says otherwise.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

import factory
from django.utils import timezone

from northstar.economy.measures import MEASURES
from northstar.economy.models import Measure, PeriodKind, Statistic
from northstar.economy.services import EXTRA_MEASURES
from northstar.ingest.models import Import, ImportStatus
from northstar.places.models import Place
from northstar.places.services import ensure_itl_place


class ImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Import

    dataset = "test-statistics"
    publisher = "A test publisher"
    file_name = factory.Sequence(lambda n: f"statistics-{n}.csv")
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.file_name.encode()).hexdigest())
    status = ImportStatus.SUCCEEDED
    finished_at = factory.LazyFunction(timezone.now)


class MeasureFactory(factory.django.DjangoModelFactory):
    """A measure of the vocabulary (measures.py), by code."""

    class Meta:
        model = Measure
        django_get_or_create = ("code",)

    code = "gva_balanced_current_prices_gbp_million"
    name = factory.LazyAttribute(lambda o: _fields(o.code)["name"])
    unit = factory.LazyAttribute(lambda o: _fields(o.code)["unit"])
    source = factory.LazyAttribute(lambda o: _fields(o.code)["source"])
    description = factory.LazyAttribute(lambda o: _fields(o.code).get("description", ""))


def _fields(code: str) -> dict:
    return MEASURES.get(code) or EXTRA_MEASURES[code]


ITL_NAMES = {
    "UK": "United Kingdom",
    "TLC": "North East",
    "TLD": "North West",
    "TLC1": "Tees Valley and Durham",
    "TLD6": "Cheshire",
    "TLD7": "Merseyside",
    "TLD71": "East Merseyside",
    "TLD72": "Liverpool",
    "TLD73": "Sefton",
    "TLD74": "Wirral",
}


def itl_place(code: str, name: str = "") -> Place:
    """An ITL area (and its parents) by code, as the GVA importer makes them."""
    for prefix_length in range(3, len(code)):
        parent = code[:prefix_length]
        if code != "UK":
            ensure_itl_place(parent, ITL_NAMES.get(parent, parent))
    return ensure_itl_place(code, name or ITL_NAMES.get(code, code))


def default_import() -> Import:
    record = Import.objects.filter(dataset="test-statistics", file_name="factory.csv").first()
    return record or ImportFactory(file_name="factory.csv")


def stat(
    measure: str,
    place: str | Place,
    year: int,
    value,
    *,
    industry: str = "",
    industry_name: str = "",
    period_kind: str = PeriodKind.CALENDAR_YEAR,
    source_import: Import | None = None,
    suppressed: bool = False,
) -> Statistic:
    """One published figure (value None = suppressed when `suppressed`, else not published)."""
    if isinstance(place, str):
        place = Place.objects.filter(code=place).first() or itl_place(place)
    return Statistic.objects.create(
        measure=MeasureFactory(code=measure),
        place=place,
        year=year,
        period_kind=period_kind,
        industry_code=industry,
        industry_name=industry_name,
        value=None if value is None else Decimal(str(value)),
        suppressed=suppressed,
        source_import=source_import or default_import(),
    )


def stats(measure: str, figures: dict[str, dict[int, object]], **options) -> None:
    """Many figures of one measure: {place code: {year: value}}."""
    for code, by_year in figures.items():
        for year, value in by_year.items():
            stat(measure, code, year, value, **options)


GVA = "gva_balanced_current_prices_gbp_million"
POPULATION = "total_resident_population"
IUK = "innovate_uk_funding_gbp"
BERD_PER_100K = "berd_per_100k_population_gbp_million"
BRES_SECTION = "bres_employment_by_section"


def small_world() -> dict[str, Import]:
    """Three ITL2 areas (Merseyside TLD7, Cheshire TLD6, Tees Valley TLC1) and the UK, with
    invented figures that are easy to work by hand (see test_services.py):

    GVA per head 2021: TLD7 35,000 / 1.5m = £23,333.33; TLD6 £40,000; TLC1 £25,000; UK £30,000.
    Innovate UK 2019-20 per head: TLD7 £2, TLD6 £1, TLC1 £5; per £1m GVA: 100, 25, 200.
    BRES 2021: TLD7 C 200, Q 800; TLD6 C 1,800, Q 17,200 → LQ of C in TLD7 = 2.
    BERD 2024 per 100,000: TLD7 29.059, TLD6 202.114, TLC1 10 (£m).
    """
    imports = {
        "gva": ImportFactory(dataset="ons-gva-itl", file_name="itl_gva_test.csv"),
        "iuk": ImportFactory(dataset="nesta-innovate-uk-funding-nuts2", file_name="iuk_test.csv"),
        "bres": ImportFactory(dataset="ons-bres-itl2-section", file_name="bres_test.csv"),
        "berd": ImportFactory(dataset="ons-berd-dr52", file_name="berd_test.csv"),
    }
    for code in ("UK", "TLD7", "TLD6", "TLC1", "TLD71"):
        itl_place(code)
    gva = imports["gva"]
    stats(
        GVA,
        {
            "UK": {2019: 1_900_000, 2020: 2_000_000, 2021: 2_100_000},
            "TLD7": {2019: 30_000, 2020: 33_000, 2021: 35_000},
            "TLD6": {2019: 40_000, 2020: 39_000, 2021: 40_000},
            "TLC1": {2019: 30_000, 2020: 29_000, 2021: 30_000},
        },
        source_import=gva,
    )
    stats(
        POPULATION,
        {
            "UK": {2019: 69_000_000, 2020: 69_500_000, 2021: 70_000_000},
            "TLD7": {2019: 1_500_000, 2020: 1_500_000, 2021: 1_500_000},
            "TLD6": {2019: 1_000_000, 2020: 1_000_000, 2021: 1_000_000},
            "TLC1": {2019: 1_200_000, 2021: 1_200_000},
        },
        source_import=gva,
    )
    stats(
        IUK,
        {
            "TLD7": {2019: 3_000_000, 2020: 1_500_000},
            "TLD6": {2019: 1_000_000, 2020: 2_000_000},
            "TLC1": {2019: 6_000_000, 2020: 600_000},
        },
        source_import=imports["iuk"],
        period_kind=PeriodKind.FINANCIAL_YEAR,
    )
    for code, figures in {
        "TLD7": {"C": 200, "Q": 800},
        "TLD6": {"C": 1800, "Q": 17200},
    }.items():
        for section, count in figures.items():
            stat(
                BRES_SECTION,
                code,
                2021,
                count,
                industry=section,
                industry_name={"C": "Manufacturing", "Q": "Human health"}[section],
                source_import=imports["bres"],
            )
    stats(
        BERD_PER_100K,
        {"TLD7": {2024: "29.059"}, "TLD6": {2024: "202.114"}, "TLC1": {2024: 10}},
        source_import=imports["berd"],
    )
    return imports
