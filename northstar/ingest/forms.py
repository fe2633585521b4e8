"""The /data/ pages' forms: uploading a publisher's file, and filtering the list of imports."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms

from northstar.core.errors import UserInputError

from . import jobs
from .framework import Importer, all_importers
from .models import Import, ImportStatus


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


class UploadForm(forms.Form):
    dataset = forms.ChoiceField(
        label="Dataset",
        help_text="Which publisher's file this is. It replaces what the last import of the "
        "dataset loaded.",
        error_messages={
            "required": "Choose the dataset this file belongs to",
            "invalid_choice": "Choose one of the datasets listed",
        },
    )
    file = forms.FileField(
        label="File",
        error_messages={
            "required": "Choose a file to upload",
            "empty": "The chosen file is empty",
            "invalid": "Choose a file to upload",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.importers: dict[str, Importer] = {i.dataset: i for i in all_importers()}
        self.fields["dataset"].choices = [("", "Choose a dataset")] + [
            (i.dataset, i.title) for i in self.importers.values()
        ]
        self.max_bytes = jobs.max_upload_bytes()
        self.fields[
            "file"
        ].help_text = f"Up to {_megabytes(self.max_bytes)}, in the publisher's own layout."

    @property
    def importer(self) -> Importer:
        return self.importers[self.cleaned_data["dataset"]]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                f"The chosen file must be smaller than {_megabytes(self.max_bytes)}"
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        importer = self.importers.get(cleaned.get("dataset") or "")
        upload = cleaned.get("file")
        if importer is None:
            return cleaned
        endings = jobs.accepted_extensions(importer)
        if upload is not None and endings and not upload.name.lower().endswith(endings):
            self.add_error(
                "file",
                f"The chosen file must be a {' or '.join(e.lstrip('.').upper() for e in endings)} "
                f"file ({', '.join(endings)}) for this dataset",
            )
        try:
            jobs.check_not_busy(importer.dataset)
        except UserInputError as exc:
            self.add_error("dataset", exc.message)
        return cleaned


@dataclass(frozen=True)
class ImportFilters:
    dataset: str = ""
    status: str = ""

    def is_empty(self) -> bool:
        return not (self.dataset or self.status)


class ImportFilterForm(forms.Form):
    """The list's filters; an invalid value is ignored rather than breaking a shared URL."""

    dataset = forms.ChoiceField(required=False, label="Dataset")
    status = forms.ChoiceField(required=False, label="Status")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        known = {i.dataset for i in all_importers()}
        known |= set(Import.objects.order_by().values_list("dataset", flat=True).distinct())
        self.fields["dataset"].choices = [("", "All datasets")] + [(d, d) for d in sorted(known)]
        self.fields["status"].choices = [("", "All statuses"), *ImportStatus.choices]

    def to_filters(self) -> ImportFilters:
        self.is_valid()
        data = self.cleaned_data  # invalid values are left out, so they are ignored
        return ImportFilters(dataset=data.get("dataset") or "", status=data.get("status") or "")
