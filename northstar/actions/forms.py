"""Forms of the action plan. Validation of the plan's rules lives in services; the forms parse."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from northstar.indicators.models import Indicator
from northstar.programmes.models import Programme

from .models import Action, Rag
from .services import rag_errors

DATE_HELP = "For example, 2025-03-31"
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class ActionForm(forms.ModelForm):
    lead_name = forms.CharField(
        label="Lead organisation",
        required=False,
        max_length=300,
        help_text="The organisation leading the action",
    )
    partner_names = forms.CharField(
        label="Partners",
        required=False,
        widget=forms.Textarea,
        help_text="One organisation a line",
    )
    start_date = forms.DateField(
        label="Start date", required=False, help_text=DATE_HELP, input_formats=DATE_FORMATS
    )
    due_date = forms.DateField(
        label="Due date", required=False, help_text=DATE_HELP, input_formats=DATE_FORMATS
    )
    indicators = forms.ModelMultipleChoiceField(
        queryset=Indicator.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Indicators it serves",
    )
    programmes = forms.ModelMultipleChoiceField(
        queryset=Programme.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Programmes it serves",
    )

    class Meta:
        model = Action
        fields = [
            "workstream",
            "title",
            "description",
            "owner",
            "start_date",
            "due_date",
            "status",
            "rag",
            "rag_reason",
        ]
        labels = {"rag": "RAG rating", "rag_reason": "Reason for the RAG rating"}
        help_texts = {"rag_reason": "Needed for red and amber"}

    def __init__(self, *args, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["owner"].queryset = users
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["workstream"].label_from_instance = str
        if not creating:
            # After creation the RAG rating changes only through progress updates (with history).
            del self.fields["rag"]
            del self.fields["rag_reason"]
        if self.instance.pk:
            lead = self.instance.lead_organisation
            self.initial.setdefault("lead_name", lead.name if lead else "")
            self.initial.setdefault(
                "partner_names", "\n".join(p.name for p in self.instance.partners.all())
            )
            self.initial.setdefault("indicators", list(self.instance.indicators.all()))
            self.initial.setdefault("programmes", list(self.instance.programmes.all()))

    def clean(self):
        data = super().clean()
        if "rag" in self.fields and data.get("rag"):
            for name, errors in rag_errors(data["rag"], data.get("rag_reason", "")).items():
                self.add_error(name, errors)
        start, due = data.get("start_date"), data.get("due_date")
        if start and due and due < start:
            self.add_error("due_date", "The due date must be on or after the start date.")
        return data

    def partner_list(self) -> list[str]:
        text = self.cleaned_data.get("partner_names") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class UpdateForm(forms.Form):
    text = forms.CharField(
        label="Progress", widget=forms.Textarea, help_text="What has happened since the last update"
    )
    rag = forms.ChoiceField(label="RAG rating", choices=Rag.choices)
    rag_reason = forms.CharField(
        label="Reason for the RAG rating",
        required=False,
        widget=forms.Textarea,
        help_text="Needed for red and amber",
    )


class MilestoneForm(forms.Form):
    title = forms.CharField(label="Milestone", max_length=200)
    due_date = forms.DateField(
        label="Due date", required=False, help_text=DATE_HELP, input_formats=DATE_FORMATS
    )
