"""Default data, recording observations (with revisions) and summaries."""

from decimal import Decimal

import pytest

from northstar.indicators import calculations as calc
from northstar.indicators import services
from northstar.indicators.models import (
    Baseline,
    Comparator,
    Indicator,
    LogicModelElement,
    Observation,
    Origin,
    Target,
)

pytestmark = pytest.mark.django_db

HEADLINE = {
    "rd-pct-gva",
    "gva-per-hour-index",
    "businesses-per-100k",
    "firms-new-products",
    "knowledge-intensive-share",
    "high-growth-share",
}
EVIDENCE = "https://www.ons.gov.uk/economy/example"


def entry(indicator, place, period, value, **extra):
    return services.ObservationIn(
        indicator=indicator, place=place, period=period, value=value, evidence_url=EVIDENCE, **extra
    )


def test_default_data_has_the_headline_indicators_with_baselines_targets_and_statuses(indicators):
    lcr = indicators
    assert set(Indicator.objects.filter(headline=True).values_list("code", flat=True)) == HEADLINE
    rd = Indicator.objects.get(code="rd-pct-gva")
    baseline = Baseline.objects.get(indicator=rd, place=lcr)
    assert (baseline.value, baseline.year) == (Decimal("1.1"), 2020)
    assert "late 2022" in baseline.period_label
    target = Target.objects.get(indicator=rd, place=lcr)
    assert (target.value, target.year) == (Decimal(5), 2030)
    england = Comparator.objects.get(indicator=rd, label="England")
    assert (england.value, england.place.code) == (Decimal("1.4"), "TLB")
    national = Comparator.objects.get(indicator__code="businesses-per-100k")
    assert national.value == Decimal(789)
    assert Baseline.objects.get(indicator__code="businesses-per-100k").value == Decimal(543)
    # A value whose year the source does not give stays without one.
    assert Baseline.objects.get(indicator__code="knowledge-intensive-share").year is None
    summaries = {s.indicator.code: s for s in services.dashboard(lcr)}
    # One observation (the baseline itself, 2020): too early to judge.
    assert summaries["rd-pct-gva"].assessment.status == calc.Status.BASELINE_ONLY
    assert summaries["firms-new-products"].assessment.status == calc.Status.NO_TARGET
    assert summaries["high-growth-share"].assessment.status == calc.Status.NO_DATA
    assert LogicModelElement.objects.filter(place=lcr).count() >= 5


def test_loading_twice_changes_nothing_and_keeps_edits(indicators):
    rd = Indicator.objects.get(code="rd-pct-gva")
    rd.owner = "Lead analyst"
    rd.save()
    counts = [Indicator.objects.count(), Observation.objects.count(), Comparator.objects.count()]
    list(services.load_default_indicators())
    assert [
        Indicator.objects.count(),
        Observation.objects.count(),
        Comparator.objects.count(),
    ] == counts
    assert Indicator.objects.get(code="rd-pct-gva").owner == "Lead analyst"


def test_a_revision_supersedes_and_keeps_the_previous_value(indicators):
    lcr = indicators
    rd = Indicator.objects.get(code="rd-pct-gva")
    first = services.record_observation(entry(rd, lcr, "2021", "1.3", status="provisional"))
    second = services.record_observation(entry(rd, lcr, "2021", "1.25", revision=True))
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    assert (first.revision, second.revision) == (1, 2)
    assert second.supersedes == first
    assert [o.value for o in services.history(rd, lcr) if o.year == 2021] == [
        Decimal("1.25"),
        Decimal("1.3"),
    ]
    summary = services.summarise(rd, lcr)
    assert summary.latest.value == Decimal("1.25")
    # 2020 → 2030 at constant growth requires 1.1 × (5/1.1)^(1/10) in 2021.
    required = 1.1 * (5 / 1.1) ** 0.1
    assert summary.assessment.required_now == pytest.approx(required)
    assert summary.assessment.gap == pytest.approx(1.25 - required)
    assert summary.path[0].value == pytest.approx(1.1) and summary.path[-1].value == pytest.approx(
        5
    )


def test_ratio_value_computed_from_numerator_and_denominator(indicators):
    lcr = indicators
    rate = Indicator.objects.get(code="businesses-per-100k")
    obs = services.record_observation(
        entry(rate, lcr, "2022", "", numerator="8,700", denominator="1,600,000")
    )
    assert obs.value == Decimal("543.750000")
    assert (obs.numerator, obs.denominator) == (Decimal(8700), Decimal(1600000))
    assert obs.origin == Origin.MANUAL


def test_disaggregated_values_do_not_collide_with_the_total(indicators):
    lcr = indicators
    share = Indicator.objects.get(code="high-growth-share")
    services.record_observation(entry(share, lcr, "2021", "4.2"))
    services.record_observation(
        entry(share, lcr, "2021", "5.0", dimension="borough", category="Halton")
    )
    assert [o.value for o in services.series(share, lcr)] == [Decimal("4.2")]
    assert [o.category for o in services.disaggregations(share, lcr)] == ["Halton"]


@pytest.mark.parametrize(
    ("code", "period", "value", "field", "words"),
    [
        ("rd-pct-gva", "2021", "250", "value", "not a percentage"),
        ("rd-pct-gva", "2021", "£1.2", "value", "is money"),
        ("rd-pct-gva", "2021", "one point two", "value", "not a number"),
        ("rd-pct-gva", "2021 Q2", "1.2", "period", "annual"),
        ("rd-pct-gva", "2021-22", "1.2", "period", "calendar year"),
        ("rd-pct-gva", "2999", "1.2", "period", "outside"),
        ("iuk-funding-per-head", "2021", "10", "period", "financial year"),
        ("rd-pct-gva", "2020", "1.2", "__all__", "already has a value"),
    ],
)
def test_bad_observations_are_refused_with_a_reason_and_nothing_written(
    indicators, code, period, value, field, words
):
    indicator = Indicator.objects.get(code=code)
    before = Observation.objects.count()
    with pytest.raises(services.ObservationRefused) as refused:
        services.record_observation(entry(indicator, indicators, period, value))
    assert words in " ".join(refused.value.errors[field])
    assert Observation.objects.count() == before


def test_evidence_is_required_for_manual_entry(indicators):
    rd = Indicator.objects.get(code="rd-pct-gva")
    data = services.ObservationIn(indicator=rd, place=indicators, period="2021", value="1.2")
    with pytest.raises(services.ObservationRefused) as refused:
        services.record_observation(data)
    assert "evidence" in refused.value.errors["evidence_url"][0]


def test_value_must_agree_with_its_numerator_and_denominator(indicators):
    rate = Indicator.objects.get(code="businesses-per-100k")
    with pytest.raises(services.ObservationRefused) as refused:
        services.record_observation(
            entry(rate, indicators, "2022", "700", numerator="8700", denominator="1600000")
        )
    assert "does not match" in refused.value.errors["value"][0]


def test_sparkline_has_a_point_per_value():
    from northstar.indicators.charts import sparkline

    svg = sparkline([1.0, 2.0, 1.5], label="R&D")
    assert svg.startswith("<svg") and svg.count(",") == 3
    assert sparkline([]) == ""
