"""One Organisation per real organisation, across rows, years and datasets; every source record
that was merged into it is kept, so a wrong merge can be split."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone

from northstar.ingest.models import Import
from northstar.places.models import Place


class OrganisationKind(models.TextChoices):
    COMPANY = "company", "Company"
    UNIVERSITY = "university", "University or research organisation"
    NHS = "nhs", "NHS body"
    PUBLIC_BODY = "public_body", "Public body"
    CHARITY = "charity", "Charity"
    OTHER = "other", "Other"


class SizeClass(models.TextChoices):
    """Enterprise size as Innovate UK reports it; SME = micro + small + medium."""

    MICRO = "micro", "Micro"
    SMALL = "small", "Small"
    MEDIUM = "medium", "Medium"
    LARGE = "large", "Large"
    ACADEMIC = "academic", "Academic & research"
    PUBLIC_OTHER = "public_other", "Public sector, charity or other"
    UNKNOWN = "unknown", "Unknown"


SME_CLASSES = (SizeClass.MICRO, SizeClass.SMALL, SizeClass.MEDIUM)


class OrganisationQuerySet(models.QuerySet):
    def active(self):
        """Organisations not merged into another."""
        return self.filter(merged_into__isnull=True)

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            models.Q(name__icontains=text)
            | models.Q(org_id__iexact=text)
            | models.Q(company_number__iexact=text)
            | models.Q(source_records__name__icontains=text)
        ).distinct()


class Organisation(models.Model):
    # Org-id convention of UK grant open data: GB-COH-<company no.>, GB-CHC-<charity no.>,
    # GB-SC-/GB-NIC- for Scottish and Northern Irish charities, else a Northstar-minted
    # XI-NORTHSTAR-<10 hex>. A registered id never changes; a minted one is replaced, once, by the
    # registered id when the company or charity number becomes known, and stays resolvable as an
    # OrgIdAlias. An organisation merged into another keeps its row and id (merged_into is set).
    org_id = models.CharField(max_length=80, unique=True)
    name = models.CharField(max_length=300)
    normalised_name = models.CharField(max_length=300, db_index=True)
    company_number = models.CharField(max_length=8, blank=True, db_index=True)
    charity_number = models.CharField(max_length=20, blank=True)
    kind = models.CharField(
        max_length=16, choices=OrganisationKind.choices, default=OrganisationKind.OTHER
    )
    size_class = models.CharField(
        max_length=16, choices=SizeClass.choices, default=SizeClass.UNKNOWN
    )
    postcode = models.CharField(max_length=8, blank=True)
    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="organisations"
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="absorbed",
        help_text="Set when an officer (or the review queue) merged this organisation into another",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.merged_into_id is None


class OrgIdAlias(models.Model):
    """A former org-id of an organisation (a minted id replaced by its registered one), so that
    anything published with the old id still finds the organisation."""

    org_id = models.CharField(max_length=80, unique=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="aliases")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.org_id} → {self.organisation.org_id}"


@dataclass(frozen=True)
class RecordForm:
    """One way an organisation's records name it (name, dataset, company number, postcode) and
    how many records do."""

    name: str
    dataset: str
    company_number: str
    postcode: str
    records: int


class SourceRecordQuerySet(models.QuerySet):
    def forms_by_organisation(self, organisation_ids) -> dict[int, list[RecordForm]]:
        """Each organisation's distinct record forms, the commonest first: a university named
        in 2,000 participations the same way is one line, not 2,000 rows read."""
        rows = (
            self.filter(organisation_id__in=organisation_ids)
            .values("organisation_id", "name", "dataset", "company_number", "postcode")
            .annotate(records=models.Count("id"))
            .order_by("organisation_id", "-records", "name", "dataset", "postcode")
        )
        forms: dict[int, list[RecordForm]] = {}
        for row in rows:
            forms.setdefault(row.pop("organisation_id"), []).append(RecordForm(**row))
        return forms


class SourceRecord(models.Model):
    """One organisation as one dataset names it (a participant row, an asset's operator, …)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="source_records"
    )
    dataset = models.CharField(max_length=80)
    source_key = models.CharField(max_length=200, help_text="The record's key within its dataset")
    name = models.CharField(max_length=300)
    company_number = models.CharField(max_length=8, blank=True)
    charity_number = models.CharField(max_length=20, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    source_import = models.ForeignKey(Import, null=True, blank=True, on_delete=models.SET_NULL)
    # How the record came to belong to its organisation: "company_number", "charity_number",
    # "name_exact", "name_fuzzy", "new", "officer".
    matched_by = models.CharField(max_length=20, default="new")
    match_score = models.FloatField(null=True, blank=True)

    objects = SourceRecordQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "source_key"], name="one_record_per_dataset_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dataset}:{self.source_key} → {self.organisation_id}"


class MatchStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    MERGED = "merged", "Merged"
    KEPT_APART = "kept_apart", "Kept apart"


class MatchCandidate(models.Model):
    """An ambiguous pair for an officer to decide: is this record the same organisation?"""

    record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="candidates")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="candidates"
    )
    score = models.FloatField()
    status = models.CharField(
        max_length=12, choices=MatchStatus.choices, default=MatchStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True, help_text="Why it was queued")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record", "organisation"], name="one_candidate_per_pair"
            )
        ]
        ordering = ["-score", "id"]

    def __str__(self) -> str:
        return f"{self.record} ~ {self.organisation} ({self.score:.2f}, {self.status})"


class LinkEvent(models.Model):
    """The history of merges and splits: who moved which records between organisations."""

    class Action(models.TextChoices):
        MERGE = "merge", "Merge"
        SPLIT = "split", "Split"
        KEEP_APART = "keep_apart", "Kept apart"
        IDENTIFIER = "identifier", "Identifier changed"

    action = models.CharField(max_length=12, choices=Action.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="link_events"
    )
    other_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    records = models.JSONField(default=list, help_text="SourceRecord ids moved")
    reason = models.TextField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.organisation_id} at {self.at:%Y-%m-%d %H:%M}"
