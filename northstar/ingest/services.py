"""Shared pieces of every importer: hashing a file and recording its provenance."""

from __future__ import annotations

import hashlib
from typing import BinaryIO

from django.utils import timezone

from .models import Import, ImportStatus


def sha256_of(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def record_import(
    *,
    dataset: str,
    publisher: str,
    file_name: str,
    sha256: str,
    rows_read: int,
    rows_loaded: int,
    rows_rejected: int,
    status: str = ImportStatus.SUCCEEDED,
    message: str = "",
    user=None,
) -> Import:
    return Import.objects.create(
        dataset=dataset,
        publisher=publisher,
        file_name=file_name,
        sha256=sha256,
        rows_read=rows_read,
        rows_loaded=rows_loaded,
        rows_rejected=rows_rejected,
        status=status,
        message=message,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        finished_at=timezone.now(),
    )
