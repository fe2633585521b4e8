"""One Place table for every geography. Codes are keys; names are labels."""

from django.db import models


class PlaceLevel(models.TextChoices):
    UK = "uk", "United Kingdom"
    COUNTRY = "country", "Country (England, Wales, Scotland, Northern Ireland)"
    ITL1 = "itl1", "ITL1 region"
    ITL2 = "itl2", "ITL2 region"
    ITL3 = "itl3", "ITL3 region"
    COMBINED_AUTHORITY = "combined_authority", "Combined authority / city region"
    LAD = "lad", "Local authority district"


# The parent level of each statistical level: an ITL3 area sits in an ITL2 area, and so on.
PARENT_LEVEL = {
    PlaceLevel.ITL3: PlaceLevel.ITL2,
    PlaceLevel.ITL2: PlaceLevel.ITL1,
    PlaceLevel.ITL1: PlaceLevel.UK,
}


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
    # A local authority's statistical area, beside `parent` (its combined authority, if any):
    # the ITL3 area its ONS centroid lies in. Empty for every other level.
    itl3 = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lads",
        limit_choices_to={"level": PlaceLevel.ITL3},
        help_text="For a local authority district: the ITL3 area it lies in",
    )
    # The code of a statistical area covering exactly the same ground, whose published figures
    # describe this place: the Liverpool City Region is ITL2 TLD7 Merseyside (the same six
    # boroughs). A code, not a link, so places load in any order.
    same_area_code = models.CharField(max_length=16, blank=True)
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
    def statistical_area(self) -> "Place":
        """The place whose published statistics describe this one (itself, usually)."""
        if self.same_area_code:
            return Place.objects.filter(code=self.same_area_code).first() or self
        return self

    @property
    def has_boundary(self) -> bool:
        return bool(self.boundary_geojson)

    @property
    def statistical_parent(self) -> "Place | None":
        """The next area up the ITL hierarchy: a LAD's ITL3, an ITL3's ITL2, ... the UK."""
        if self.level == PlaceLevel.LAD:
            return self.itl3
        if self.level == PlaceLevel.COMBINED_AUTHORITY:
            return None
        return self.parent

    def hierarchy(self) -> list["Place"]:
        """This place and the areas above it: LAD → combined authority → ITL3 → ITL2 → ITL1 → UK.

        A local authority's combined authority (its `parent`) is listed before its ITL3, though a
        combined authority is not inside one ITL3: the two are parallel groupings of whole LADs.
        """
        chain: list[Place] = [self]
        if self.level == PlaceLevel.LAD and self.parent_id:
            chain.append(self.parent)
        step = self.statistical_parent
        while step is not None and step not in chain:
            chain.append(step)
            step = step.statistical_parent
        return chain


class CodeScheme(models.TextChoices):
    """Other codes for the same area, so older files line up with today's places."""

    NUTS2016 = "nuts2016", "NUTS 2016 (e.g. UKD7 = ITL TLD7)"
    GSS = "gss", "ONS GSS code"
    LEP = "lep", "Local enterprise partnership (ONS E37 code)"
    NAME = "name", "Name as a publisher writes it"


class PlaceCode(models.Model):
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="other_codes")
    scheme = models.CharField(max_length=16, choices=CodeScheme.choices)
    code = models.CharField(max_length=120)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="one_place_per_scheme_code")
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.code} → {self.place.code}"


class LadMethod(models.TextChoices):
    """How a postcode was given its local authority."""

    BOUNDARY = "boundary", "Inside the LAD boundary"
    NEAREST = "nearest", "Nearest LAD boundary (the point is outside every generalised boundary)"
    DISTRICT = "district", "Majority LAD of its postcode district (no point, or no boundaries)"
    UNPLACED = "unplaced", "Not placed"


class Postcode(models.Model):
    """One postcode's published centroid and the local authority it lies in."""

    code = models.CharField(
        max_length=7, primary_key=True, help_text="Upper case, no spaces: WA101AA, L10AA"
    )
    published = models.CharField(max_length=8, help_text="As the publisher wrote it: 'L1 0AA'")
    area = models.CharField(max_length=2, db_index=True, help_text="Postcode area: L, WA")
    district = models.CharField(max_length=4, db_index=True, help_text="Outward code: WA10")
    # WGS84; empty for a terminated postcode published without a grid reference.
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    lad = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="postcodes",
        limit_choices_to={"level": PlaceLevel.LAD},
    )
    lad_method = models.CharField(
        max_length=16, choices=LadMethod.choices, default=LadMethod.UNPLACED
    )
    source_import = models.ForeignKey(
        "ingest.Import", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.formatted

    @property
    def formatted(self) -> str:
        """The usual written form: outward code, a space, inward code ('WA10 1AA')."""
        return f"{self.code[:-3]} {self.code[-3:]}"

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class PostcodeDistrict(models.Model):
    """How a postcode district's postcodes divide between local authorities (derived table)."""

    district = models.CharField(max_length=4, db_index=True, help_text="Outward code: CH41")
    lad = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        related_name="postcode_districts",
        limit_choices_to={"level": PlaceLevel.LAD},
    )
    postcodes = models.PositiveIntegerField(help_text="Postcodes of the district in this LAD")
    share = models.DecimalField(max_digits=5, decimal_places=4, help_text="0–1")
    is_majority = models.BooleanField(default=False)
    source_import = models.ForeignKey(
        "ingest.Import", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["district", "-share"]
        constraints = [
            models.UniqueConstraint(fields=["district", "lad"], name="one_row_per_district_lad"),
            models.UniqueConstraint(
                fields=["district"],
                condition=models.Q(is_majority=True),
                name="one_majority_lad_per_district",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district} → {self.lad.code} ({self.share})"
