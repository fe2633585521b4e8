"""Indicator trajectories, forecasts and status, each against an example worked by hand.

Pure functions: no database. The working is in the comments next to each assertion.
"""

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from northstar.indicators.calculations import (
    Assessment,
    CalculationError,
    Direction,
    PathKind,
    PathPoint,
    Point,
    Status,
    StatusRule,
    assess,
    forecast,
    gap,
    required_annual_change,
    required_annual_growth,
    required_path,
    required_value,
    student_t_quantile,
)

LINEAR, GROWTH = PathKind.LINEAR, PathKind.CONSTANT_GROWTH
HIGHER, LOWER = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER

# The issue's example: 1.1% in 2020 to 5% in 2030.
BASE, TARGET = Point(2020, 1.1), Point(2030, 5.0)
# A lower-is-better example: the GVA-per-hour gap to the UK closing from 13% in 2020 to 0 in 2030.
GAP_BASE, GAP_TARGET = Point(2020, 13.0), Point(2030, 0.0)


def approx(x, rel=1e-9, abs_=1e-9):
    return pytest.approx(x, rel=rel, abs=abs_)


# --- required growth and the required path ----------------------------------------------------


def test_required_annual_growth_of_the_issue_example():
    # (5 / 1.1) ^ (1/10) − 1: 5 / 1.1 = 4.545454…, ln 4.545454 = 1.514128, /10 = 0.1514128,
    # e^0.1514128 = 1.163477, so 16.348% a year (the issue rounds it up to "≈ 16.4%").
    g = required_annual_growth(BASE, TARGET)
    assert g == pytest.approx(0.163477, abs=5e-7)
    # Compounding it ten times from 1.1 lands on 5.
    assert 1.1 * (1 + g) ** 10 == approx(5.0)


def test_required_value_in_2025_for_both_kinds():
    # Constant growth, halfway: 1.1 × (5 / 1.1) ^ 0.5 = 1.1 × 2.132007 = 2.345208.
    assert required_value(BASE, TARGET, GROWTH, 2025) == pytest.approx(2.345208, abs=1e-6)
    # Linear, halfway: 1.1 + 0.5 × (5 − 1.1) = 1.1 + 1.95 = 3.05.
    assert required_value(BASE, TARGET, LINEAR, 2025) == approx(3.05)
    # Linear, 2021: 1.1 + 0.1 × 3.9 = 1.49.
    assert required_value(BASE, TARGET, LINEAR, 2021) == approx(1.49)


def test_required_value_is_not_extrapolated_outside_baseline_and_target_years():
    assert required_value(BASE, TARGET, LINEAR, 2018) == approx(1.1)  # before: the baseline
    assert required_value(BASE, TARGET, LINEAR, 2033) == approx(5.0)  # after: the target itself
    assert required_value(BASE, TARGET, GROWTH, 2033) == approx(5.0)


def test_required_path_lists_every_whole_year_inclusive():
    path = required_path(BASE, TARGET, LINEAR)
    assert [p.year for p in path] == list(range(2020, 2031))
    assert path[0] == PathPoint(2020, 1.1)
    assert path[-1].value == approx(5.0)
    # Each linear step is (5 − 1.1) / 10 = 0.39.
    assert [round(b.value - a.value, 9) for a, b in itertools.pairwise(path)] == [0.39] * 10

    growth = required_path(BASE, TARGET, GROWTH)
    # Each constant-growth step multiplies by 1.163477…: 1.1 → 1.279825 → 1.489046 ….
    assert growth[1].value == pytest.approx(1.279825, abs=1e-6)
    assert growth[2].value == pytest.approx(1.489046, abs=1e-6)
    assert growth[5].value == pytest.approx(2.345208, abs=1e-6)
    ratios = {round(b.value / a.value, 9) for a, b in itertools.pairwise(growth)}
    assert len(ratios) == 1


def test_baseline_and_target_in_the_same_year_means_the_target_is_due_at_once():
    base, target = Point(2025, 2.0), Point(2025, 3.0)
    assert required_path(base, target, LINEAR) == [PathPoint(2025, 3.0)]
    assert required_value(base, target, GROWTH, 2025) == 3.0
    with pytest.raises(CalculationError):
        required_annual_growth(base, target)  # no years to grow in
    with pytest.raises(CalculationError):
        required_annual_change(base, target, LINEAR)


def test_a_baseline_after_its_target_is_refused():
    with pytest.raises(CalculationError, match="after the target year"):
        required_path(Point(2031, 1.1), TARGET, LINEAR)
    with pytest.raises(CalculationError):
        assess([Point(2021, 1.0)], Point(2031, 1.1), TARGET, LINEAR, HIGHER)


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Point(2020, 0.0), Point(2030, 5.0)),  # growth from zero is infinite
        (Point(2020, -1.0), Point(2030, 5.0)),
        (Point(2020, 13.0), Point(2030, 0.0)),  # the GVA gap closing to 0: only linear works
    ],
)
def test_constant_growth_through_zero_or_negative_values_is_refused(start, target):
    with pytest.raises(CalculationError, match="positive"):
        required_annual_growth(start, target)
    with pytest.raises(CalculationError, match="linear path instead"):
        required_path(start, target, GROWTH)
    # ...while a linear path is fine.
    assert required_path(start, target, LINEAR)[-1].value == approx(target.value)


def test_calculation_error_is_a_value_error():
    assert issubclass(CalculationError, ValueError)


# --- gap and required annual change from a latest observation ---------------------------------


def test_gap_and_required_annual_change_from_the_latest_observation():
    latest = Point(2023, 2.0)
    # Linear path in 2023: 1.1 + 0.3 × 3.9 = 2.27; gap 2.0 − 2.27 = −0.27 (below the path).
    assert gap(latest, BASE, TARGET, LINEAR) == approx(-0.27)
    # Constant growth in 2023: 1.1 × 4.545454^0.3; ln 4.545454 × 0.3 = 0.4542384,
    # e^0.4542384 = e^0.45 × e^0.0042384 = 1.568312 × 1.004247 = 1.574973, × 1.1 = 1.732471;
    # gap 2.0 − 1.732471 = +0.267529 (above).
    assert gap(latest, BASE, TARGET, GROWTH) == pytest.approx(0.267529, abs=1e-6)
    # From 2.0 in 2023 to 5 in 2030, linear: (5 − 2) / 7 = 0.428571 a year.
    assert required_annual_change(latest, TARGET, LINEAR) == approx(3 / 7)
    # Constant growth: (5 / 2) ^ (1/7) − 1; ln 2.5 = 0.9162907, / 7 = 0.1308987,
    # e^0.1308987 = 1.139852, so 13.99% a year.
    assert required_annual_change(latest, TARGET, GROWTH) == pytest.approx(0.139852, abs=1e-6)


def test_required_annual_change_for_a_declining_target_is_negative():
    # The GVA gap: 9% in 2025 must reach 0 by 2030: (0 − 9) / 5 = −1.8 points a year.
    assert required_annual_change(Point(2025, 9.0), GAP_TARGET, LINEAR) == approx(-1.8)


def test_required_annual_change_after_the_target_year_is_refused():
    with pytest.raises(CalculationError):
        required_annual_change(Point(2031, 4.0), TARGET, LINEAR)


# --- forecasts ---------------------------------------------------------------------------------

SERIES = [Point(2017, 1), Point(2018, 2), Point(2019, 3), Point(2020, 5)]


def test_linear_forecast_of_a_small_series_with_its_prediction_interval():
    # Years 2017–2020, values 1, 2, 3, 5. x̄ = 2018.5, ȳ = 11/4 = 2.75.
    # x − x̄ = −1.5, −0.5, 0.5, 1.5, so Sxx = 2.25 + 0.25 + 0.25 + 2.25 = 5.
    # y − ȳ = −1.75, −0.75, 0.25, 2.25, so Sxy = 2.625 + 0.375 + 0.125 + 3.375 = 6.5.
    # Slope 6.5 / 5 = 1.3 a year. Fitted 0.8, 2.1, 3.4, 4.7; residuals 0.2, −0.1, −0.4, 0.3;
    # SSE = 0.04 + 0.01 + 0.16 + 0.09 = 0.30; s² = 0.30 / (4 − 2) = 0.15.
    # 2021: x0 − x̄ = 2.5, centre 2.75 + 1.3 × 2.5 = 6.0;
    # se = √(0.15 × (1 + 1/4 + 6.25/5)) = √(0.15 × 2.5) = √0.375 = 0.612372.
    # 80% two-sided: t(0.90, 2 df) = 0.8 × √(2 / (4 × 0.9 × 0.1)) = 0.8 × √(50/9) = 1.885618.
    # Half-width 1.885618 × 0.612372 = 1.154701 (it is 2/√3), so [4.845299, 7.154701].
    f = forecast(SERIES, 2022)
    assert f is not None
    assert f.model == "linear least squares"
    assert f.level == 0.8
    assert f.n == 4
    assert f.fitted_from == (2017, 2020)
    assert [p.year for p in f.points] == [2021, 2022]
    p = f.points[0]
    assert p.value == approx(6.0)
    assert p.lower == pytest.approx(6.0 - 2 / math.sqrt(3), abs=1e-9)
    assert p.upper == pytest.approx(6.0 + 2 / math.sqrt(3), abs=1e-9)
    # 2022: x0 − x̄ = 3.5, centre 2.75 + 4.55 = 7.3; se = √(0.15 × (1.25 + 12.25/5))
    # = √(0.15 × 3.7) = √0.555 = 0.744983; half-width 1.885618 × 0.744983 = 1.404754.
    q = f.points[1]
    assert q.value == approx(7.3)
    assert q.upper - q.value == pytest.approx(1.404754, abs=1e-6)
    assert q.upper - q.lower > p.upper - p.lower  # wider further out
    assert "linear least squares" in f.description
    assert "80% prediction intervals" in f.description


def test_a_95_percent_interval_of_the_same_series_is_wider():
    # t(0.975, 2 df) = (2 × 0.975 − 1) / √(2 × 0.975 × 0.025) = 0.95 / √0.04875 = 4.302653;
    # × 0.612372 = 2.634826.
    f = forecast(SERIES, 2021, level=0.95)
    assert f is not None
    assert f.points[0].upper - f.points[0].value == pytest.approx(2.634826, abs=1e-6)


def test_log_linear_forecast_of_a_doubling_series():
    # ln 1, 2, 4, 8 = 0, ln2, 2 ln2, 3 ln2: an exact line with slope ln 2, i.e. 100% growth;
    # 2021 is 16 and 2022 is 32, and with no residuals the interval has no width.
    f = forecast([Point(2017, 1), Point(2018, 2), Point(2019, 4), Point(2020, 8)], 2022,
                 model="log-linear")  # fmt: skip
    assert f is not None
    assert f.model == "log-linear least squares"
    assert [round(p.value, 9) for p in f.points] == [16, 32]
    assert f.points[0].upper - f.points[0].lower == pytest.approx(0, abs=1e-9)
    assert "100.0% a year" in f.description


def test_log_linear_forecast_interval_is_worked_on_the_log_scale():
    # Values 1, e, e³ in 2018–2020: logs 0, 1, 3. x̄ = 2019, ȳ = 4/3; Sxx = 2;
    # Sxy = (−1)(−4/3) + (1)(5/3) = 3, slope 1.5. Fitted −1/6, 4/3, 17/6; residuals 1/6, −1/3, 1/6;
    # SSE = 1/36 + 4/36 + 1/36 = 1/6; s² = 1/6 on 1 df.
    # 2021: centre 4/3 + 1.5 × 2 = 13/3; se = √(1/6 × (1 + 1/3 + 4/2)) = √(5/9) = 0.745356.
    # t(0.90, 1 df) = tan(0.4π) = 3.077684; half-width 3.077684 × 0.745356 = 2.293970 on the log scale.
    f = forecast([Point(2018, 1), Point(2019, math.e), Point(2020, math.e**3)], 2021,
                 model="log-linear")  # fmt: skip
    assert f is not None
    p = f.points[0]
    half = math.tan(0.4 * math.pi) * math.sqrt(5 / 9)
    assert half == pytest.approx(2.293970, abs=1e-6)
    assert p.value == approx(math.exp(13 / 3))  # 76.2339
    assert p.lower == approx(math.exp(13 / 3 - half))
    assert p.upper == approx(math.exp(13 / 3 + half))
    assert p.upper - p.value > p.value - p.lower  # asymmetric once exponentiated


def test_forecast_with_missing_years_uses_the_actual_years():
    # 2016, 2017, 2019, 2020 (2018 missing), values 1, 2, 4, 4. x̄ = 2018, x − x̄ = −2, −1, 1, 2,
    # Sxx = 10; ȳ = 2.75, y − ȳ = −1.75, −0.75, 1.25, 1.25;
    # Sxy = 3.5 + 0.75 + 1.25 + 2.5 = 8, slope 0.8 (fitting on positions 0–3 would give 1.1).
    # Fitted 1.15, 1.95, 3.55, 4.35; residuals −0.15, 0.05, 0.45, −0.35;
    # SSE = 0.0225 + 0.0025 + 0.2025 + 0.1225 = 0.35, s² = 0.175.
    # 2021: centre 2.75 + 0.8 × 3 = 5.15; se = √(0.175 × (1 + 0.25 + 9/10)) = √0.37625 = 0.613392;
    # half-width 1.885618 × 0.613392 = 1.156623.
    observed = [Point(2020, 4), Point(2016, 1), Point(2019, 4), Point(2017, 2)]  # any order
    f = forecast(observed, 2021)
    assert f is not None
    assert f.fitted_from == (2016, 2020)
    assert f.points[0].value == approx(5.15)
    assert f.points[0].upper - f.points[0].value == pytest.approx(1.156623, abs=1e-6)


def test_forecast_of_a_declining_series():
    # 10, 8, 6 in 2018–2020: slope −2 exactly, 2021 → 4, 2022 → 2; exact fit, zero width.
    f = forecast([Point(2018, 10), Point(2019, 8), Point(2020, 6)], 2022)
    assert f is not None
    assert [round(p.value, 9) for p in f.points] == [4, 2]
    assert "a change of -2 a year" in f.description


def test_two_observations_give_a_line_but_no_interval():
    f = forecast([Point(2019, 1.0), Point(2021, 2.0)], 2023)
    assert f is not None
    # Slope (2 − 1) / 2 = 0.5: 2022 → 2.5, 2023 → 3.0.
    assert [(p.year, p.value, p.lower, p.upper) for p in f.points] == [
        (2022, 2.5, 2.5, 2.5),
        (2023, 3.0, 3.0, 3.0),
    ]
    assert "no prediction interval can be computed" in f.description


def test_one_observation_gives_no_forecast():
    assert forecast([Point(2020, 1.0)], 2030) is None
    assert forecast([], 2030) is None


def test_forecast_until_a_past_year_has_no_points():
    f = forecast(SERIES, 2020)
    assert f is not None
    assert f.points == ()


def test_duplicate_years_are_refused():
    with pytest.raises(CalculationError, match="two observations for 2019"):
        forecast([Point(2019, 1), Point(2019, 2), Point(2020, 3)], 2025)
    with pytest.raises(CalculationError):
        assess([Point(2019, 1), Point(2019, 2)], BASE, TARGET, LINEAR, HIGHER)


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_log_linear_forecast_needs_positive_values(bad):
    with pytest.raises(CalculationError, match="positive"):
        forecast([Point(2019, 1), Point(2020, bad), Point(2021, 3)], 2025, model="log-linear")


def test_unknown_model_and_bad_level_are_refused():
    with pytest.raises(CalculationError):
        forecast(SERIES, 2025, model="cubic")
    with pytest.raises(CalculationError):
        forecast(SERIES, 2025, level=1.0)


@pytest.mark.parametrize(
    ("p", "df", "expected"),
    [
        # Closed forms: 1 df is Cauchy, t = tan(π(p − ½)); 2 df, t = (2p − 1) / √(2p(1 − p)).
        (0.9, 1, math.tan(0.4 * math.pi)),
        (0.975, 1, math.tan(0.475 * math.pi)),
        (0.9, 2, 0.8 / math.sqrt(2 * 0.9 * 0.1)),
        (0.95, 2, 0.9 / math.sqrt(2 * 0.95 * 0.05)),
        # Published tables (to the 6 decimals they print).
        (0.975, 10, 2.228139),
        (0.9, 30, 1.310415),
        (0.995, 5, 4.032143),
        (0.1, 4, -1.533206),
    ],
)
def test_student_t_quantile(p, df, expected):
    assert student_t_quantile(p, df) == pytest.approx(expected, abs=1e-6)


# --- status ------------------------------------------------------------------------------------


def test_no_observations_is_no_data_and_no_target_is_no_target():
    assert assess([], BASE, TARGET, LINEAR, HIGHER).status == Status.NO_DATA
    a = assess([Point(2021, 1.3)], None, None, LINEAR, HIGHER)
    assert a.status == Status.NO_TARGET
    assert a.required_now is None and a.gap is None
    assert a.reason.startswith("1.3 in 2021;")


def test_the_reason_names_the_latest_period_as_the_pages_do():
    # A financial-year indicator: its latest observation is 2021-22, not "2021".
    a = assess([Point(2021, 3.58)], None, None, LINEAR, HIGHER, latest_label="2021-22")
    assert a.reason.startswith("3.58 in 2021-22; no target has been set")
    a = assess([Point(2021, 1.3)], BASE, TARGET, GROWTH, HIGHER, latest_label="2021-22")
    assert a.status == Status.ON_TRACK and a.reason.startswith("1.3 in 2021-22 is ")


def test_on_track_ahead_of_a_constant_growth_path():
    # Path in 2021: 1.1 × 1.163477 = 1.279825; 1.3 is 0.020175 above it: on track.
    # From 1.3 in 2021: (5 / 1.3) ^ (1/9) − 1; ln 3.846154 = 1.347074, /9 = 0.149675,
    # e^0.149675 = e^0.15 × e^−0.000325 = 1.161834 × 0.999675 = 1.161457 → 16.15% a year.
    a = assess([Point(2021, 1.3)], BASE, TARGET, GROWTH, HIGHER)
    assert a.status == Status.ON_TRACK
    assert a.required_now == pytest.approx(1.279825, abs=1e-6)
    assert a.gap == pytest.approx(0.020175, abs=1e-6)
    assert a.required_annual_change == pytest.approx(0.161457, abs=1e-6)
    assert a.forecast_at_target is None  # one observation: no trend
    assert a.reason == "1.3 in 2021 is 0.0202 above the 1.28 the path requires."


def test_only_the_baseline_year_observed_is_too_early_to_judge():
    # The path starts at the baseline, so an observation there is "on" it whatever its value.
    a = assess([Point(2020, 1.1)], BASE, TARGET, LINEAR, HIGHER)
    assert a.status == Status.BASELINE_ONLY
    assert "once a later year is observed" in a.reason
    # Without a baseline the first observation is one: a single observation is the same case.
    assert assess([Point(2022, 2.0)], None, TARGET, GROWTH, HIGHER).status == Status.BASELINE_ONLY
    # Already at the target in the baseline year: met, not "too early".
    assert assess([Point(2020, 5.0)], BASE, TARGET, LINEAR, HIGHER).status == Status.MET
    # A later observation is judged against the path as usual.
    assert assess([Point(2020, 1.1), Point(2021, 1.0)], BASE, TARGET, LINEAR, HIGHER).status != (
        Status.BASELINE_ONLY
    )


def test_exactly_on_the_path_is_on_track():
    a = assess([Point(2025, 3.05)], BASE, TARGET, LINEAR, HIGHER)
    assert a.status == Status.ON_TRACK
    assert "on the path" in a.reason


def test_at_risk_within_the_tolerance():
    # Linear path in 2021 requires 1.49; 1.3 is 0.19 behind; tolerance 10% × |5 − 1.1| = 0.39.
    a = assess([Point(2021, 1.3)], BASE, TARGET, LINEAR, HIGHER)
    assert a.status == Status.AT_RISK
    assert a.gap == approx(-0.19)
    assert a.required_annual_change == approx(3.7 / 9)  # (5 − 1.3) / 9 = 0.411111
    assert a.reason == (
        "1.3 in 2021 is 0.19 below the 1.49 the path requires, within the at-risk tolerance of 0.39."
    )
    # A tighter rule (4% × 3.9 = 0.156 < 0.19) makes it off track.
    assert (
        assess([Point(2021, 1.3)], BASE, TARGET, LINEAR, HIGHER, StatusRule(0.04)).status
        == Status.OFF_TRACK
    )


def test_off_track_when_far_behind_and_the_trend_falls_short():
    # 2021: 1.2, 2025: 2.0 (missing years between). Path in 2025 requires 3.05; 1.05 behind,
    # more than 0.39. Trend: slope (2.0 − 1.2) / 4 = 0.2, so 2030 → 2.0 + 5 × 0.2 = 3.0 < 5.
    a = assess([Point(2021, 1.2), Point(2025, 2.0)], BASE, TARGET, LINEAR, HIGHER)
    assert a.status == Status.OFF_TRACK
    assert a.gap == approx(-1.05)
    assert a.forecast_at_target == approx(3.0)
    assert "the trend forecasts 3 by 2030" in a.reason


def test_a_trend_that_reaches_the_target_lifts_off_track_to_at_risk():
    # 1.0, 1.8, 2.6 in 2024–2026. Path in 2026: 1.1 + 0.6 × 3.9 = 3.44; 0.84 behind (> 0.39).
    # Trend slope 0.8 a year: 2030 → 2.6 + 4 × 0.8 = 5.8 ≥ 5, so at risk rather than off track.
    observed = [Point(2024, 1.0), Point(2025, 1.8), Point(2026, 2.6)]
    a = assess(observed, BASE, TARGET, LINEAR, HIGHER)
    assert a.status == Status.AT_RISK
    assert a.forecast_at_target == approx(5.8)
    assert "would meet the target" in a.reason
    no_forecast = StatusRule(use_forecast=False)
    assert assess(observed, BASE, TARGET, LINEAR, HIGHER, no_forecast).status == Status.OFF_TRACK


def test_log_linear_forecast_model_in_assess():
    # 1, 2, 4 in 2024–2026 doubles each year: 2030 → 4 × 2⁴ = 64 ≥ 5 by the log-linear trend.
    # The linear trend: x̄ = 2025, ȳ = 7/3, Sxy = (−1)(−4/3) + (1)(5/3) = 3, Sxx = 2, slope 1.5,
    # so 2030 → 7/3 + 5 × 1.5 = 59/6 = 9.8333 — both reach 5, but differ.
    observed = [Point(2024, 1.0), Point(2025, 2.0), Point(2026, 4.0)]
    a = assess(observed, BASE, TARGET, GROWTH, HIGHER, forecast_model="log-linear")
    assert a.forecast_at_target == approx(64.0)
    assert assess(observed, BASE, TARGET, GROWTH, HIGHER).forecast_at_target == approx(59 / 6)


def test_target_already_met():
    a = assess([Point(2022, 2.0), Point(2026, 5.2)], BASE, TARGET, LINEAR, HIGHER)
    assert a.status == Status.MET
    assert a.reason == "5.2 in 2026 already meets the target of 5 for 2030."
    # Exactly at the target counts as met too.
    assert assess([Point(2026, 5.0)], BASE, TARGET, GROWTH, HIGHER).status == Status.MET


def test_a_declining_series_on_a_higher_is_better_indicator():
    # 1.5, 1.4, 1.3 in 2021–2023. Path in 2023: 1.1 + 0.3 × 3.9 = 2.27; 0.97 behind (> 0.39).
    # Trend −0.1 a year: 2030 → 1.3 − 0.7 = 0.6. Off track.
    observed = [Point(2021, 1.5), Point(2022, 1.4), Point(2023, 1.3)]
    a = assess(observed, BASE, TARGET, LINEAR, HIGHER)
    assert a.status == Status.OFF_TRACK
    assert a.gap == approx(-0.97)
    assert a.forecast_at_target == approx(0.6)


def test_lower_is_better_gap_closing_to_zero():
    # Linear path from 13 (2020) to 0 (2030) requires 13 − 0.5 × 13 = 6.5 in 2025;
    # tolerance 10% × 13 = 1.3.
    def status(value, *earlier):
        return assess([*earlier, Point(2025, value)], GAP_BASE, GAP_TARGET, LINEAR, LOWER)

    ahead = status(6.0)  # 0.5 below the path: ahead, for lower-is-better
    assert ahead.status == Status.ON_TRACK
    assert ahead.gap == approx(-0.5)
    assert ahead.required_annual_change == approx(-1.2)  # (0 − 6) / 5
    assert status(7.0).status == Status.AT_RISK  # 0.5 above: behind, within 1.3
    # 9.5 in 2024, 9.0 in 2025: 2.5 behind; trend −0.5 a year → 2030: 6.5 > 0. Off track.
    off = status(9.0, Point(2024, 9.5))
    assert off.status == Status.OFF_TRACK
    assert off.forecast_at_target == approx(6.5)
    assert off.reason.startswith("9 in 2025 is 2.5 above the 6.5 the path requires")
    # 12, 9 in 2024–2025: trend −3 a year → 2030: 9 − 15 = −6 ≤ 0: at risk by the forecast.
    assert status(9.0, Point(2024, 12.0)).status == Status.AT_RISK
    assert status(0.0).status == Status.MET
    assert status(-1.0).status == Status.MET  # beyond the target, in the good direction


def test_lower_is_better_with_constant_growth():
    # Emissions 100 (2020) → 50 (2030) at constant decline: 2025 requires 100 × 0.5^0.5 = 70.7107.
    base, target = Point(2020, 100), Point(2030, 50)
    a = assess([Point(2025, 72)], base, target, GROWTH, LOWER)
    assert a.required_now == pytest.approx(70.710678, abs=1e-6)
    # 72 − 70.710678 = 1.289322 behind; tolerance 10% × 50 = 5: at risk.
    assert a.status == Status.AT_RISK
    # Required decline from 72 in 2025: (50/72)^(1/5) − 1; ln 0.694444 = −0.364643, /5 =
    # −0.0729286, e^… = 0.929667, so −7.03% a year.
    assert a.required_annual_change == pytest.approx(-0.070333, abs=1e-6)


def test_one_observation_only_takes_its_status_from_the_path():
    a = assess([Point(2025, 2.0)], BASE, TARGET, LINEAR, HIGHER)
    # 3.05 required, 1.05 behind > 0.39, and no trend to rescue it.
    assert a.status == Status.OFF_TRACK
    assert a.forecast_at_target is None
    assert "trend" not in a.reason


def test_without_a_baseline_the_earliest_observation_is_the_baseline():
    # 2.0 in 2020 to 5 in 2030: path in 2024 = 2 + 0.4 × 3 = 3.2; 2.9 is 0.3 behind,
    # tolerance 10% × 3 = 0.3: at risk (just).
    a = assess([Point(2020, 2.0), Point(2024, 2.9)], None, TARGET, LINEAR, HIGHER,
               StatusRule(use_forecast=False))  # fmt: skip
    assert a.required_now == approx(3.2)
    assert a.status == Status.AT_RISK


def test_after_the_target_year_the_path_requires_the_target():
    a = assess([Point(2031, 4.8)], BASE, TARGET, LINEAR, HIGHER)
    assert a.required_now == 5.0
    assert a.required_annual_change is None  # no years left
    assert a.status == Status.AT_RISK  # 0.2 short, within 0.39
    assert "the target of 5 for 2030" in a.reason


def test_constant_growth_with_a_zero_observation_has_no_required_growth():
    a = assess([Point(2022, 0.0)], BASE, TARGET, GROWTH, HIGHER)
    assert a.required_annual_change is None
    assert a.status == Status.OFF_TRACK


def test_negative_tolerance_is_refused():
    with pytest.raises(CalculationError):
        StatusRule(at_risk_tolerance=-0.1)


def test_assessment_is_frozen():
    a = assess([Point(2021, 1.3)], BASE, TARGET, LINEAR, HIGHER)
    assert isinstance(a, Assessment)
    with pytest.raises(AttributeError):
        a.status = Status.MET  # type: ignore[misc]


# --- properties --------------------------------------------------------------------------------

years = st.integers(min_value=1990, max_value=2060)
positive = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(b_year=years, span=st.integers(0, 40), b_value=positive, t_value=positive,
       kind=st.sampled_from(list(PathKind)))  # fmt: skip
def test_path_runs_from_baseline_to_target_and_is_monotone(b_year, span, b_value, t_value, kind):
    base, target = Point(b_year, b_value), Point(b_year + span, t_value)
    path = required_path(base, target, kind)
    assert len(path) == span + 1
    assert [p.year for p in path] == list(range(b_year, b_year + span + 1))
    assert path[-1].value == pytest.approx(t_value, rel=1e-9)
    if span:
        assert path[0].value == pytest.approx(b_value, rel=1e-9)
    steps = [b.value - a.value for a, b in itertools.pairwise(path)]
    tol = 1e-9 * max(b_value, t_value)
    if t_value >= b_value:
        assert all(s >= -tol for s in steps)
    else:
        assert all(s <= tol for s in steps)


@settings(max_examples=150, deadline=None)
@given(start=positive, end=positive, span=st.integers(1, 40))
def test_required_growth_compounds_to_the_target(start, end, span):
    g = required_annual_growth(Point(2020, start), Point(2020 + span, end))
    assert start * (1 + g) ** span == pytest.approx(end, rel=1e-6)


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(
        st.floats(min_value=-100, max_value=100, allow_nan=False), min_size=1, max_size=5
    ),
    b_value=st.floats(min_value=-100, max_value=100, allow_nan=False),
    t_value=st.floats(min_value=-100, max_value=100, allow_nan=False),
    tolerance=st.floats(min_value=0, max_value=0.5),
)
def test_lower_is_better_mirrors_higher_is_better(values, b_value, t_value, tolerance):
    # Negating every value swaps the directions and must leave the status unchanged.
    observed = [Point(2021 + i, v) for i, v in enumerate(values)]
    mirrored = [Point(p.year, -p.value) for p in observed]
    rule = StatusRule(tolerance)
    up = assess(observed, Point(2020, b_value), Point(2030, t_value), LINEAR, HIGHER, rule)
    down = assess(mirrored, Point(2020, -b_value), Point(2030, -t_value), LINEAR, LOWER, rule)
    assert up.status == down.status
