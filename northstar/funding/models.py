"""Innovate UK funding: programmes, sectors, competitions, projects and each participant's part.

Loaded from Innovate UK's participant-level transparency data (one row per participant per
project). A Participation is one such row: the participant is linked to the one Organisation table
of the whole product, and placed in the one Place table. Money is integer pence.
"""

from __future__ import annotations

from django.db import models

from northstar.ingest.models import Import
from northstar.organisations.models import Organisation, SizeClass, SourceRecord
from northstar.places.models import Place

DATASET = "innovate-uk-funded-projects"


class Programme(models.Model):
    """An Innovate UK programme ("Programme Title"), e.g. Smart, Collaborative R&D."""

    title = models.CharField(max_length=300, unique=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Sector(models.Model):
    """Innovate UK's sector of a competition ("Sector"), e.g. Health and Life Sciences."""

    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Competition(models.Model):
    reference = models.CharField(max_length=120, unique=True)
    title = models.CharField(max_length=500, blank=True)
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="competitions"
    )

    class Meta:
        ordering = ["reference"]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}".strip()


class ProjectStatus(models.TextChoices):
    LIVE = "live", "Live"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    ON_HOLD = "on_hold", "On hold"
    OTHER = "other", "Other or not given"


class Project(models.Model):
    number = models.CharField(max_length=40, unique=True, help_text="Innovate UK project number")
    title = models.CharField(max_length=500, blank=True)
    competition = models.ForeignKey(Competition, on_delete=models.PROTECT, related_name="projects")
    sector = models.ForeignKey(
        Sector, null=True, blank=True, on_delete=models.PROTECT, related_name="projects"
    )
    status = models.CharField(
        max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.OTHER
    )
    status_label = models.CharField(max_length=80, blank=True, help_text="As published")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    # The financial year (April–March) the project started in, by its first calendar year:
    # 2021 means 2021-22.
    financial_year_start = models.PositiveSmallIntegerField(db_index=True)
    source_import = models.ForeignKey(Import, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()


class PlaceSource(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", "The published local authority"
    POSTCODE = "postcode", "The participant's postcode"
    NONE = "none", "Not placed"


class ParticipationQuerySet(models.QuerySet):
    def active(self) -> ParticipationQuerySet:
        """Participants who did not withdraw from their project."""
        return self.filter(withdrawn=False)

    def in_financial_years(
        self, first: int | None = None, last: int | None = None
    ) -> ParticipationQuerySet:
        """Participations in projects that started in financial years `first`..`last` (start
        years, inclusive; None is open-ended)."""
        qs = self
        if first is not None:
            qs = qs.filter(financial_year_start__gte=first)
        if last is not None:
            qs = qs.filter(financial_year_start__lte=last)
        return qs


class Participation(models.Model):
    """One participant in one project: a row of the published data."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="participations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="participations"
    )
    # The SourceRecord that links this participant to its organisation (and its key): when an
    # officer merges or splits organisations, the participation follows its record (signals.py).
    source_record = models.ForeignKey(
        SourceRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_key = models.CharField(max_length=200)
    participant_name = models.CharField(max_length=300, help_text="As published")
    company_number = models.CharField(max_length=8, blank=True, help_text="CRN, 8 characters")
    is_lead = models.BooleanField(default=False)
    award_offered_pence = models.BigIntegerField()
    total_costs_pence = models.BigIntegerField(null=True, blank=True)
    actual_spend_pence = models.BigIntegerField(null=True, blank=True)
    withdrawn = models.BooleanField(default=False)
    enterprise_size = models.CharField(
        max_length=16, choices=SizeClass.choices, default=SizeClass.UNKNOWN
    )
    enterprise_size_label = models.CharField(max_length=80, blank=True, help_text="As published")
    # True for micro, small and medium enterprises, and for those published only as "SME".
    is_sme = models.BooleanField(default=False)
    postcode = models.CharField(max_length=16, blank=True)
    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="participations"
    )
    place_source = models.CharField(
        max_length=16, choices=PlaceSource.choices, default=PlaceSource.NONE
    )
    region_name = models.CharField(max_length=120, blank=True, help_text="Address Region")
    lep_name = models.CharField(max_length=200, blank=True, help_text="Address LEP")
    local_authority_name = models.CharField(
        max_length=200, blank=True, help_text="Address Local Authority, as published"
    )
    # The local authority name as a lookup key ("St. Helens" and "St Helens" → "st helens").
    local_authority_key = models.CharField(max_length=200, blank=True)
    # Copied from the project, like the three below, so that totals need no joins over hundreds
    # of thousands of rows.
    financial_year_start = models.PositiveSmallIntegerField()
    # Copied from the project (its competition, that competition's programme, its sector). Only
    # the importer writes them, from the project's own keys, so the database does not check them
    # again: on PostgreSQL those three deferred checks per row were a third of an import's
    # COMMIT. The ORM still refuses to delete a competition, programme or sector in use
    # (PROTECT). Tables by programme or sector read the covering indexes, so those two columns
    # need no index of their own; a competition's page filters on its column.
    competition = models.ForeignKey(
        Competition, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    programme = models.ForeignKey(
        Programme,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    sector = models.ForeignKey(
        Sector,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    source_import = models.ForeignKey(Import, on_delete=models.PROTECT, related_name="+")
    line = models.PositiveIntegerField(help_text="Row of the participant in the imported file")

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        ordering = ["project__number", "participant_name"]
        indexes = [
            models.Index(fields=["financial_year_start"], name="funding_fy"),
            models.Index(fields=["local_authority_key"], name="funding_la_key"),
            # ITL1 regions also take participants by their published region.
            models.Index(fields=["region_name", "financial_year_start"], name="funding_region_fy"),
            # Covering indexes (every column the sums read is in the key, so SQLite and — once
            # the visibility map is set by (auto)vacuum — PostgreSQL answer from the index
            # alone): a place's or a published region's participations are spread over nearly
            # every page of the table, which is in file order. services._disjoint_parts.
            # The participants Northstar could not place, by their published region: only
            # areas without linked local authorities read them, and with the ONS boundaries
            # loaded nearly every participant is placed and this index is all but empty.
            models.Index(
                fields=[
                    "region_name",
                    "financial_year_start",
                    "withdrawn",
                    "programme",
                    "competition",
                    "sector",
                    "organisation",
                    "project",
                    "is_lead",
                    "is_sme",
                    "award_offered_pence",
                    "place",  # always empty here; SQLite needs it to read the index alone
                ],
                condition=models.Q(place__isnull=True),
                name="funding_unplaced_region_cover",
            ),
            # A place's participants, for their summary (organisations, projects, leads).
            models.Index(
                fields=[
                    "place",
                    "financial_year_start",
                    "withdrawn",
                    "organisation",
                    "project",
                    "is_lead",
                    "is_sme",
                    "award_offered_pence",
                ],
                name="funding_place_fy_summary",  # also serves place + year alone
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_name} in {self.project_id}"


class TotalOfParticipations(models.Model):
    """What every table of totals holds: participations, award offered and lead participants
    summed by financial year, withdrawal and size (and, in each table, by more)."""

    financial_year_start = models.PositiveSmallIntegerField()
    withdrawn = models.BooleanField()
    enterprise_size = models.CharField(max_length=16, choices=SizeClass.choices)
    is_sme = models.BooleanField()
    source_import = models.ForeignKey(Import, on_delete=models.PROTECT, related_name="+")
    participations = models.PositiveIntegerField()
    award_offered_pence = models.BigIntegerField()
    # Empty in rows written before this column was (a re-import fills it).
    lead_participations = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.participations} participations, {self.award_offered_pence} pence"


class ByCompetition(models.Model):
    """A total's competition, programme and sector (copied from the projects)."""

    competition = models.ForeignKey(Competition, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sector = models.ForeignKey(
        Sector, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


class ParticipationTotal(TotalOfParticipations, ByCompetition):
    """Participations and award summed by everything the analysis groups or filters by, written
    with the participations at each import: a place's totals by programme, competition or sector
    read these rows (by place and year) instead of its participations."""

    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["financial_year_start"], name="funding_total_fy"),
            # Covering: a place's totals by programme, competition or sector from the index.
            models.Index(
                fields=[
                    "place",
                    "financial_year_start",
                    "withdrawn",
                    "programme",
                    "competition",
                    "sector",
                    "participations",
                    "award_offered_pence",
                ],
                name="funding_total_place_cover",
            ),
        ]


class ParticipationNationalTotal(TotalOfParticipations, ByCompetition):
    """ParticipationTotal without the place: for the tables of every participant (all places)
    by programme, competition or sector, and every participant's summary."""


class ParticipationAreaTotal(TotalOfParticipations):
    """Participations and award summed by place and by the publisher's own geography (its local
    authority and region names), year, withdrawal and size: few rows, for the breakdowns by
    size, year and local authority of any area, including those only the published names
    describe."""

    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    local_authority_key = models.CharField(max_length=200, blank=True)
    local_authority_name = models.CharField(max_length=200, blank=True)
    region_name = models.CharField(max_length=120, blank=True)


class GapCounted(models.TextChoices):
    ORGANISATIONS = "organisations", "Organisations"
    PROJECTS = "projects", "Projects"


class DistinctYearGap(models.Model):
    """How many organisations (or projects) have each kind of gap between their financial years
    with a participation, written at each import: the count of distinct organisations over any
    range of years, for every participant, comes from these few hundred rows instead of from
    every participation (calculations.count_within)."""

    counted = models.CharField(max_length=16, choices=GapCounted.choices)
    include_withdrawn = models.BooleanField(
        help_text="Years of every participation, or only of those not withdrawn"
    )
    after_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The last year with a participation before the gap"
    )
    before_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The first year with a participation after the gap"
    )
    records = models.PositiveIntegerField()
    source_import = models.ForeignKey(Import, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.records} {self.counted} between {self.after_year} and {self.before_year}"
