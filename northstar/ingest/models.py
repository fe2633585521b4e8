"""Provenance of every file loaded: which file (by SHA-256), from whom, when, by whom, and how it went."""

from django.conf import settings
from django.db import models


class ImportStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    REJECTED = "rejected", "Rejected (nothing written)"
    FAILED = "failed", "Failed (nothing written)"


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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.dataset}: {self.file_name} ({self.sha256[:12]})"
