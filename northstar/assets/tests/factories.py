from decimal import Decimal

import factory

from northstar.assets.models import (
    Asset,
    AssetStatus,
    AssetType,
    LocationPrecision,
    OrganisationKind,
    Theme,
)
from northstar.places.models import Place, PlaceLevel


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"theme_{n}")
    name = factory.LazyAttribute(lambda t: t.code.replace("_", " ").title())
    colour = "#0072B2"
    order = factory.Sequence(int)


class BoroughFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"E0800{n:04d}")
    slug = factory.Sequence(lambda n: f"borough-{n}")
    name = factory.Sequence(lambda n: f"Borough {n}")
    level = PlaceLevel.LAD
    boundary_year = 2021
    centroid_latitude = Decimal("53.40000")
    centroid_longitude = Decimal("-2.90000")


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    number = factory.Sequence(lambda n: 10_000 + n)
    name = factory.Sequence(lambda n: f"Test asset {n}")
    theme = factory.SubFactory(ThemeFactory)
    status = AssetStatus.EXISTING
    asset_type = AssetType.RESEARCH_FACILITY
    place = factory.SubFactory(BoroughFactory)
    latitude = Decimal("53.40840")
    longitude = Decimal("-2.99160")
    location_precision = LocationPrecision.AREA
    organisation_kind = OrganisationKind.UNIVERSITY
    notes = ""
