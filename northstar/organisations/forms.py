"""Forms of the organisation pages: GOV.UK-style error messages, validation only."""

from __future__ import annotations

from django import forms


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("merge", "Merge"), ("keep_apart", "Keep apart")],
        error_messages={
            "required": "Choose Merge or Keep apart",
            "invalid_choice": "Choose Merge or Keep apart",
        },
    )

    @property
    def merge(self) -> bool:
        return self.cleaned_data["decision"] == "merge"


class Checkboxes(forms.CheckboxSelectMultiple):
    """Checkboxes whose field links (from the error summary) to the first box, as GOV.UK asks."""

    def id_for_label(self, id_, index=None):
        return forms.widgets.ChoiceWidget.id_for_label(self, id_, "0" if index is None else index)


class SplitForm(forms.Form):
    records = forms.MultipleChoiceField(
        label="Records to split off",
        widget=Checkboxes,
        error_messages={
            "required": "Select the records that belong to a different organisation",
            "invalid_choice": "Select records of this organisation",
        },
    )
    reason = forms.CharField(
        label="Why are these records a different organisation?",
        help_text="For example: a different company number, or a different university.",
        max_length=1000,
        widget=forms.Textarea,
        error_messages={"required": "Enter why these records are a different organisation"},
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["records"].choices = [
            (str(pk), name)
            for pk, name in organisation.source_records.order_by("pk").values_list("pk", "name")
        ]


class SearchForm(forms.Form):
    q = forms.CharField(label="Name, org-id or company number", required=False, max_length=200)
