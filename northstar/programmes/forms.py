from django import forms

from . import calculations as calc


class ReturnUploadForm(forms.Form):
    quarter = forms.CharField(
        label="Quarter reported",
        help_text="The financial-year quarter, for example 2024-25 Q1 (April to June 2024)",
        max_length=12,
    )
    file = forms.FileField(label="Completed return (.xlsx)", help_text="The filled-in template")

    def clean_quarter(self):
        try:
            return calc.parse_quarter(self.cleaned_data["quarter"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
