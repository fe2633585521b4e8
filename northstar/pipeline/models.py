"""The innovation project pipeline: major projects from idea to completion, their funding by
source, the history of their stage changes, and the pipeline totals as published."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models

from northstar.assets.models import Asset, Theme
from northstar.organisations.models import Organisation
from northstar.places.models import Place


class Stage(models.TextChoices):
    IDEA = "idea", "Idea"
    DEVELOPMENT = "development", "Development"
    BUSINESS_CASE = "business_case", "Business case"
    APPROVED = "approved", "Approved"
    UNDER_WAY = "under_way", "Under way"
    COMPLETE = "complete", "Complete"


STAGE_NOT_RECORDED = "Stage not recorded"


class FundingKind(models.TextChoices):
    CA = "ca", "Combined Authority"
    PUBLIC = "public", "Other public"
    PRIVATE = "private", "Private"
    OTHER = "other", "Other"


@dataclass(frozen=True)
class PipelineFilters:
    stage: str = ""  # a Stage, or "none" for projects whose stage is not recorded
    theme: str = ""  # Theme.code
    borough: str = ""  # Place.slug

    def is_empty(self) -> bool:
        return not (self.stage or self.theme or self.borough)


class PipelineProjectQuerySet(models.QuerySet):
    def filtered(self, filters: PipelineFilters) -> PipelineProjectQuerySet:
        qs = self
        if filters.stage == "none":
            qs = qs.filter(stage="")
        elif filters.stage:
            qs = qs.filter(stage=filters.stage)
        if filters.theme:
            qs = qs.filter(theme__code=filters.theme)
        if filters.borough:
            qs = qs.filter(place__slug=filters.borough)
        return qs

    def for_display(self) -> PipelineProjectQuerySet:
        return (
            self.select_related("theme", "place", "lead", "asset")
            .prefetch_related("funding", "partners")
            .order_by("name")
        )


class PipelineProject(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(blank=True)
    lead = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_pipeline_projects",
    )
    partners = models.ManyToManyField(
        Organisation, blank=True, related_name="pipeline_partnerships"
    )
    theme = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.PROTECT, related_name="pipeline_projects"
    )
    place = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pipeline_projects",
        help_text="A borough, or the city region for region-wide projects",
    )
    total_value = models.DecimalField(
        max_digits=15,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Total project value in pounds; empty when not published",
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    asset = models.ForeignKey(
        Asset,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pipeline_projects",
        help_text="The asset register entry for the same thing, if any",
    )
    source = models.TextField(blank=True, help_text="Where the published figures come from")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PipelineProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [("change_stage", "Can change the stage of a pipeline project")]

    def __str__(self) -> str:
        return self.name

    @property
    def stage_label(self) -> str:
        return self.get_stage_display() if self.stage else STAGE_NOT_RECORDED


class FundingSource(models.Model):
    project = models.ForeignKey(PipelineProject, on_delete=models.CASCADE, related_name="funding")
    source = models.CharField(
        max_length=200, help_text="Funder or fund, e.g. UKRI Strength in Places"
    )
    kind = models.CharField(max_length=10, choices=FundingKind.choices)
    amount = models.DecimalField(max_digits=15, decimal_places=2, null=True, blank=True)
    secured = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["project", "kind", "source"]

    def __str__(self) -> str:
        return f"{self.source} ({self.get_kind_display()})"


class StageChange(models.Model):
    project = models.ForeignKey(
        PipelineProject, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.project}: {self.from_label} → {self.get_to_stage_display()}"

    @property
    def from_label(self) -> str:
        return self.get_from_stage_display() if self.from_stage else STAGE_NOT_RECORDED


class PublishedFigure(models.Model):
    """A pipeline total as a source published it: a statement, not a sum of project values."""

    code = models.SlugField(max_length=60, unique=True)
    statement = models.CharField(max_length=300)
    amount = models.DecimalField(max_digits=15, decimal_places=2, null=True, blank=True)
    at_least = models.BooleanField(default=False, help_text="Published as “£…+”")
    period = models.CharField(max_length=120, blank=True)
    source = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.statement
