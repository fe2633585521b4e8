"""The North Star tracker: indicators, their baselines, targets and observations, and the logic
model linking what programmes do to the indicators they are meant to move.

An observation is never overwritten: a correction is a new revision of the same indicator, place,
period and disaggregation, which supersedes the previous one (`is_current`), so the history of
every figure stays visible.

A ratio indicator (a percentage, a rate per 100,000…) is numerator ÷ denominator × factor; its
observations keep the numerator and denominator where known, so values can be aggregated across
places and periods correctly (sum the numerators, sum the denominators, then divide), never by
averaging ratios.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from northstar.ingest.models import Import
from northstar.places.models import Place, PlaceLevel


class Direction(models.TextChoices):
    HIGHER_IS_BETTER = "higher", "Higher is better"
    LOWER_IS_BETTER = "lower", "Lower is better"


class PathKind(models.TextChoices):
    LINEAR = "linear", "Linear (the same change each year)"
    CONSTANT_GROWTH = "constant_growth", "Constant growth (the same percentage change each year)"


class ForecastModel(models.TextChoices):
    LINEAR = "linear", "Linear least squares"
    LOG_LINEAR = "log_linear", "Log-linear least squares (constant growth)"


class Frequency(models.TextChoices):
    ANNUAL = "annual", "Annual"
    QUARTERLY = "quarterly", "Quarterly"
    OCCASIONAL = "occasional", "Occasional (survey years)"


class PeriodKind(models.TextChoices):
    CALENDAR_YEAR = "calendar_year", "Calendar year"
    FINANCIAL_YEAR = "financial_year", "Financial year (April to March)"
    QUARTER = "quarter", "Calendar quarter"


class UnitKind(models.TextChoices):
    """What kind of number a value is: used to refuse values in the wrong unit."""

    PERCENT = "percent", "Percentage (0 to 100)"
    INDEX = "index", "Index (e.g. UK = 100)"
    RATE = "rate", "Rate per N (e.g. per 100,000 residents)"
    MONEY = "money", "Money (£)"
    COUNT = "count", "Count"


class ObservationStatus(models.TextChoices):
    PROVISIONAL = "provisional", "Provisional"
    FINAL = "final", "Final"


class Origin(models.TextChoices):
    PUBLISHED = "published", "As published (default data)"
    DERIVED = "derived", "Derived from ingested statistics"
    MANUAL = "manual", "Entered by an officer"
    IMPORTED = "imported", "Imported from a file"


class Indicator(models.Model):
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    definition = models.TextField()
    unit = models.CharField(max_length=60, help_text="As shown after a value, e.g. '% of GVA'")
    unit_kind = models.CharField(max_length=12, choices=UnitKind.choices)
    # A ratio indicator: value = numerator ÷ denominator × factor (100 for %, 100,000 per 100k).
    numerator_label = models.CharField(max_length=200, blank=True)
    denominator_label = models.CharField(max_length=200, blank=True)
    factor = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(1))
    direction = models.CharField(
        max_length=8, choices=Direction.choices, default=Direction.HIGHER_IS_BETTER
    )
    geography_level = models.CharField(
        max_length=24,
        choices=PlaceLevel.choices,
        default=PlaceLevel.COMBINED_AUTHORITY,
        help_text="The level the indicator is reported for (comparators may be other levels)",
    )
    source = models.CharField(max_length=300)
    frequency = models.CharField(max_length=12, choices=Frequency.choices, default=Frequency.ANNUAL)
    period_kind = models.CharField(
        max_length=16, choices=PeriodKind.choices, default=PeriodKind.CALENDAR_YEAR
    )
    owner = models.CharField(max_length=160, blank=True, help_text="Team or person responsible")
    path_kind = models.CharField(max_length=16, choices=PathKind.choices, default=PathKind.LINEAR)
    forecast_model = models.CharField(
        max_length=12, choices=ForecastModel.choices, default=ForecastModel.LINEAR
    )
    at_risk_tolerance = models.DecimalField(
        max_digits=5,
        decimal_places=3,
        default=Decimal("0.100"),
        help_text="Status rule: within this share of the required value counts as at risk, "
        "not off track (0.1 = 10%)",
    )
    # The key of a formula in services.DERIVATIONS when values are derived from statistics.
    derivation = models.CharField(max_length=40, blank=True)
    headline = models.BooleanField(default=False, help_text="Shown on the dashboard")
    order = models.PositiveSmallIntegerField(default=100)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_ratio(self) -> bool:
        return bool(self.numerator_label and self.denominator_label)


class Baseline(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="baselines")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(max_digits=20, decimal_places=6)
    # Empty when the publisher did not say which year the value describes (not guessed).
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The year the value describes, if the source says"
    )
    period_label = models.CharField(
        max_length=80, blank=True, help_text="e.g. '2019', or 'as published late 2022'"
    )
    source = models.CharField(max_length=300)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["indicator", "place"], name="one_baseline_per_place")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.place.code} {self.year}: {self.value}"


class Target(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(max_digits=20, decimal_places=6)
    year = models.PositiveSmallIntegerField()
    basis = models.TextField(help_text="Where the target comes from and what it means")

    class Meta:
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "place", "year"], name="one_target_per_place_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.place.code} {self.value} by {self.year}"


class Comparator(models.Model):
    """A published value to compare with, where there is no series to hold it as observations:
    'England 1.4%', 'national 789', 'UK target 2.4% of GDP by 2027'."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="comparators")
    label = models.CharField(max_length=120, help_text="e.g. 'England', 'UK target (of GDP)'")
    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(max_digits=20, decimal_places=6)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    period_label = models.CharField(max_length=80, blank=True)
    source = models.CharField(max_length=300)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["indicator", "label"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "label"], name="one_comparator_per_label")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.label}: {self.value}"


class ObservationQuerySet(models.QuerySet):
    def current(self) -> ObservationQuerySet:
        return self.filter(is_current=True)

    def totals(self) -> ObservationQuerySet:
        """Whole-place values (no disaggregation)."""
        return self.filter(dimension="", category="")

    def for_places(self, places) -> ObservationQuerySet:
        return self.filter(place__in=places)

    def chronological(self) -> ObservationQuerySet:
        return self.order_by("year", "quarter")


class Observation(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="observations")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    period_kind = models.CharField(max_length=16, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(help_text="Calendar year, or a financial year's first")
    quarter = models.PositiveSmallIntegerField(default=0, help_text="1–4; 0 for a whole year")
    value = models.DecimalField(max_digits=20, decimal_places=6)
    numerator = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    denominator = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    # A disaggregation, e.g. borough = Halton, enterprise_size = SME; both empty = the total.
    dimension = models.CharField(max_length=40, blank=True)
    category = models.CharField(max_length=120, blank=True)
    status = models.CharField(
        max_length=12, choices=ObservationStatus.choices, default=ObservationStatus.FINAL
    )
    origin = models.CharField(max_length=12, choices=Origin.choices)
    source = models.CharField(max_length=300, blank=True, help_text="Publisher and release")
    source_import = models.ForeignKey(
        Import, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evidence_url = models.URLField(max_length=500, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    revision = models.PositiveSmallIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ObservationQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "place", "year", "quarter", "revision"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "indicator",
                    "place",
                    "period_kind",
                    "year",
                    "quarter",
                    "dimension",
                    "category",
                    "revision",
                ],
                name="one_observation_revision",
            ),
            models.UniqueConstraint(
                fields=[
                    "indicator",
                    "place",
                    "period_kind",
                    "year",
                    "quarter",
                    "dimension",
                    "category",
                ],
                condition=Q(is_current=True),
                name="one_current_observation",
            ),
        ]
        indexes = [models.Index(fields=["indicator", "place", "is_current"])]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.place.code} {self.period_label}: {self.value}"

    @property
    def period_label(self) -> str:
        return period_label(self.period_kind, self.year, self.quarter)

    @property
    def time(self) -> float:
        """The period as a number of years, for trends: 2021, 2021.5 for Q3…"""
        if self.period_kind == PeriodKind.QUARTER and self.quarter:
            return self.year + (self.quarter - 1) / 4
        return float(self.year)


def period_label(kind: str, year: int, quarter: int = 0) -> str:
    if kind == PeriodKind.FINANCIAL_YEAR:
        return f"{year}-{(year + 1) % 100:02d}"
    if kind == PeriodKind.QUARTER:
        return f"{year} Q{quarter}"
    return str(year)


class Stage(models.TextChoices):
    INPUT = "input", "Inputs"
    ACTIVITY = "activity", "Activities"
    OUTPUT = "output", "Outputs"
    OUTCOME = "outcome", "Outcomes"
    IMPACT = "impact", "Impacts"


class LogicModelElement(models.Model):
    """One box of the logic model: inputs → activities → outputs → outcomes → impacts.

    `programme` is the programme whose chain it belongs to; empty (with no `programme_label`) is
    the partnership as a whole. `programme_label` keeps a programme named in text that is not (or
    not yet) a Programme: the text the field held before programmes were modelled, when no
    programme had that name (migration 0002).
    """

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(
        "programmes.Programme",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="logic_model_elements",
    )
    programme_label = models.CharField(
        max_length=200,
        blank=True,
        help_text="A programme named in text that is not in the programmes list",
    )
    stage = models.CharField(max_length=10, choices=Stage.choices)
    text = models.CharField(max_length=500)
    order = models.PositiveSmallIntegerField(default=0)
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="logic_elements")
    leads_to = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="follows_from"
    )

    class Meta:
        ordering = ["place", "order", "id"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.text}"

    @property
    def programme_name(self) -> str:
        """The programme as people read it: its name, or the text label; empty = partnership."""
        return self.programme.name if self.programme_id else self.programme_label
