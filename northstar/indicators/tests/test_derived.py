"""Derived indicators recomputed from the real published files, imported through the framework."""

from decimal import Decimal

import pytest

from northstar.economy.models import Statistic
from northstar.indicators import services
from northstar.indicators.models import Indicator, Observation, Origin
from northstar.ingest.framework import run_import
from northstar.places.models import Place

from .conftest import BERD_ITL1, BERD_SON26, GVA_LONG, IUK_NUTS2, needs

pytestmark = pytest.mark.django_db


def stat(measure, code, year):
    return Statistic.objects.get(measure__code=measure, place__code=code, year=year).value


@needs(GVA_LONG, BERD_SON26, BERD_ITL1)
def test_berd_share_of_gva_and_gva_per_head_from_the_real_files(indicators):
    run_import("ons-gva-itl", GVA_LONG)
    run_import("ons-berd-dr52", BERD_SON26)
    run_import("ons-berd-itl1-2022", BERD_ITL1)
    berd = Indicator.objects.get(code="berd-pct-gva")
    result = services.derive_observations(berd)
    assert result.created > 0
    # The UK: BERD from 2014, GVA to 2021 → 2014–2021, by the formula.
    uk = Observation.objects.filter(indicator=berd, place__code="UK").order_by("year")
    assert [o.year for o in uk] == list(range(2014, 2022))
    o2019 = uk.get(year=2019)
    expected = (
        stat("berd_gbp_million", "UK", 2019)
        * 100
        / stat("gva_balanced_current_prices_gbp_million", "UK", 2019)
    )
    assert o2019.value == expected.quantize(Decimal("0.000001"))
    assert Decimal(1) < o2019.value < Decimal(3)  # UK business R&D is around 2% of GVA
    assert o2019.origin == Origin.DERIVED and o2019.source_import is not None
    # Merseyside: no year has both, and the page says so.
    assert not Observation.objects.filter(indicator=berd, place__code="TLD7").exists()
    cover = services.coverage(services.derivation_of(berd), indicators)
    assert cover["has_overlap"] is False and cover["denominator_years"] == "1998–2021"
    # Running again changes nothing.
    again = services.derive_observations(berd)
    assert (again.created, again.revised) == (0, 0) and again.unchanged == result.created

    per_head = Indicator.objects.get(code="gva-per-head")
    services.derive_observations(per_head)
    tld7 = Observation.objects.get(indicator=per_head, place__code="TLD7", year=2021)
    assert tld7.value == (
        stat("gva_balanced_current_prices_gbp_million", "TLD7", 2021)
        * 1_000_000
        / stat("total_resident_population", "TLD7", 2021)
    ).quantize(Decimal("0.000001"))
    # The city region's series is its statistical area's (Merseyside = the six boroughs).
    assert services.series(per_head, indicators)[-1] == tld7
    summary = services.summarise(per_head, indicators)
    assert summary.forecast is not None and summary.forecast.n == len(summary.observations)


@needs(GVA_LONG, IUK_NUTS2)
def test_innovate_uk_funding_per_head_uses_financial_years(indicators):
    run_import("ons-gva-itl", GVA_LONG)
    run_import("nesta-innovate-uk-funding-nuts2", IUK_NUTS2)
    iuk = Indicator.objects.get(code="iuk-funding-per-head")
    services.derive_observations(iuk)
    obs = Observation.objects.filter(indicator=iuk, place__code="TLD7").order_by("year")
    assert obs.exists()
    first = obs.first()
    assert first.period_kind == "financial_year" and first.period_label.count("-") == 1
    assert first.value == (first.numerator / first.denominator).quantize(Decimal("0.000001"))
    assert first.denominator == stat("total_resident_population", "TLD7", first.year)
    # The file (Innovate UK's of 1 August 2020) holds only part of 2020-21: not derived.
    assert stat("innovate_uk_funding_gbp", "TLD7", 2020) is not None
    assert obs.last().year == 2019


def test_a_changed_statistic_becomes_a_revision(indicators):
    from northstar.economy.models import Measure
    from northstar.ingest.models import Import
    from northstar.places.services import ensure_itl_place

    place = ensure_itl_place("TLD7", "Merseyside")
    record = Import.objects.create(dataset="test", file_name="t.csv", sha256="0" * 64)
    gva = Measure.objects.create(
        code="gva_balanced_current_prices_gbp_million", name="GVA", unit="£ million", source="ONS"
    )
    pop = Measure.objects.create(
        code="total_resident_population", name="Pop", unit="persons", source="ONS"
    )
    Statistic.objects.create(
        measure=gva, place=place, year=2020, value=Decimal(30000), source_import=record
    )
    Statistic.objects.create(
        measure=pop, place=place, year=2020, value=Decimal(1500000), source_import=record
    )
    per_head = Indicator.objects.get(code="gva-per-head")
    services.derive_observations(per_head)
    assert Observation.objects.get(indicator=per_head, place=place).value == Decimal(20000)
    Statistic.objects.filter(measure=gva).update(value=Decimal(31500))
    result = services.derive_observations(per_head)
    assert result.revised == 1
    values = Observation.objects.filter(indicator=per_head, place=place).order_by("revision")
    assert [(o.value, o.is_current) for o in values] == [
        (Decimal(20000), False),
        (Decimal(21000), True),
    ]
    assert Place.objects.filter(code="TLD7").count() == 1


def test_a_derived_figure_of_a_part_year_is_withdrawn(indicators):
    """2020-21 Innovate UK funding covers awards to 1 August 2020 only: a per-head figure derived
    from it (before that was known) stops being current; the whole years are untouched."""
    from northstar.economy.models import Measure
    from northstar.economy.models import PeriodKind as StatisticPeriodKind
    from northstar.ingest.models import Import
    from northstar.places.services import ensure_itl_place

    place = ensure_itl_place("TLD7", "Merseyside")
    record = Import.objects.create(dataset="test", file_name="t.csv", sha256="0" * 64)
    iuk = Measure.objects.create(
        code="innovate_uk_funding_gbp", name="IUK", unit="£", source="Nesta"
    )
    pop = Measure.objects.create(
        code="total_resident_population", name="Pop", unit="persons", source="ONS"
    )
    for year, amount in ((2019, 3_000_000), (2020, 1_000_000)):
        Statistic.objects.create(
            measure=iuk,
            place=place,
            year=year,
            value=Decimal(amount),
            period_kind=StatisticPeriodKind.FINANCIAL_YEAR,
            source_import=record,
        )
        Statistic.objects.create(
            measure=pop, place=place, year=year, value=Decimal(1_500_000), source_import=record
        )
    indicator = Indicator.objects.get(code="iuk-funding-per-head")
    earlier = Observation.objects.create(
        indicator=indicator,
        place=place,
        period_kind="financial_year",
        year=2020,
        value=Decimal("0.666667"),
        numerator=Decimal(1_000_000),
        denominator=Decimal(1_500_000),
        origin=Origin.DERIVED,
    )
    result = services.derive_observations(indicator)
    assert (result.created, result.withdrawn) == (1, 1)
    assert "1 withdrawn (a period the source covers only in part)" in str(result)
    current = Observation.objects.filter(indicator=indicator, place=place, is_current=True)
    assert [(o.year, o.value) for o in current] == [(2019, Decimal(2))]
    earlier.refresh_from_db()
    assert earlier.is_current is False  # kept in the history
    again = services.derive_observations(indicator)
    assert (again.created, again.withdrawn, again.unchanged) == (0, 0, 1)
    # The status names the financial year as the pages do.
    reason = services.summarise(indicator, place).assessment.reason
    assert reason.startswith("2 in 2019-20; no target has been set")
