"""`northstar mark_lost_imports`: imports whose background job stopped are marked interrupted."""

from django.core.management.base import BaseCommand

from northstar.ingest import jobs


class Command(BaseCommand):
    help = (
        "Mark as 'failed (interrupted)' every queued or running import whose background job is "
        "no longer running (the /data/ pages do the same whenever they are shown). Safe to run "
        "from cron, e.g. after a restart."
    )

    def handle(self, *args, **options):
        marked = jobs.mark_lost_jobs()
        self.stdout.write(f"{marked} import(s) marked as interrupted.")
