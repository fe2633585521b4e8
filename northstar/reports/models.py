"""The quarterly Innovation Board report. A draft is built on demand from the live data and never
stored; issuing it stores an immutable `Report`: the snapshot of every figure it showed (plain
JSON), the PDF as rendered, and the SHA-256 of each. Later changes to the data never alter an
issued report; the pages and the PDF of an issued report come from its snapshot alone.

One issued report per quarter and place; issuing the same quarter again (with a reason) makes a
new version that supersedes the one before, which stays as it was.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from northstar.core.errors import UserInputError
from northstar.places.models import Place

from .calculations import Quarter


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"


class ReportImmutable(UserInputError):
    """An issued report was asked to change: it never does."""


class ReportQuerySet(models.QuerySet):
    def issued(self) -> ReportQuerySet:
        return self.filter(status=ReportStatus.ISSUED)

    def for_place(self, place: Place) -> ReportQuerySet:
        return self.filter(place=place)

    def current_versions(self) -> ReportQuerySet:
        """Issued reports not superseded by a later version of the same quarter."""
        return self.issued().filter(superseded_by__isnull=True)

    def latest_issued_up_to(self, place: Place, quarter_start) -> Report | None:
        """The last report issued for the place for this quarter or an earlier one: what a new
        draft is compared with."""
        return (
            self.issued()
            .for_place(place)
            .filter(quarter__lte=quarter_start)
            .order_by("-quarter", "-version")
            .first()
        )

    def update(self, **kwargs):
        raise ReportImmutable("An issued report is never changed: issue a new version instead.")

    def delete(self):
        raise ReportImmutable("An issued report is never deleted.")


class Report(models.Model):
    quarter = models.DateField(help_text="First day of the financial-year quarter reported")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=8, choices=ReportStatus.choices, default=ReportStatus.ISSUED
    )
    version = models.PositiveSmallIntegerField(default=1)
    snapshot = models.JSONField(help_text="Every figure the report showed, as plain JSON")
    snapshot_sha256 = models.CharField(max_length=64)
    pdf = models.BinaryField(help_text="The PDF as issued")
    pdf_sha256 = models.CharField(max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_by_name = models.CharField(max_length=200, blank=True)
    issued_at = models.DateTimeField(null=True)
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        help_text="The earlier version of the same quarter this one replaces",
    )
    compared_with = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The issued report its 'what changed' section compares with",
    )
    reason = models.TextField(blank=True, help_text="Why a new version was issued")

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-quarter", "-version"]
        permissions = [("issue_report", "Can issue the quarterly board report")]
        constraints = [
            models.UniqueConstraint(
                fields=["quarter", "place", "version"], name="one_report_per_quarter_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quarter_obj.short_label} {self.place.name} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None or self._state.adding is False:
            raise ReportImmutable("An issued report is never changed: issue a new version instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ReportImmutable("An issued report is never deleted.")

    @property
    def quarter_obj(self) -> Quarter:
        return Quarter(self.quarter)

    @property
    def is_current_version(self) -> bool:
        return not Report.objects.filter(supersedes=self).exists()
