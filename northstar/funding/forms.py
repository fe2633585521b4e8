"""The filters of the participant analysis pages: the same as `northstar funding`'s options
(place, --from, --to, --by, --include-withdrawn), read from a GET query string so that every
table has a URL that reproduces it. Every field is optional; a bad value is a field error."""

from __future__ import annotations

from django import forms

from northstar.core.errors import UserInputError

from . import calculations as calc
from .services import Breakdown, FundingQuery, place_for


class ParticipantFilterForm(forms.Form):
    place = forms.CharField(required=False, max_length=120)
    by = forms.ChoiceField(
        required=False,
        choices=[(value, Breakdown.LABELS[value]) for value in Breakdown.CHOICES],
        error_messages={
            "invalid_choice": "Choose how to group the table: "
            + ", ".join(Breakdown.LABELS[value].lower() for value in Breakdown.CHOICES)
            + "."
        },
    )
    include_withdrawn = forms.BooleanField(required=False)

    # The query string says `from` and `to`, as the command line does; `from` is a Python keyword,
    # so these two fields are added by name.
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = forms.CharField(required=False, max_length=20)
        self.fields["to"] = forms.CharField(required=False, max_length=20)
        self.order_fields(["place", "from", "to", "by", "include_withdrawn"])

    def clean_place(self):
        try:
            return place_for(self.cleaned_data.get("place"))
        except UserInputError as exc:
            raise forms.ValidationError(exc.message) from None

    def _year(self, name: str) -> int | None:
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            return None
        try:
            return calc.parse_financial_year(text)
        except UserInputError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_from(self):
        return self._year("from")

    def clean_to(self):
        return self._year("to")

    def clean_by(self):
        return self.cleaned_data.get("by") or Breakdown.ENTERPRISE_SIZE

    def clean(self):
        data = super().clean()
        first, last = data.get("from"), data.get("to")
        if first is not None and last is not None:
            try:
                calc.check_year_range(first, last)
            except UserInputError as exc:
                self.add_error("to", exc.message)
        return data

    def query(self) -> FundingQuery:
        """The FundingQuery of valid filters."""
        data = self.cleaned_data
        return FundingQuery(
            place=data["place"],
            first_year=data["from"],
            last_year=data["to"],
            include_withdrawn=data["include_withdrawn"],
        )

    @property
    def by_value(self) -> str:
        return self.cleaned_data["by"]
