"""`northstar import DATASET FILE`, `northstar import --present`, `northstar import --list`."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from northstar.core.errors import UserInputError
from northstar.ingest import jobs
from northstar.ingest.framework import all_importers, get_importer, present_files, run_import
from northstar.ingest.models import Import, ImportStatus
from northstar.ingest.services import sha256_of


class Command(BaseCommand):
    help = (
        "Import a publisher's file: `northstar import DATASET FILE`. `--present` imports every "
        "dataset whose file is under NORTHSTAR_DATA_DIR (skipping files already imported); "
        "`--list` shows the datasets."
    )

    def add_arguments(self, parser):
        parser.add_argument("dataset", nargs="?")
        parser.add_argument("file", nargs="?", type=Path)
        parser.add_argument(
            "--present", action="store_true", help="every dataset found in the data folder"
        )
        parser.add_argument("--list", action="store_true", help="list the datasets and their files")
        parser.add_argument("--data-dir", type=Path, default=None)
        parser.add_argument("--user", default=None, help="username recorded as the importer")
        parser.add_argument(
            "--force", action="store_true", help="import even if this file was imported before"
        )

    def handle(self, *args, dataset, file, present, list, data_dir, user, force, **options):
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"No user called {user!r}.")
        data_dir = data_dir or settings.NORTHSTAR_DATA_DIR
        if list:
            for importer in all_importers():
                files = ", ".join(importer.default_files) or "(no default file)"
                found = "present" if present_files(importer, data_dir) else "absent"
                self.stdout.write(f"{importer.dataset:32} {found:8} {importer.title} — {files}")
            return
        if present:
            self._import_present(data_dir, account, force)
            return
        if not dataset or not file:
            raise CommandError(
                "Give a DATASET and a FILE (see `northstar import --list`), or --present."
            )
        try:
            self._import_one(get_importer(dataset), file, account, force)
        except UserInputError as exc:
            raise CommandError(shorten(exc)) from exc

    def _import_present(self, data_dir, account, force):
        failures = 0
        importers = all_importers()
        present = {i.dataset for i in importers if present_files(i, data_dir)}
        for importer in importers:
            if importer.alternative_to in present:
                self.stdout.write(
                    f"{importer.dataset}: skipped; {importer.alternative_to} holds the same figures."
                )
                continue
            files = present_files(importer, data_dir)
            if not files and importer.default_files:
                self.stdout.write(f"{importer.dataset}: not found under {data_dir}; skipped.")
            for path in files:
                try:
                    self._import_one(importer, path, account, force)
                except UserInputError as exc:
                    failures += 1
                    self.stderr.write(f"{importer.dataset}: {shorten(exc)}")
        if failures:
            raise CommandError(
                f"{failures} file(s) could not be imported; nothing of them was written."
            )

    def _import_one(self, importer, path: Path, account, force: bool):
        if not path.is_file():
            raise UserInputError(f"No such file: {path}")
        with path.open("rb") as stream:
            digest = sha256_of(stream)
        jobs.mark_lost_jobs(Import.objects.filter(dataset=importer.dataset))
        busy = Import.objects.unfinished().filter(dataset=importer.dataset).first()
        if busy and not force:
            self.stdout.write(
                f"{importer.dataset}: an import of {busy.file_name} is {busy.status}; skipped."
            )
            return
        done = Import.objects.filter(
            dataset=importer.dataset, sha256=digest, status=ImportStatus.SUCCEEDED
        ).first()
        if done and not force:
            self.stdout.write(
                f"{importer.dataset}: {path.name} already imported on {done.finished_at:%Y-%m-%d %H:%M}; skipped."
            )
            return
        columns = [
            TextColumn(f"{importer.dataset}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        ]
        with Progress(*columns, transient=True, disable=not self.stdout.isatty()) as bar:
            task = bar.add_task("rows", total=None)
            outcome = run_import(
                importer,
                path,
                user=account,
                progress=lambda n, total: bar.update(task, completed=n, total=total),
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{importer.dataset}: {path.name}: {outcome.rows_loaded} rows loaded "
                f"({outcome.rows_read} read), SHA-256 {outcome.record.sha256[:12]}…"
            )
        )


def shorten(error: UserInputError, most: int = 50) -> str:
    """The error with at most `most` of its row problems (the status page lists them all)."""
    if len(error.details) <= most:
        return str(error)
    shown = "\n".join(f"  - {d}" for d in error.details[:most])
    return f"{error.message}\n{shown}\n  … and {len(error.details) - most} more."
