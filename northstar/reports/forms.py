"""The form that issues a report: the draft's content hash (so what is issued is what was
reviewed) and, for a quarter already issued, the reason for a new version."""

from django import forms


class IssueForm(forms.Form):
    content = forms.CharField(widget=forms.HiddenInput, max_length=64)
    reason = forms.CharField(
        label="Why is a new version being issued?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "govuk-textarea"}),
    )

    def __init__(self, *args, reissue: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.reissue = reissue
        if not reissue:
            del self.fields["reason"]

    def clean_reason(self) -> str:
        reason = self.cleaned_data.get("reason", "").strip()
        if self.reissue and not reason:
            raise forms.ValidationError(
                "Say why a new version is being issued: it supersedes the one already issued."
            )
        return reason

    def clean(self):
        data = super().clean()
        data.setdefault("reason", "")
        return data
