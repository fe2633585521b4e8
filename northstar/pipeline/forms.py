"""Validation of pipeline projects, their funding and stage changes (web forms and the API)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from northstar.assets.models import Asset, Theme
from northstar.places.models import Place
from northstar.places.services import default_place

from .models import FundingKind, FundingSource, PipelineFilters, PipelineProject, Stage

DATE_HELP = "For example, 2023-04-01"


def place_choices(blank_label: str) -> list[tuple[str, str]]:
    region = default_place()
    choices = [("", blank_label)]
    if region is not None:
        choices.append((region.slug, f"{region.name} (region-wide)"))
        choices += [(p.slug, p.name) for p in Place.objects.boroughs_of(region)]
    return choices


class PipelineFilterForm(forms.Form):
    stage = forms.ChoiceField(required=False)
    theme = forms.ChoiceField(required=False)
    borough = forms.ChoiceField(required=False, label="Borough or area")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [
            ("", "All stages"),
            *Stage.choices,
            ("none", "Stage not recorded"),
        ]
        self.fields["theme"].choices = [("", "All themes")] + [
            (t.code, t.name) for t in Theme.objects.all()
        ]
        self.fields["borough"].choices = place_choices("All areas")

    def to_filters(self) -> PipelineFilters:
        if not self.is_valid():
            return PipelineFilters()
        return PipelineFilters(**{k: self.cleaned_data.get(k) or "" for k in self.fields})


class ProjectForm(forms.ModelForm):
    lead_name = forms.CharField(
        label="Lead organisation",
        required=False,
        max_length=300,
        help_text="Leave empty if not known",
    )
    partner_names = forms.CharField(
        label="Partners",
        required=False,
        widget=forms.Textarea,
        help_text="One organisation a line",
    )
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.all(), to_field_name="code", required=False, empty_label="No theme"
    )
    place = forms.ChoiceField(label="Borough or area", required=False)
    total_value = forms.DecimalField(
        label="Total value (£)",
        required=False,
        min_value=Decimal(0),
        max_digits=15,
        decimal_places=2,
        help_text="In pounds, for example 210000000. Leave empty if not published.",
    )
    stage = forms.ChoiceField(choices=[("", "Not recorded"), *Stage.choices], required=False)
    stage_note = forms.CharField(
        label="Why this stage", required=False, help_text="Recorded in the stage history"
    )
    start_date = forms.DateField(required=False, help_text=DATE_HELP, input_formats=["%Y-%m-%d"])
    end_date = forms.DateField(required=False, help_text=DATE_HELP, input_formats=["%Y-%m-%d"])
    asset = forms.ModelChoiceField(
        queryset=Asset.objects.order_by("number"),
        required=False,
        label="Asset register entry",
        empty_label="None",
        help_text="When the project is also an asset of the register",
    )

    class Meta:
        model = PipelineProject
        fields = [
            "name",
            "summary",
            "theme",
            "total_value",
            "stage",
            "start_date",
            "end_date",
            "asset",
            "source",
        ]

    def __init__(self, *args, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = place_choices("Not known")
        if not creating:
            # The stage changes only through "Change stage", which records the history.
            del self.fields["stage"]
            del self.fields["stage_note"]
        if self.instance.pk:
            self.initial["place"] = self.instance.place.slug if self.instance.place else ""
            self.initial["lead_name"] = self.instance.lead.name if self.instance.lead else ""
            self.initial["partner_names"] = "\n".join(o.name for o in self.instance.partners.all())
            if self.instance.theme:
                self.initial["theme"] = self.instance.theme.code

    def clean_place(self):
        slug = self.cleaned_data.get("place")
        if not slug:
            return None
        place = Place.objects.filter(slug=slug).first()
        if place is None:
            raise forms.ValidationError("Choose a borough or area from the list.")
        return place

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date must be on or after the start date.")
        return data

    def partner_list(self) -> list[str]:
        return [n for n in self.cleaned_data.get("partner_names", "").splitlines() if n.strip()]

    def save(self, commit=True):
        project = super().save(commit=False)
        project.place = self.cleaned_data.get("place")
        return project


class FundingForm(forms.ModelForm):
    kind = forms.ChoiceField(choices=[("", "Choose a kind"), *FundingKind.choices])
    amount = forms.DecimalField(
        label="Amount (£)",
        required=False,
        min_value=Decimal(0),
        max_digits=15,
        decimal_places=2,
        help_text="Leave empty if not known",
    )

    class Meta:
        model = FundingSource
        fields = ["source", "kind", "amount", "secured", "note"]
        labels = {"source": "Funder or fund", "secured": "Secured"}


class StageForm(forms.Form):
    stage = forms.ChoiceField(choices=[("", "Choose a stage"), *Stage.choices])
    note = forms.CharField(label="Why", required=False, widget=forms.Textarea)

    def __init__(self, *args, project: PipelineProject, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project

    def clean_stage(self):
        stage = self.cleaned_data["stage"]
        if stage == self.project.stage:
            raise forms.ValidationError("Choose a different stage from the current one.")
        return stage
