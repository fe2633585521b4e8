"""Trajectories and status for indicators: pure, typed functions with no Django in them.

Everything here works on plain floats. An indicator has a *baseline* (a value in a year), a
*target* (a value to reach by a year) and a *direction* (higher or lower is better). From those:

* the **required path** from baseline to target, either a straight line (``LINEAR``: the same
  absolute change every year) or constant growth (``CONSTANT_GROWTH``: the same percentage change
  every year, so value(year) = baseline × (target / baseline) ^ ((year − baseline year) /
  (target year − baseline year)));
* the **gap** today: the latest observation minus the value the path requires in that year
  (positive = above the path, whatever the direction);
* the **required annual change** from the latest observation to the target (an absolute change
  a year for a linear path, a growth rate a year for a constant-growth path);
* a **forecast** from the observed trend: an ordinary least-squares line fitted to the
  observations (``linear``: value = a + b·year) or to their logarithms (``log-linear``:
  ln value = a + b·year, i.e. constant growth of e^b − 1 a year), with a prediction interval
  from the Student t distribution;
* a **status** (on track / at risk / off track / met / no data / no target) from configurable
  rules (``StatusRule``).

Worked example (issue 4): 1.1% in 2020 to 5% in 2030 at constant growth needs
(5 / 1.1) ^ (1/10) − 1 ≈ 16.4% a year, and the path requires 1.1 × (5 / 1.1) ^ 0.5 ≈ 2.345 in
2025; on a linear path it requires 1.1 + 0.5 × (5 − 1.1) = 3.05 in 2025.

Errors in the inputs (a baseline after its target, constant growth through zero, two
observations for the same year) raise ``CalculationError``, a ``ValueError``.

The Student t quantile is computed here (``student_t_quantile``) from the regularised incomplete
beta function, because SciPy is not a dependency of the project; it agrees with published tables
and with the closed forms for 1 and 2 degrees of freedom to better than 1e-9.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "DEFAULT_RULE",
    "Assessment",
    "CalculationError",
    "Direction",
    "Forecast",
    "ForecastPoint",
    "PathKind",
    "PathPoint",
    "Point",
    "Status",
    "StatusRule",
    "assess",
    "forecast",
    "gap",
    "mean_of_ratios",
    "ratio_of_sums",
    "required_annual_change",
    "required_annual_growth",
    "required_path",
    "required_value",
    "student_t_quantile",
]


class CalculationError(ValueError):
    """The inputs cannot give a meaningful answer (e.g. constant growth from a zero baseline)."""


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"


class PathKind(StrEnum):
    LINEAR = "linear"
    CONSTANT_GROWTH = "constant_growth"


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    MET = "met"
    NO_DATA = "no_data"
    NO_TARGET = "no_target"
    # Observed only in the baseline year (or before): the path starts there, so the indicator
    # is trivially "on" it; saying "on track" would mislead.
    BASELINE_ONLY = "baseline_only"


@dataclass(frozen=True)
class Point:
    """A value in a year (a baseline, a target or an observation)."""

    year: float
    value: float


@dataclass(frozen=True)
class PathPoint:
    year: int
    value: float


@dataclass(frozen=True)
class ForecastPoint:
    year: int
    value: float
    lower: float
    upper: float


@dataclass(frozen=True)
class Forecast:
    model: str  # "linear least squares" | "log-linear least squares"
    level: float  # the prediction interval's coverage, e.g. 0.8 for an 80% interval
    points: tuple[ForecastPoint, ...]
    fitted_from: tuple[int, int]  # first and last observed years used in the fit
    n: int  # number of observations fitted
    description: str  # one sentence a page can show


@dataclass(frozen=True)
class StatusRule:
    # How far behind the required path (as a fraction of the baseline→target distance) still
    # counts as at risk rather than off track.
    at_risk_tolerance: float = 0.10
    # If the forecast at the target year (central value) meets the target, at worst AT_RISK.
    use_forecast: bool = True

    def __post_init__(self) -> None:
        if not math.isfinite(self.at_risk_tolerance) or self.at_risk_tolerance < 0:
            raise CalculationError("The at-risk tolerance must be a fraction of zero or more.")


DEFAULT_RULE = StatusRule()


@dataclass(frozen=True)
class Assessment:
    status: Status
    reason: str  # a sentence for the page
    required_now: float | None  # what the path requires in the latest observation's year
    gap: float | None  # latest value − required_now (positive = above the path)
    required_annual_change: float | None  # from the latest observation to the target
    forecast_at_target: float | None  # the trend's central value in the target year


# --- the required path -------------------------------------------------------------------------


def _check_finite(*points: Point) -> None:
    for p in points:
        if not (math.isfinite(p.year) and math.isfinite(p.value)):
            raise CalculationError(f"Year and value must be finite numbers, not {p}.")


def _check_path(baseline: Point, target: Point, kind: PathKind) -> None:
    _check_finite(baseline, target)
    if baseline.year > target.year:
        raise CalculationError(
            f"The baseline year ({_year(baseline.year)}) is after the target year "
            f"({_year(target.year)})."
        )
    if kind == PathKind.CONSTANT_GROWTH and (baseline.value <= 0 or target.value <= 0):
        raise CalculationError(
            "A constant-growth path needs a positive baseline and target "
            f"(got {_num(baseline.value)} and {_num(target.value)}); use a linear path instead."
        )
    if kind not in (PathKind.LINEAR, PathKind.CONSTANT_GROWTH):
        raise CalculationError(f"Unknown path kind {kind!r}.")


def required_value(baseline: Point, target: Point, kind: PathKind, year: float) -> float:
    """The value the path from baseline to target requires in ``year``.

    Years before the baseline year require the baseline value and years after the target year
    require the target value (the path is not extrapolated). When the baseline and target years
    are the same the target is due at once, so every year requires the target value.
    """
    _check_path(baseline, target, kind)
    if not math.isfinite(year):
        raise CalculationError("The year must be a finite number.")
    if year >= target.year:
        return target.value
    if year <= baseline.year:
        return baseline.value
    fraction = (year - baseline.year) / (target.year - baseline.year)
    if kind == PathKind.LINEAR:
        return baseline.value + (target.value - baseline.value) * fraction
    return baseline.value * (target.value / baseline.value) ** fraction


def required_path(baseline: Point, target: Point, kind: PathKind) -> list[PathPoint]:
    """The required value in every whole year from the baseline year to the target year inclusive."""
    _check_path(baseline, target, kind)
    first, last = math.ceil(baseline.year), math.floor(target.year)
    return [
        PathPoint(year=y, value=required_value(baseline, target, kind, y))
        for y in range(first, last + 1)
    ]


def required_annual_growth(start: Point, target: Point) -> float:
    """The constant annual growth rate taking ``start`` to ``target``: (target/start)^(1/years) − 1.

    Raises CalculationError for non-positive values (growth through zero is undefined) or when the
    target year is not after the start year.
    """
    _check_finite(start, target)
    if start.value <= 0 or target.value <= 0:
        raise CalculationError(
            "Constant growth needs positive values "
            f"(got {_num(start.value)} and {_num(target.value)})."
        )
    years = target.year - start.year
    if years <= 0:
        raise CalculationError(
            f"The target year ({_year(target.year)}) must be after {_year(start.year)}."
        )
    return (target.value / start.value) ** (1 / years) - 1


def required_annual_change(latest: Point, target: Point, kind: PathKind) -> float:
    """What it takes each year from the latest observation to reach the target on time.

    Linear: the absolute change a year, (target − latest) / years. Constant growth: the growth
    rate a year (see ``required_annual_growth``). Raises CalculationError when the target year is
    not after the latest observation's year (or, for constant growth, for non-positive values).
    """
    _check_finite(latest, target)
    if kind == PathKind.CONSTANT_GROWTH:
        return required_annual_growth(latest, target)
    if kind != PathKind.LINEAR:
        raise CalculationError(f"Unknown path kind {kind!r}.")
    years = target.year - latest.year
    if years <= 0:
        raise CalculationError(
            f"The target year ({_year(target.year)}) must be after {_year(latest.year)}."
        )
    return (target.value - latest.value) / years


def gap(latest: Point, baseline: Point, target: Point, kind: PathKind) -> float:
    """The latest value minus what the path requires in its year (positive = above the path).

    The sign is not direction-aware: for a lower-is-better indicator a positive gap is behind.
    """
    _check_finite(latest)
    return latest.value - required_value(baseline, target, kind, latest.year)


# --- the forecast ------------------------------------------------------------------------------

_MODELS = {
    "linear": "linear least squares",
    "linear least squares": "linear least squares",
    "log-linear": "log-linear least squares",
    "log_linear": "log-linear least squares",
    "log-linear least squares": "log-linear least squares",
}


@dataclass(frozen=True)
class _Fit:
    """An OLS line y = mean_y + slope·(x − mean_x), with what the prediction interval needs."""

    log: bool
    n: int
    mean_x: float
    mean_y: float
    slope: float
    sxx: float
    s: float | None  # residual standard error; None when n == 2 (no residual degrees of freedom)

    def centre(self, x: float) -> float:
        return self.mean_y + self.slope * (x - self.mean_x)

    def value(self, x: float) -> float:
        y = self.centre(x)
        return math.exp(y) if self.log else y


def _sorted_observations(observations: Sequence[Point]) -> list[Point]:
    _check_finite(*observations)
    ordered = sorted(observations, key=lambda p: p.year)
    for a, b in itertools.pairwise(ordered):
        if a.year == b.year:
            raise CalculationError(f"There are two observations for {_year(a.year)}.")
    return ordered


def _fit(ordered: list[Point], log: bool) -> _Fit:
    if log and any(p.value <= 0 for p in ordered):
        raise CalculationError("A log-linear forecast needs every observed value to be positive.")
    xs = [p.year for p in ordered]
    ys = [math.log(p.value) if log else p.value for p in ordered]
    n = len(xs)
    mean_x, mean_y = math.fsum(xs) / n, math.fsum(ys) / n
    sxx = math.fsum((x - mean_x) ** 2 for x in xs)
    sxy = math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    s = None
    if n > 2:
        sse = math.fsum(
            (y - (mean_y + slope * (x - mean_x))) ** 2 for x, y in zip(xs, ys, strict=True)
        )
        s = math.sqrt(sse / (n - 2))
    return _Fit(log=log, n=n, mean_x=mean_x, mean_y=mean_y, slope=slope, sxx=sxx, s=s)


def forecast(
    observations: Sequence[Point],
    until_year: int,
    *,
    model: str = "linear",
    level: float = 0.8,
) -> Forecast | None:
    """Project the observed trend from the year after the last observation to ``until_year``.

    ``model`` is ``"linear"`` (ordinary least squares of value on year) or ``"log-linear"``
    (least squares of ln value on year: a constant-growth trend; every value must be positive).
    Years need not be consecutive: missing years are simply absent, and the fit uses the actual
    years. Two observations for the same year raise CalculationError.

    The prediction interval for a year x0 is centre ± t · s · sqrt(1 + 1/n + (x0 − x̄)² / Sxx),
    with t the two-sided Student t quantile for ``level`` on n − 2 degrees of freedom and s the
    residual standard error (on the log scale for log-linear, then exponentiated, so the interval
    is asymmetric around the central value).

    Returns None with fewer than 2 observations: one point fixes no trend (any slope fits it).
    With exactly 2 observations the line passes through both, there are no residual degrees of
    freedom and no interval can be estimated, so each point has lower == upper == value and the
    description says so. ``points`` is empty when ``until_year`` is not after the last observation.
    """
    name = _MODELS.get(model)
    if name is None:
        raise CalculationError(f"Unknown forecast model {model!r}: use 'linear' or 'log-linear'.")
    if not (0 < level < 1):
        raise CalculationError(f"The interval level must be between 0 and 1, not {level}.")
    ordered = _sorted_observations(observations)
    if len(ordered) < 2:
        return None
    fit = _fit(ordered, log=name.startswith("log"))
    first, last = round(ordered[0].year), round(ordered[-1].year)

    t = student_t_quantile((1 + level) / 2, fit.n - 2) if fit.s is not None else None
    points = []
    for year in range(math.floor(ordered[-1].year) + 1, until_year + 1):
        centre = fit.centre(year)
        if fit.s is None or t is None:
            low = high = centre
        else:
            half = t * fit.s * math.sqrt(1 + 1 / fit.n + (year - fit.mean_x) ** 2 / fit.sxx)
            low, high = centre - half, centre + half
        if fit.log:
            centre, low, high = math.exp(centre), math.exp(low), math.exp(high)
        points.append(ForecastPoint(year=year, value=centre, lower=low, upper=high))

    if fit.log:
        trend = f"constant growth of {_pct(math.exp(fit.slope) - 1)} a year"
    else:
        trend = f"a change of {_num(fit.slope)} a year"
    sentence = f"A {name} trend ({trend}) fitted to {fit.n} observations from {first} to {last}"
    if fit.s is None:
        sentence += "; with only two observations no prediction interval can be computed."
    else:
        sentence += f", with {_pct(level, 0)} prediction intervals."
    return Forecast(
        model=name,
        level=level,
        points=tuple(points),
        fitted_from=(first, last),
        n=fit.n,
        description=sentence,
    )


# --- status ------------------------------------------------------------------------------------


def _is_better_or_equal(a: float, b: float, direction: Direction, eps: float) -> bool:
    """Whether a is at or beyond b in the indicator's good direction (within rounding eps)."""
    if direction == Direction.HIGHER_IS_BETTER:
        return a >= b - eps
    return a <= b + eps


def assess(
    observations: Sequence[Point],
    baseline: Point | None,
    target: Point | None,
    kind: PathKind,
    direction: Direction,
    rule: StatusRule = DEFAULT_RULE,
    *,
    forecast_model: str = "linear",
    latest_label: str = "",
) -> Assessment:
    """The indicator's status from its latest observation, its required path and its trend.
    ``latest_label`` names the latest observation's period in the reason as the pages do
    ("2019-20" for a financial year); by default its year.

    Rules, in order: no observations → NO_DATA; no target → NO_TARGET; the latest value already at
    or beyond the target in the indicator's direction → MET; on or ahead of the required path →
    ON_TRACK, unless the latest observation is from the baseline year or earlier → BASELINE_ONLY
    (progress cannot be judged yet); behind it by at most ``rule.at_risk_tolerance`` × |target − baseline| → AT_RISK;
    further behind → OFF_TRACK, unless ``rule.use_forecast`` and the trend's central value in the
    target year meets the target → AT_RISK. Lower-is-better indicators mirror all of this.

    Without a baseline, the earliest observation serves as one (a path from where the indicator
    started being measured). A baseline after the target year raises CalculationError. Once the
    target year has passed the path requires the target itself and no forecast is used.
    """
    if baseline is not None and target is not None:
        _check_path(baseline, target, kind)
    ordered = _sorted_observations(observations)
    if not ordered:
        return Assessment(Status.NO_DATA, "There are no observations yet.", None, None, None, None)
    latest = ordered[-1]
    now = f"{_num(latest.value)} in {latest_label or _year(latest.year)}"
    if target is None:
        return Assessment(
            Status.NO_TARGET,
            f"{now}; no target has been set, so progress cannot be judged.",
            None,
            None,
            None,
            None,
        )
    if baseline is None:
        baseline = ordered[0] if ordered[0].year <= target.year else target
        _check_path(baseline, target, kind)

    required_now = required_value(baseline, target, kind, latest.year)
    the_gap = latest.value - required_now
    annual: float | None = None
    if latest.year < target.year and (kind == PathKind.LINEAR or latest.value > 0):
        annual = required_annual_change(latest, target, kind)

    at_target: float | None = None
    if forecast_model not in _MODELS:
        raise CalculationError(f"Unknown forecast model {forecast_model!r}.")
    log = _MODELS[forecast_model].startswith("log")
    if (
        len(ordered) >= 2
        and target.year > latest.year
        and not (log and any(p.value <= 0 for p in ordered))
    ):
        at_target = _fit(ordered, log=log).value(target.year)

    def done(status: Status, reason: str) -> Assessment:
        return Assessment(status, reason, required_now, the_gap, annual, at_target)

    scale = max(1.0, abs(baseline.value), abs(target.value), abs(latest.value))
    eps = 1e-9 * scale
    if _is_better_or_equal(latest.value, target.value, direction, eps):
        return done(
            Status.MET,
            f"{now} already meets the target of {_num(target.value)} for {_year(target.year)}.",
        )

    if latest.year <= baseline.year:
        return done(
            Status.BASELINE_ONLY,
            f"{now} is where the path to {_num(target.value)} by {_year(target.year)} starts; "
            "progress can be judged once a later year is observed.",
        )

    passed = latest.year >= target.year
    wanted = (
        f"the target of {_num(target.value)} for {_year(target.year)}"
        if passed
        else f"the {_num(required_now)} the path requires"
    )
    position = "above" if the_gap > 0 else "below"
    if abs(the_gap) <= eps:
        return done(Status.ON_TRACK, f"{now} is on the path, which requires {_num(required_now)}.")
    if _is_better_or_equal(latest.value, required_now, direction, eps):
        return done(Status.ON_TRACK, f"{now} is {_num(abs(the_gap))} {position} {wanted}.")

    shortfall = abs(the_gap)
    tolerance = rule.at_risk_tolerance * abs(target.value - baseline.value)
    behind = f"{now} is {_num(shortfall)} {position} {wanted}"
    if shortfall <= tolerance + eps:
        return done(
            Status.AT_RISK,
            f"{behind}, within the at-risk tolerance of {_num(tolerance)}.",
        )
    if (
        rule.use_forecast
        and at_target is not None
        and _is_better_or_equal(at_target, target.value, direction, eps)
    ):
        return done(
            Status.AT_RISK,
            f"{behind}, but the trend forecasts {_num(at_target)} by {_year(target.year)}, "
            "which would meet the target.",
        )
    reason = f"{behind}, more than the at-risk tolerance of {_num(tolerance)}"
    if at_target is not None:
        reason += f"; the trend forecasts {_num(at_target)} by {_year(target.year)}"
    return done(Status.OFF_TRACK, reason + ".")


# --- Student t quantile (no SciPy) -------------------------------------------------------------


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta function (modified Lentz's method)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    ln_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(ln_front)
    if x < (a + 1) / (a + b + 2):
        return front * _betacf(a, b, x) / a
    return 1 - front * _betacf(b, a, 1 - x) / b


def _t_cdf(t: float, df: int) -> float:
    tail = 0.5 * _betainc(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t >= 0 else tail


def student_t_quantile(p: float, df: int) -> float:
    """The p-quantile of Student's t distribution with ``df`` degrees of freedom (bisection)."""
    if not (0 < p < 1):
        raise CalculationError(f"The probability must be between 0 and 1, not {p}.")
    if df < 1:
        raise CalculationError(f"Student's t needs at least one degree of freedom, not {df}.")
    if p < 0.5:
        return -student_t_quantile(1 - p, df)
    if p == 0.5:
        return 0.0
    low, high = 0.0, 1.0
    while _t_cdf(high, df) < p:
        low, high = high, high * 2
    for _ in range(200):
        mid = (low + high) / 2
        if _t_cdf(mid, df) < p:
            low = mid
        else:
            high = mid
        if high - low <= 1e-13 * max(1.0, high):
            break
    return (low + high) / 2


# --- formatting for the sentences ---------------------------------------------------------------


def _year(year: float) -> str:
    return str(int(year)) if float(year).is_integer() else f"{year:g}"


def _num(x: float) -> str:
    """A number to three significant figures (more for large numbers), without exponents."""
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    decimals = min(6, max(0, 2 - math.floor(math.log10(abs(x)))))
    text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _pct(fraction: float, decimals: int = 1) -> str:
    return f"{fraction * 100:.{decimals}f}%"


# --- aggregating a ratio indicator ------------------------------------------------------------


def ratio_of_sums(pairs: Sequence[tuple[Decimal, Decimal]], factor: Decimal) -> Decimal:
    """A ratio indicator over several places or periods: Σ numerators ÷ Σ denominators × factor.

    Never the mean of the ratios: 1/10 and 9/30 (10% and 30%) together are 10/40 = 25%, not
    the mean 20%, because the second place is three times the size of the first. Exact
    (Decimal) arithmetic; a zero total denominator or a negative part raises CalculationError.
    """
    if not pairs:
        raise CalculationError("There is nothing to aggregate.")
    if any(n < 0 or d < 0 for n, d in pairs):
        raise CalculationError("Numerators and denominators cannot be negative.")
    numerator = sum((n for n, _ in pairs), Decimal(0))
    denominator = sum((d for _, d in pairs), Decimal(0))
    if denominator == 0:
        raise CalculationError("The denominators add up to zero, so there is no ratio.")
    return numerator * factor / denominator


def mean_of_ratios(pairs: Sequence[tuple[Decimal, Decimal]], factor: Decimal) -> Decimal:
    """The (wrong, for aggregation) unweighted mean of the ratios: shown only for contrast."""
    if not pairs or any(d == 0 for _, d in pairs):
        raise CalculationError("Every part needs a non-zero denominator.")
    return sum((n * factor / d for n, d in pairs), Decimal(0)) / len(pairs)
