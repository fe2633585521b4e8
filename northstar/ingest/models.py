"""Provenance of every file loaded: which file (by SHA-256), from whom, when, by whom, and how it went."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    REJECTED = "rejected", "Rejected (nothing written)"
    FAILED = "failed", "Failed (nothing written)"


UNFINISHED = (ImportStatus.QUEUED, ImportStatus.RUNNING)


class ImportQuerySet(models.QuerySet):
    def filtered(self, *, dataset: str = "", status: str = "") -> ImportQuerySet:
        """The /data/ list's filters; empty means any."""
        qs = self
        if dataset:
            qs = qs.filter(dataset=dataset)
        if status:
            qs = qs.filter(status=status)
        return qs

    def unfinished(self) -> ImportQuerySet:
        return self.filter(status__in=UNFINISHED)

    def succeeded_file(self, dataset: str, sha256: str) -> ImportQuerySet:
        """Successful imports of exactly this file (by SHA-256) into this dataset."""
        return self.filter(dataset=dataset, sha256=sha256, status=ImportStatus.SUCCEEDED)


class Import(models.Model):
    dataset = models.CharField(max_length=80, help_text="What was loaded, e.g. 'asset-register'")
    publisher = models.CharField(max_length=160, blank=True)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows_read = models.PositiveIntegerField(default=0)
    rows_loaded = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.RUNNING
    )
    message = models.TextField(blank=True)
    # Progress of a running import, for the status page and the command line.
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    # An uploaded file waiting for (or being read by) a background import.
    upload_path = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The background job reading a queued upload (northstar.ingest.jobs): which process on which
    # machine, and that process's start time as the OS reports it (a reused process id differs).
    job_pid = models.PositiveIntegerField(null=True, blank=True)
    job_host = models.CharField(max_length=255, blank=True)
    job_process_start = models.CharField(max_length=40, blank=True)
    # Set with status FAILED when the job's process stopped before finishing (e.g. a restart).
    interrupted = models.BooleanField(default=False)

    objects = ImportQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.dataset}: {self.file_name} ({self.sha256[:12]})"

    @property
    def is_finished(self) -> bool:
        return self.status not in UNFINISHED

    @property
    def status_label(self) -> str:
        if self.status == ImportStatus.FAILED and self.interrupted:
            return "Failed (interrupted)"
        return self.get_status_display()

    @property
    def percent_done(self) -> int | None:
        if not self.rows_total:
            return None
        return min(100, round(100 * self.rows_done / self.rows_total))


class ImportRowError(models.Model):
    """One bad row of a rejected import, kept so the status page can list them all."""

    source_import = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField()
    column = models.CharField(max_length=120, blank=True)
    reason = models.TextField()

    class Meta:
        ordering = ["line", "id"]

    def __str__(self) -> str:
        return (
            f"line {self.line}"
            + (f", column {self.column}" if self.column else "")
            + f": {self.reason}"
        )
