"""Programmes the partnership funds, their outputs, targets, beneficiaries and quarterly claims.

Periods: quarters of the financial year (April–March), stored as the quarter's first day
(2024-04-01 is 2024-25 Q1); calculations.py turns them into labels and back. Money is Decimal £.
Only verified claims count in any total.

Programmes, their strands, funders, targets and managers keep their history (who changed what,
when) through django-simple-history; every change made on the pages goes through services.py,
which also adds one record to the programme's own history naming the operation ("Targets set"),
so `Programme.history` reads as the programme's audit trail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from northstar.assets.models import Theme
from northstar.organisations.models import Organisation, SizeClass
from northstar.places.models import Place


class ProgrammeStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    LIVE = "live", "Live"
    CLOSED = "closed", "Closed"


class Programme(models.Model):
    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, blank=True)
    slug = models.SlugField(max_length=80, unique=True)
    summary = models.TextField(blank=True)
    lead_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="led_programmes"
    )
    budget = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="£; empty when unpublished",
    )
    spend = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="£ spent to date"
    )
    spend_as_at = models.DateField(null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    theme = models.ForeignKey(Theme, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(
        max_length=10, choices=ProgrammeStatus.choices, default=ProgrammeStatus.LIVE
    )
    published = models.BooleanField(default=True, help_text="Shown to the public")
    source = models.TextField(blank=True, help_text="Where the published figures come from")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name"]
        permissions = [
            ("view_portfolio", "Can see the internal portfolio dashboard and beneficiaries"),
            ("view_all_returns", "Can see every programme's monitoring returns"),
            ("submit_any_return", "Can submit returns for any programme"),
            ("verify_claim", "Can verify or reject claims"),
            ("set_any_targets", "Can set the output targets of any programme"),
        ]

    def __str__(self) -> str:
        return self.name


class FunderContribution(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="funders")
    funder_name = models.CharField(max_length=200)
    funder = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    is_match_funding = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "is_match_funding", "funder_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "funder_name"], name="one_contribution_per_funder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.funder_name} → {self.programme}"


class Strand(models.Model):
    """A workstream of a programme (IGAP's incubator, accelerator and challenge fund)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="strands")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    description = models.TextField(blank=True)
    budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "slug"], name="one_strand_slug")
        ]

    def __str__(self) -> str:
        return f"{self.programme}: {self.name}"


class OutputKind(models.TextChoices):
    COUNT = "count", "Count"
    FTE = "fte", "Full-time equivalent"
    MONEY = "money", "Money (£)"


class OutputDefinition(models.Model):
    """A standard output. Business support is counted by intensity (see default_data/outputs.json):
    information (under 3 hours), diagnostic (3 to under 12 hours) and intensive (12 hours or
    more, the ERDF/UKSPF threshold for "enterprises receiving support"), plus businesses receiving
    financial support (grants or investment)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=40)
    kind = models.CharField(max_length=8, choices=OutputKind.choices, default=OutputKind.COUNT)
    counts_businesses = models.BooleanField(
        default=False, help_text="A claim of this output means the beneficiary was supported"
    )
    evidence_requirement = models.TextField()
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class OutputTarget(models.Model):
    """A target: the whole-life total (quarter empty) or one quarter of the profile."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="targets")
    strand = models.ForeignKey(
        Strand, null=True, blank=True, on_delete=models.CASCADE, related_name="targets"
    )
    output = models.ForeignKey(OutputDefinition, on_delete=models.PROTECT, related_name="targets")
    quarter = models.DateField(null=True, blank=True, help_text="First day of the quarter")
    quantity = models.DecimalField(max_digits=14, decimal_places=2)
    note = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "output__order", "strand", "quarter"]

    def __str__(self) -> str:
        return f"{self.programme} {self.output.code} {self.quarter or 'total'}: {self.quantity}"


class Beneficiary(models.Model):
    """An organisation a programme supports; the same organisation may be in many programmes."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="beneficiaries")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="programme_beneficiaries"
    )
    postcode = models.CharField(max_length=8, blank=True)
    place = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The borough (LAD) of its postcode",
    )
    size_class = models.CharField(
        max_length=12, choices=SizeClass.choices, default=SizeClass.UNKNOWN
    )
    sector = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["programme", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "organisation"], name="one_beneficiary_per_programme"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation.name} ({self.programme})"


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    VERIFIED = "verified", "Verified"


class MonitoringReturn(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="returns")
    quarter = models.DateField(help_text="First day of the quarter reported")
    status = models.CharField(
        max_length=10, choices=ReturnStatus.choices, default=ReturnStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField(help_text="The uploaded file, as received")

    class Meta:
        ordering = ["-quarter", "-submitted_at"]

    def __str__(self) -> str:
        return f"{self.programme} return {self.quarter:%Y-%m}"


class ClaimStatus(models.TextChoices):
    CLAIMED = "claimed", "Claimed"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"


class Claim(models.Model):
    """A quantity of an output claimed for a quarter: for a beneficiary, or (published aggregate
    figures) for the programme as a whole."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="claims")
    monitoring_return = models.ForeignKey(
        MonitoringReturn, null=True, blank=True, on_delete=models.CASCADE, related_name="claims"
    )
    line = models.PositiveIntegerField(null=True, blank=True, help_text="Row in the return file")
    beneficiary = models.ForeignKey(
        Beneficiary, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    output = models.ForeignKey(OutputDefinition, on_delete=models.PROTECT, related_name="claims")
    quarter = models.DateField(
        null=True, blank=True, help_text="Empty only for a published cumulative figure"
    )
    quantity = models.DecimalField(max_digits=14, decimal_places=2)
    evidence_reference = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.CLAIMED
    )
    rejection_reason = models.CharField(max_length=500, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["programme", "quarter", "line", "pk"]

    def __str__(self) -> str:
        return f"{self.output.code} {self.quantity} ({self.get_status_display()})"


class ProgrammeManager(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="managed_programmes"
    )
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="managers")

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "programme"], name="one_manager_assignment")
        ]

    def __str__(self) -> str:
        return f"{self.user} manages {self.programme}"
