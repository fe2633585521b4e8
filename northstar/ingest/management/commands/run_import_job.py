"""`northstar run_import_job ID`: run one queued import (what an upload's background job runs)."""

import signal
import sys
import threading

from django.core.management.base import BaseCommand, CommandError

from northstar.ingest import jobs
from northstar.ingest.models import Import, ImportStatus


def _stop(signum, frame):
    # SIGTERM (a restart, `kill`): unwind so that the import is rolled back and marked interrupted.
    sys.exit(128 + signum)


class Command(BaseCommand):
    help = (
        "Run one queued import (an upload from the /data/ pages) to its end. The web pages start "
        "this in the background; run it by hand only for an import still shown as queued."
    )
    requires_system_checks = []  # a job should start fast; the web process has been checked

    def add_arguments(self, parser):
        parser.add_argument("import_id", type=int)

    def handle(self, *args, import_id, **options):
        jobs.use_job_database()
        if not Import.objects.filter(pk=import_id).exists():
            raise CommandError(f"No import {import_id}.")
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _stop) if main else None
        try:
            record = jobs.run_job(import_id)
        finally:
            if main:
                signal.signal(signal.SIGTERM, previous)
        message = (
            f"Import {record.pk} ({record.dataset}, {record.file_name}): {record.status_label}"
        )
        if record.message:
            message += f". {record.message}"
        if record.status == ImportStatus.SUCCEEDED:
            self.stdout.write(self.style.SUCCESS(message))
        else:
            self.stdout.write(message)
