"""Published statistics by place and period: GVA, GDP, population, business R&D, employment,
Innovate UK and UKRI funding aggregates. One table of values, each tied to its measure, place,
period, (optional) industry, and the Import it came from."""

from __future__ import annotations

from django.db import models

from northstar.ingest.models import Import
from northstar.places.models import Place


class PeriodKind(models.TextChoices):
    CALENDAR_YEAR = "calendar_year", "Calendar year"
    FINANCIAL_YEAR = "financial_year", "Financial year (April to March)"


class Measure(models.Model):
    """What a number is, e.g. 'GVA (balanced), current basic prices, £ million'."""

    code = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=60, help_text="e.g. '£ million', 'persons', '£'")
    description = models.TextField(blank=True)
    source = models.CharField(max_length=255, help_text="Publisher and release")

    # The fields the vocabulary (measures.py) words; refresh_measures() keeps them to it.
    WORDING_FIELDS = ("name", "unit", "description", "source")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class StatisticQuerySet(models.QuerySet):
    def of(self, measure_code: str) -> StatisticQuerySet:
        return self.filter(measure__code=measure_code)

    def totals(self) -> StatisticQuerySet:
        """All-industry values (rows without an industry breakdown)."""
        return self.filter(industry_code="")

    def for_place(self, place: Place) -> StatisticQuerySet:
        return self.filter(place=place)


class Statistic(models.Model):
    # No index of their own: the unique constraint (measure first) and the (place, measure)
    # index serve every lookup by either, and each extra index slows every import's writes.
    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, related_name="values", db_index=False
    )
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="statistics", db_index=False
    )
    period_kind = models.CharField(
        max_length=16, choices=PeriodKind.choices, default=PeriodKind.CALENDAR_YEAR
    )
    year = models.PositiveSmallIntegerField(
        help_text="Calendar year, or the first year of a financial year"
    )
    industry_code = models.CharField(
        max_length=20, blank=True, help_text="SIC 2007 code; empty = all industries"
    )
    industry_name = models.CharField(max_length=200, blank=True)
    # Empty when the publisher suppressed the cell ([c], .., x): kept so a gap is known, not guessed.
    value = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    suppressed = models.BooleanField(default=False)
    source_import = models.ForeignKey(Import, on_delete=models.PROTECT, related_name="statistics")

    objects = StatisticQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "place", "period_kind", "year", "industry_code"],
                name="one_value_per_measure_place_period_industry",
            )
        ]
        indexes = [
            models.Index(fields=["measure", "year"]),
            models.Index(fields=["place", "measure"]),
        ]

    def __str__(self) -> str:
        return f"{self.measure.code} {self.place.code} {self.year}: {self.value}"

    @property
    def period_label(self) -> str:
        if self.period_kind == PeriodKind.FINANCIAL_YEAR:
            return f"{self.year}-{(self.year + 1) % 100:02d}"
        return str(self.year)
