"""The partnership's action plan: themes → workstreams → actions, with milestones and an
append-only history of dated progress updates."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models

from northstar.core.errors import UserInputError
from northstar.organisations.models import Organisation


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    BLOCKED = "blocked", "Blocked"
    CANCELLED = "cancelled", "Cancelled"


# An action in one of these states is finished with: never overdue, never at risk.
CLOSED = [Status.COMPLETED, Status.CANCELLED]


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


# RAG ratings that need a reason.
RAG_NEEDS_REASON = [Rag.RED, Rag.AMBER]


class Theme(models.Model):
    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class Workstream(models.Model):
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="workstreams")
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["theme__number", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["theme", "name"], name="workstream_unique_in_theme")
        ]

    def __str__(self) -> str:
        return f"{self.theme.number}. {self.name}"


class ActionQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=CLOSED)

    def overdue(self, today: date):
        """Due before `today` and neither completed nor cancelled."""
        return self.open().filter(due_date__lt=today)

    def at_risk(self):
        """Rated red or amber, and neither completed nor cancelled."""
        return self.open().filter(rag__in=RAG_NEEDS_REASON)

    def owned_by(self, user):
        return self.filter(owner=user) if getattr(user, "pk", None) else self.none()

    def for_display(self):
        return self.select_related("workstream__theme", "lead_organisation", "owner")


class Action(models.Model):
    workstream = models.ForeignKey(Workstream, on_delete=models.PROTECT, related_name="actions")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    lead_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="led_actions"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_actions",
    )
    partners = models.ManyToManyField(Organisation, blank=True, related_name="partner_in_actions")
    start_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    rag = models.CharField("RAG rating", max_length=5, choices=Rag.choices, default=Rag.GREEN)
    rag_reason = models.TextField("Reason for the RAG rating", blank=True)
    indicators = models.ManyToManyField("indicators.Indicator", blank=True, related_name="actions")
    programmes = models.ManyToManyField("programmes.Programme", blank=True, related_name="actions")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["workstream__theme__number", "workstream__order", "due_date", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def theme(self) -> Theme:
        return self.workstream.theme

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or date.today()
        return bool(self.due_date and self.due_date < today and not self.is_closed)


class Milestone(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    due_date = models.DateField(null=True, blank=True)
    done_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.title


class ProgressUpdate(models.Model):
    """A dated progress report on an action. Append-only: never edited, never deleted."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_updates"
    )
    date = models.DateField(default=date.today)
    text = models.TextField()
    rag = models.CharField("RAG rating", max_length=5, choices=Rag.choices)
    rag_reason = models.TextField("Reason for the RAG rating", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} — {self.date}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise UserInputError("A progress update is never changed: post a new one instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise UserInputError("A progress update is never deleted: post a new one instead.")
