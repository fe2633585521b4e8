"""One Place table for every geography. Codes are keys; names are labels."""

from django.db import models


class PlaceLevel(models.TextChoices):
    UK = "uk", "United Kingdom"
    ITL1 = "itl1", "ITL1 region"
    ITL2 = "itl2", "ITL2 region"
    ITL3 = "itl3", "ITL3 region"
    COMBINED_AUTHORITY = "combined_authority", "Combined authority / city region"
    LAD = "lad", "Local authority district"


class PlaceQuerySet(models.QuerySet):
    def boroughs_of(self, place: "Place") -> "PlaceQuerySet":
        """The local authorities that make up a city region, in name order."""
        return self.filter(parent=place, level=PlaceLevel.LAD).order_by("name")

    def with_boundary(self) -> "PlaceQuerySet":
        return self.exclude(boundary_geojson="")


class Place(models.Model):
    code = models.CharField(max_length=16, unique=True, help_text="ONS GSS code, e.g. E08000012")
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    level = models.CharField(max_length=24, choices=PlaceLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    boundary_year = models.PositiveSmallIntegerField(help_text="Year of the code's boundary set")
    # A representative point (WGS84), from the publisher's centroid or the boundary.
    centroid_latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    centroid_longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    # GeoJSON geometry in WGS84, as text: kept whole so pages can serve it without re-encoding.
    boundary_geojson = models.TextField(blank=True)
    boundary_source = models.CharField(max_length=255, blank=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_boundary(self) -> bool:
        return bool(self.boundary_geojson)
