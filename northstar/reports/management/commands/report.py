"""northstar report draft | issue | list | export: the quarterly board report on the command line.

    northstar report draft --quarter 2026-27-Q3 [--place CODE] [--pdf out.pdf] [--json out.json]
    northstar report issue --quarter 2026-27-Q3 --user NAME [--reason TEXT] [--place CODE]
    northstar report list [--place CODE]
    northstar report export ID [--pdf out.pdf] [--json out.json]

Thin: everything is in northstar/reports/services.py. A bad quarter, place or user is a
readable error (CommandError), not a traceback.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from northstar.core.errors import UserInputError
from northstar.reports import calculations as calc
from northstar.reports import rendering, services
from northstar.reports.models import Report


class Command(BaseCommand):
    help = "The quarterly Innovation Board report: draft (text, PDF), issue, list, export."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        draft = sub.add_parser("draft", help="Build the draft for a quarter and summarise it")
        issue = sub.add_parser("issue", help="Issue (freeze) the report for a quarter")
        for p in (draft, issue):
            p.add_argument("--quarter", default="", help="e.g. 2026-27-Q3 (default: this one)")
            p.add_argument("--place", default="", help="place code or slug (default: the default)")
        draft.add_argument("--pdf", type=Path, help="write the draft PDF here")
        draft.add_argument("--json", type=Path, help="write the draft's snapshot (JSON) here")
        issue.add_argument("--user", required=True, help="the officer issuing it (username)")
        issue.add_argument("--reason", default="", help="why, when the quarter was issued before")
        listing = sub.add_parser("list", help="List the issued reports")
        listing.add_argument("--place", default="")
        export = sub.add_parser("export", help="Write an issued report's PDF or snapshot")
        export.add_argument("id", type=int)
        export.add_argument("--pdf", type=Path)
        export.add_argument("--json", type=Path)

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except (UserInputError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None

    def _draft(self, *, quarter, place, pdf=None, json=None, **_):
        started = time.perf_counter()
        data = services.build_report(
            services.quarter_from_text(quarter), services.place_from_text(place)
        )
        snapshot = data.to_snapshot()
        self.stdout.write(f"{snapshot['title']} — DRAFT")
        self.stdout.write(f"{data.quarter.label}, {data.place.name}")
        self.stdout.write(
            f"Built {snapshot['generated_on']}; content hash {calc.content_hash(snapshot)}"
        )
        for section in snapshot["sections"]:
            self.stdout.write("")
            self.stdout.write(f"{section['number']}. {section['title']} ({section['as_of_label']})")
            for f in section["key_figures"]:
                if f["shown"]:
                    detail = f" — {f['detail']}" if f["detail"] else ""
                    self.stdout.write(f"   {f['label']}: {f['value']}{detail}")
            for e in section.get("exceptions", []):
                self.stdout.write(f"   EXCEPTION {e['title']}: {e['why']}; {e['reason']}")
        if data.compared_with is not None:
            changes = snapshot["changes"]
            self.stdout.write("")
            self.stdout.write(
                f"Since the report issued for {data.compared_with.quarter_obj.short_label} "
                f"(version {data.compared_with.version}): {len(changes['figures'])} figures, "
                f"{len(changes['statuses'])} indicator statuses, {len(changes['rag'])} RAG "
                f"ratings changed; {len(changes['new_exceptions'])} new exceptions."
            )
        if pdf:
            pdf.write_bytes(rendering.render_pdf(snapshot))
            self.stdout.write(f"PDF written to {pdf}")
        if json:
            json.write_bytes(calc.canonical_json(snapshot))
            self.stdout.write(f"Snapshot written to {json}")
        self.stdout.write(f"({time.perf_counter() - started:.1f} s)")

    def _issue(self, *, quarter, place, user, reason="", **_):
        User = get_user_model()
        person = User.objects.filter(username=user).first()
        if person is None:
            raise CommandError(f"No user {user!r}.")
        report = services.issue_report(
            services.quarter_from_text(quarter),
            person,
            place=services.place_from_text(place),
            reason=reason,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Issued report {report.pk}: {report.quarter_obj.label}, {report.place.name}, "
                f"version {report.version}."
            )
        )
        self.stdout.write(f"PDF SHA-256 {report.pdf_sha256}")
        self.stdout.write(f"Snapshot SHA-256 {report.snapshot_sha256}")

    def _list(self, *, place="", **_):
        reports = services.issued_reports(services.place_from_text(place) if place else None)
        reports = list(reports.order_by("-quarter", "-version"))
        if not reports:
            self.stdout.write("No report has been issued yet.")
        for r in reports:
            self.stdout.write(
                f"{r.pk:>4}  {r.quarter_obj.short_label}  v{r.version}  {r.place.name}  issued "
                f"{r.issued_at:%Y-%m-%d %H:%M} by {r.issued_by_name}  PDF {r.pdf_sha256[:12]}…"
            )

    def _export(self, *, id, pdf=None, json=None, **_):
        try:
            report = services.get_issued(id)
        except Report.DoesNotExist:
            raise CommandError(f"No issued report {id}.") from None
        if not (pdf or json):
            raise CommandError("Say where to write it: --pdf FILE and/or --json FILE.")
        if pdf:
            pdf.write_bytes(bytes(report.pdf))
            self.stdout.write(f"PDF written to {pdf} (SHA-256 {report.pdf_sha256})")
        if json:
            json.write_bytes(calc.canonical_json(report.snapshot))
            self.stdout.write(f"Snapshot written to {json} (SHA-256 {report.snapshot_sha256})")
