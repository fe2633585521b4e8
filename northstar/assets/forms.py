"""Validation of an asset, the same for the web form, the API and every row of a CSV import."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from northstar.places.models import Place, PlaceLevel
from northstar.places.services import default_place

from .models import (
    SCOPE_LABELS,
    Asset,
    AssetFilters,
    AssetStatus,
    AssetType,
    LocationPrecision,
    LocationScope,
    Theme,
)

# Positions are checked against the United Kingdom and its waters: a swapped latitude and
# longitude, or a sign lost, lands far outside and is caught.
UK_LATITUDE = (Decimal("49.5"), Decimal("61.0"))
UK_LONGITUDE = (Decimal("-9.0"), Decimal("2.5"))


def borough_places() -> list[Place]:
    region = default_place()
    qs = Place.objects.filter(level=PlaceLevel.LAD)
    if region is not None:
        qs = qs.filter(parent=region)
    return list(qs.order_by("name"))


def borough_choices(*, blank_label: str | None = None) -> list[tuple[str, str]]:
    """Borough options: the region's boroughs (by slug), then the non-borough scopes."""
    choices = [(p.slug, p.name) for p in borough_places()]
    choices += [(scope.value, label) for scope, label in SCOPE_LABELS.items()]
    if blank_label is not None:
        choices.insert(0, ("", blank_label))
    return choices


class AssetForm(forms.ModelForm):
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.all(), to_field_name="code", empty_label="Choose a theme"
    )
    borough = forms.ChoiceField(
        label="Borough or location",
        help_text="Offshore, outside the city region, or region-wide when not in one borough",
    )

    class Meta:
        model = Asset
        fields = [
            "number",
            "name",
            "display_name",
            "theme",
            "status",
            "asset_type",
            "borough",
            "latitude",
            "longitude",
            "location_precision",
            "organisation_kind",
            "notes",
        ]
        labels = {
            "number": "Register number",
            "name": "Name (as printed in the source)",
            "display_name": "Display name (optional)",
            "asset_type": "Type of asset",
            "organisation_kind": "Kind of organisation",
            "location_precision": "How precise is the position?",
        }
        help_texts = {
            "latitude": "WGS84 decimal degrees, e.g. 53.4084",
            "longitude": "WGS84 decimal degrees, e.g. -2.9916",
        }
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._places = {p.slug: p for p in borough_places()}
        self.fields["borough"].choices = borough_choices(blank_label="Choose a borough or location")
        if self.instance.pk:
            # The form names themes and boroughs by code/slug; the instance holds ids. Set for
            # bound forms too, so that has_changed() compares like with like.
            self.initial["theme"] = self.instance.theme.code
            self.initial["borough"] = (
                self.instance.place.slug if self.instance.place_id else self.instance.location_scope
            )
        for name in ("status", "asset_type", "location_precision", "organisation_kind"):
            self.fields[name].choices = [("", "Choose one"), *list(self.fields[name].choices)[1:]]

    def clean_number(self):
        number = self.cleaned_data["number"]
        if number is not None and number < 1:
            raise forms.ValidationError("Register number must be 1 or more.")
        return number

    def clean(self):
        cleaned = super().clean()
        lat, lon = cleaned.get("latitude"), cleaned.get("longitude")
        precision = cleaned.get("location_precision")
        if self.has_error("latitude") or self.has_error("longitude"):
            pass  # a value that is not a number is reported once, not again as missing
        elif (lat is None) != (lon is None):
            missing = "longitude" if lon is None else "latitude"
            self.add_error(missing, f"Enter a {missing} too, or leave both empty.")
        elif lat is not None:
            if not UK_LATITUDE[0] <= lat <= UK_LATITUDE[1]:
                self.add_error("latitude", "Latitude must be within the UK (49.5 to 61.0).")
            if not UK_LONGITUDE[0] <= lon <= UK_LONGITUDE[1]:
                self.add_error("longitude", "Longitude must be within the UK (-9.0 to 2.5).")
            if precision == LocationPrecision.NONE:
                self.add_error(
                    "location_precision", "Precision cannot be 'none' when a position is given."
                )
        elif precision in (LocationPrecision.SITE, LocationPrecision.AREA):
            self.add_error(
                "location_precision", "Give a latitude and longitude, or set precision to 'none'."
            )
        return cleaned

    def save(self, commit=True):
        asset = super().save(commit=False)
        borough = self.cleaned_data["borough"]
        if borough in self._places:
            asset.place = self._places[borough]
            asset.location_scope = LocationScope.BOROUGH
        else:
            asset.place = None
            asset.location_scope = borough
        if commit:
            asset.save()
        return asset


class AssetRowForm(AssetForm):
    """One row of the register's CSV layout: themes by code, boroughs by name with their ONS code."""

    borough_code = forms.CharField(required=False)

    def __init__(self, data, **kwargs):
        data = dict(data)
        self._borough_name = (data.get("borough") or "").strip()
        super().__init__(data, **kwargs)
        by_name = {p.name.casefold(): p.slug for p in self._places.values()}
        by_label = {label.casefold(): scope.value for scope, label in SCOPE_LABELS.items()}
        slug = by_name.get(self._borough_name.casefold()) or by_label.get(
            self._borough_name.casefold()
        )
        # The form's choice field takes slugs; the file names boroughs as people write them.
        self.data["borough"] = slug or self._borough_name

    def clean(self):
        cleaned = super().clean()
        borough = cleaned.get("borough")
        code = (cleaned.get("borough_code") or "").strip()
        if borough in self._places:
            expected = self._places[borough].code
            if code != expected:
                self.add_error(
                    "borough_code",
                    f"{self._places[borough].name} has ONS code {expected}, not {code or 'empty'}.",
                )
        elif borough and code:
            self.add_error("borough_code", f"Leave borough_code empty for {self._borough_name}.")
        return cleaned


class RetireForm(forms.Form):
    reason = forms.CharField(
        label="Why is this asset being retired?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class CsvUploadForm(forms.Form):
    file = forms.FileField(label="Upload a CSV file", help_text="In the register's own layout")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError("The file must be smaller than 20 MB.")
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("The file must be a CSV file (ending .csv).")
        return upload


class AssetFilterForm(forms.Form):
    """The list and map filters; invalid values are ignored rather than breaking a shared URL."""

    q = forms.CharField(required=False, label="Search", max_length=200)
    theme = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False)
    borough = forms.ChoiceField(required=False, label="Borough or location")
    asset_type = forms.ChoiceField(required=False, label="Type")
    include_retired = forms.BooleanField(required=False, label="Include retired assets")

    def __init__(self, *args, allow_retired: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", "All themes")] + [
            (t.code, t.name) for t in Theme.objects.all()
        ]
        self.fields["status"].choices = [("", "All statuses"), *AssetStatus.choices]
        self.fields["borough"].choices = borough_choices(blank_label="Everywhere")
        self.fields["asset_type"].choices = [("", "All types"), *AssetType.choices]
        if not allow_retired:
            del self.fields["include_retired"]

    def to_filters(self) -> AssetFilters:
        self.is_valid()
        data = self.cleaned_data  # invalid values are left out of it, so they are ignored
        return AssetFilters(
            theme=data.get("theme") or "",
            status=data.get("status") or "",
            borough=data.get("borough") or "",
            asset_type=data.get("asset_type") or "",
            q=(data.get("q") or "").strip(),
            include_retired=bool(data.get("include_retired")),
        )
