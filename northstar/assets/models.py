"""The register of innovation assets: research facilities, hospitals, company R&D, science parks…"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Count, Q
from simple_history.models import HistoricalRecords

from northstar.ingest.models import Import
from northstar.places.models import Place


class Theme(models.Model):
    """A theme of the register. Data, not code: another place loads its own themes."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    colour = models.CharField(max_length=7, help_text="Map colour, #RRGGBB")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class AssetStatus(models.TextChoices):
    EXISTING = "existing", "Existing"
    PIPELINE = "pipeline", "Pipeline"


class AssetType(models.TextChoices):
    RESEARCH_FACILITY = "research_facility", "Research facility"
    UNIVERSITY_DEPARTMENT = "university_department", "University department"
    HOSPITAL = "hospital", "Hospital"
    COMPANY_RD = "company_rd", "Company R&D or manufacturing"
    COMPANY_HQ = "company_hq", "Company headquarters"
    INNOVATION_CENTRE = "innovation_centre", "Innovation centre"
    SCIENCE_PARK = "science_park", "Science park"
    CLUSTER_NETWORK = "cluster_network", "Cluster or network"
    INFRASTRUCTURE = "infrastructure", "Infrastructure"
    ENERGY_PROJECT = "energy_project", "Energy project"
    SPORTS_CULTURE = "sports_culture", "Sports or culture"
    PROGRAMME = "programme", "Programme"


class LocationScope(models.TextChoices):
    """Where an asset is, when it is not simply inside one borough."""

    BOROUGH = "borough", "In a borough"
    OFFSHORE = "offshore", "Offshore"
    OUTSIDE = "outside", "Outside the city region"
    REGION_WIDE = "region_wide", "Region-wide"


# The register file's spelling of each scope in its `borough` column.
SCOPE_LABELS = {
    LocationScope.OFFSHORE: "Offshore",
    LocationScope.OUTSIDE: "Outside LCR",
    LocationScope.REGION_WIDE: "Region-wide",
}


class LocationPrecision(models.TextChoices):
    SITE = "site", "Site (well known)"
    AREA = "area", "Area (district or campus)"
    NONE = "none", "None (no coordinates)"


class OrganisationKind(models.TextChoices):
    UNIVERSITY = "university", "University"
    NHS = "nhs", "NHS"
    COMPANY = "company", "Company"
    PUBLIC_BODY = "public_body", "Public body"
    CONSORTIUM = "consortium", "Consortium"
    SPORTS_CLUB = "sports_club", "Sports club"
    OTHER = "other", "Other"


@dataclass(frozen=True)
class AssetFilters:
    """The filters a user can apply to the register, from a page's query string or the API."""

    theme: str = ""  # Theme.code
    status: str = ""  # AssetStatus
    borough: str = ""  # a Place slug, or a LocationScope other than "borough"
    asset_type: str = ""  # AssetType
    q: str = ""  # free text over name, display name and notes
    include_retired: bool = False

    def is_empty(self) -> bool:
        return not (self.theme or self.status or self.borough or self.asset_type or self.q)


class AssetQuerySet(models.QuerySet):
    def active(self) -> AssetQuerySet:
        return self.filter(retired_at__isnull=True)

    def retired(self) -> AssetQuerySet:
        return self.filter(retired_at__isnull=False)

    def existing(self) -> AssetQuerySet:
        return self.filter(status=AssetStatus.EXISTING)

    def pipeline(self) -> AssetQuerySet:
        return self.filter(status=AssetStatus.PIPELINE)

    def visible_to(self, user) -> AssetQuerySet:
        """Retired assets are internal: only roles with `view_retired_asset` see them."""
        if user is not None and user.has_perm("assets.view_retired_asset"):
            return self.all()
        return self.active()

    def filtered(self, filters: AssetFilters) -> AssetQuerySet:
        qs = self
        if not filters.include_retired:
            qs = qs.active()
        if filters.theme:
            qs = qs.filter(theme__code=filters.theme)
        if filters.status:
            qs = qs.filter(status=filters.status)
        if filters.asset_type:
            qs = qs.filter(asset_type=filters.asset_type)
        if filters.borough:
            if filters.borough in LocationScope.values:
                qs = qs.filter(location_scope=filters.borough)
            else:
                qs = qs.filter(place__slug=filters.borough)
        if filters.q:
            for word in filters.q.split():
                qs = qs.filter(
                    Q(name__icontains=word)
                    | Q(display_name__icontains=word)
                    | Q(notes__icontains=word)
                )
        return qs

    def for_display(self) -> AssetQuerySet:
        return self.select_related("theme", "place").order_by("number")

    def counts_by_theme(self) -> list[dict]:
        return list(
            self.values("theme__code", "theme__name", "theme__colour", "theme__order")
            .annotate(count=Count("id"))
            .order_by("theme__order")
        )

    def counts_by_borough(self) -> list[dict]:
        rows = (
            self.values("place__slug", "place__name", "location_scope")
            .annotate(count=Count("id"))
            .order_by("location_scope", "place__name")
        )
        return [
            {
                "key": r["place__slug"] or r["location_scope"],
                "label": r["place__name"] or SCOPE_LABELS[r["location_scope"]],
                "count": r["count"],
            }
            for r in rows
        ]


DISPLAY_NAME_PATTERN = re.compile(r"(?:^|;)\s*display:\s*([^;]+)")


class Asset(models.Model):
    number = models.PositiveIntegerField(unique=True, help_text="Register number (map key)")
    name = models.CharField(max_length=200, help_text="Name as printed in the source")
    display_name = models.CharField(
        max_length=200, blank=True, help_text="Corrected name, where the printed one is wrong"
    )
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="assets")
    status = models.CharField(max_length=16, choices=AssetStatus.choices)
    asset_type = models.CharField(max_length=32, choices=AssetType.choices)
    place = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assets",
        help_text="The borough the asset is in (empty when offshore, outside or region-wide)",
    )
    location_scope = models.CharField(
        max_length=16, choices=LocationScope.choices, default=LocationScope.BOROUGH
    )
    latitude = models.DecimalField(max_digits=7, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    location_precision = models.CharField(max_length=8, choices=LocationPrecision.choices)
    organisation_kind = models.CharField(max_length=16, choices=OrganisationKind.choices)
    notes = models.TextField(blank=True)

    retired_at = models.DateTimeField(null=True, blank=True)
    retired_reason = models.TextField(blank=True)

    # Provenance: the import that last wrote this row, or empty when an officer entered it.
    source_import = models.ForeignKey(
        Import, null=True, blank=True, on_delete=models.SET_NULL, related_name="assets"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = AssetQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        permissions = [
            ("retire_asset", "Can retire or reinstate an asset"),
            ("import_assets", "Can bulk-import assets from a CSV file"),
            ("view_retired_asset", "Can see retired assets"),
            ("view_asset_history", "Can see who changed an asset"),
        ]
        indexes = [
            models.Index(fields=["theme", "status"]),
            models.Index(fields=["retired_at", "number"]),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def save(self, *args, **kwargs):
        if not self.display_name:
            match = DISPLAY_NAME_PATTERN.search(self.notes or "")
            if match:
                self.display_name = match.group(1).strip()[:200]
        super().save(*args, **kwargs)

    @property
    def title(self) -> str:
        return self.display_name or self.name

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    @property
    def borough_label(self) -> str:
        if self.place_id:
            return self.place.name
        return SCOPE_LABELS.get(self.location_scope, LocationScope(self.location_scope).label)

    @property
    def has_own_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def map_position(self, region: Place | None = None) -> tuple[Decimal, Decimal] | None:
        """Where to draw the asset: its own point, else its borough's or the region's centre."""
        if self.has_own_position:
            return self.latitude, self.longitude
        for place in (self.place, region):
            if place is not None and place.centroid_latitude is not None:
                return place.centroid_latitude, place.centroid_longitude
        return None
