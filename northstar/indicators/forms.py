"""The officers' form for one observation: text in, checked by services.check_observation."""

from django import forms

from northstar.places.models import Place

from .models import ObservationStatus


class ObservationForm(forms.Form):
    place = forms.ModelChoiceField(queryset=Place.objects.none(), label="Place")
    period = forms.CharField(
        label="Period",
        max_length=20,
        help_text="A year (2021), a financial year (2021-22) or a quarter (2021 Q3)",
    )
    value = forms.CharField(
        label="Value",
        max_length=40,
        required=False,
        help_text="A number in the indicator's unit, without symbols",
    )
    numerator = forms.CharField(label="Numerator (optional)", max_length=40, required=False)
    denominator = forms.CharField(label="Denominator (optional)", max_length=40, required=False)
    status = forms.ChoiceField(
        label="Status", choices=ObservationStatus.choices, initial=ObservationStatus.FINAL
    )
    evidence_url = forms.CharField(
        label="Link to the evidence",
        max_length=500,
        help_text="The publication the value comes from (https://…)",
    )
    dimension = forms.CharField(
        label="Breakdown (optional)",
        max_length=40,
        required=False,
        help_text="e.g. borough, sector, enterprise_size; empty for the whole place",
    )
    category = forms.CharField(
        label="Category (optional)", max_length=120, required=False, help_text="e.g. Halton, SME"
    )
    revision = forms.BooleanField(
        label="This is a revision of a value already recorded", required=False
    )
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea)

    def __init__(self, *args, indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.fields["place"].queryset = Place.objects.order_by("level", "name")
        self.checked = None

    def clean(self):
        from . import services

        data = super().clean()
        if self.errors:
            return data
        try:
            self.checked = services.check_observation(
                services.ObservationIn(indicator=self.indicator, **data)
            )
        except services.ObservationRefused as refused:
            for field, messages in refused.errors.items():
                for message in messages:
                    self.add_error(None if field == "__all__" else field, message)
        return data
