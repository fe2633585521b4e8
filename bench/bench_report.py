"""Benchmark of generating the quarterly board report (northstar/reports): the draft's data, its
charts as SVG, and the PDF, on the default data and on a large dataset.

For each database (a fresh SQLite file and/or the fresh PostgreSQL database `reports_bench`):

1. **Default data**, as the README's first command loads it: `migrate`, `load_default_data`,
   `import --present` (every public file under NORTHSTAR_DATA_DIR), `indicators derive`.
2. **Times the report** in a new process (so the first run is *cold*: Django's first queries,
   the Vega-Lite compiler's start and WeasyPrint's fonts, as the first request to a fresh worker
   pays them), then `--repeat` more runs (*warm*). Each run: `build_report` (every section's
   figures from the other apps' services) + the snapshot; the charts rendered to SVG
   (vl-convert; a fresh cache each run); the PDF (WeasyPrint). Also one `issue_report` (build,
   PDF, store with hashes), and the SQL queries a build makes.
3. **Large data**: the register topped up to `--assets` (10,000) with synthetic assets
   (deterministic seed; every theme, 88 % in a borough with coordinates in the city region's
   box) and `--participants` (50,000) synthetic Innovate UK participations in the published
   layout (bench_participants.py's generator) imported with `run_import`, as `northstar import`
   does; then step 2 again.

Targets (from the issue): under 10 s for the default data, under 30 s with 10,000 assets and
50,000 funding rows; judged on the cold run (build + charts + PDF). Figures go to
docs/PERFORMANCE.md ("Board report"); the JSON to bench/results/<date>-report.json.

    .venv/bin/python bench/bench_report.py [--database sqlite|postgres|both] [--repeat 3]
                                           [--assets 10000] [--participants 50000]

Only 127.0.0.1 (PostgreSQL) is contacted; files go to var/bench/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import random
import resource
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_DIR))
sys.path.insert(0, str(REPO_DIR / "bench"))
PYTHON = sys.executable
VAR_DIR = REPO_DIR / "var" / "bench"
RESULTS_DIR = REPO_DIR / "bench" / "results"
SQLITE_FILE = VAR_DIR / "northstar-bench-report.sqlite3"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = "reports_bench"
SEED = 20261122
TARGET_DEFAULT_S = 10.0
TARGET_LARGE_S = 30.0
CHILD_TIMEOUT_S = 3600


# --------------------------------------------------------------------------------------------
# Child processes (inside Django, on the bench database).
# --------------------------------------------------------------------------------------------


def _django():
    import django

    django.setup()


def child_default() -> dict:
    """The README's first command's data: migrate, default data, public files, indicators."""
    _django()
    from django.core.management import call_command

    timings = {}
    for label, args in (
        ("migrate", ["migrate", "--noinput", "--verbosity", "0"]),
        ("load_default_data", ["load_default_data"]),
        ("import --present", ["import", "--present"]),
        ("indicators derive", ["indicators", "derive"]),
    ):
        t = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command(*args, stdout=quiet)
        timings[label] = round(time.perf_counter() - t, 1)
    return {"setup_s": timings, **_counts()}


def _counts() -> dict:
    from northstar.assets.models import Asset
    from northstar.funding.models import Participation
    from northstar.ingest.models import Import

    return {
        "assets": Asset.objects.active().count(),
        "participations": Participation.objects.count(),
        "imports": Import.objects.filter(status="succeeded").count(),
    }


def child_large(assets: int, participants_csv: str) -> dict:
    """Top the register up to `assets` and import the synthetic participant file."""
    _django()
    from northstar.assets.models import (
        Asset,
        AssetStatus,
        AssetType,
        LocationPrecision,
        LocationScope,
        OrganisationKind,
        Theme,
    )
    from northstar.funding.models import DATASET
    from northstar.ingest.framework import run_import
    from northstar.places.models import Place
    from northstar.places.services import default_place

    rng = random.Random(SEED)
    themes = list(Theme.objects.order_by("code"))
    boroughs = list(Place.objects.boroughs_of(default_place()))
    next_number = Asset.objects.order_by("-number").values_list("number", flat=True).first() or 0
    t = time.perf_counter()
    batch = []
    for i in range(max(0, assets - Asset.objects.count())):
        scope = rng.choices(
            [
                LocationScope.BOROUGH,
                LocationScope.REGION_WIDE,
                LocationScope.OUTSIDE,
                LocationScope.OFFSHORE,
            ],
            [88, 5, 4, 3],
        )[0]
        positioned = scope != LocationScope.REGION_WIDE and rng.random() < 0.85
        batch.append(
            Asset(
                number=next_number + i + 1,
                name=f"Synthetic asset {next_number + i + 1}",
                theme=rng.choice(themes),
                status=AssetStatus.EXISTING if rng.random() < 0.75 else AssetStatus.PIPELINE,
                asset_type=rng.choice(AssetType.values),
                place=rng.choice(boroughs) if scope == LocationScope.BOROUGH else None,
                location_scope=scope,
                latitude=round(rng.uniform(53.30, 53.65), 5) if positioned else None,
                longitude=round(rng.uniform(-3.20, -2.55), 5) if positioned else None,
                location_precision=LocationPrecision.AREA if positioned else LocationPrecision.NONE,
                organisation_kind=rng.choice(OrganisationKind.values),
            )
        )
    Asset.objects.bulk_create(batch, batch_size=2000)
    assets_s = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    run_import(DATASET, Path(participants_csv))
    import_s = round(time.perf_counter() - t, 1)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does soon after such a load
    return {"setup_s": {"assets top-up": assets_s, "participants import": import_s}, **_counts()}


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child_time(repeat: int) -> dict:
    """Cold run, then `repeat` warm runs of build + charts + PDF; one issue; the queries."""
    _django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from northstar.accounts.roles import Role
    from northstar.accounts.services import create_user
    from northstar.reports import calculations as calc
    from northstar.reports import charts, rendering, services

    runs = []
    for _ in range(1 + repeat):
        charts._SVG_CACHE.clear()  # every run draws its charts
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            snapshot = services.build_report().to_snapshot()
        t1 = time.perf_counter()
        html = rendering.pdf_html(snapshot)  # the charts as SVG, then the template
        t2 = time.perf_counter()
        from weasyprint import HTML

        pdf = HTML(string=html, url_fetcher=rendering._no_fetching).write_pdf()
        t3 = time.perf_counter()
        runs.append(
            {
                "build_s": round(t1 - t0, 2),
                "charts_html_s": round(t2 - t1, 2),
                "pdf_s": round(t3 - t2, 2),
                "total_s": round(t3 - t0, 2),
                "queries": len(queries.captured_queries),
            }
        )
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    User = get_user_model()
    officer = User.objects.filter(username="bench-officer").first() or create_user(
        "bench-officer", secrets.token_urlsafe(24), role=Role.OFFICER
    )
    quarter = services.current_quarter()
    from northstar.reports.models import Report

    version = Report.objects.filter(quarter=quarter.start).count()
    t = time.perf_counter()
    report = services.issue_report(quarter, officer, reason="benchmark run" if version else "")
    issue_s = round(time.perf_counter() - t, 2)
    charts_in_report = sum(len(s["charts"]) for s in snapshot["sections"])
    warm = runs[1:] or runs
    return {
        "cold": runs[0],
        "warm_total_s": {
            "p50": round(statistics.median(r["total_s"] for r in warm), 2),
            "max": round(max(r["total_s"] for r in warm), 2),
        },
        "warm_runs": warm,
        "issue_s": issue_s,
        "issued_version": report.version,
        "pages": pages,
        "pdf_kb": round(len(pdf) / 1024),
        "snapshot_kb": round(len(calc.canonical_json(snapshot)) / 1024),
        "charts": charts_in_report,
        "map_points": next(s for s in snapshot["sections"] if s["key"] == "assets")["map"]["drawn"],
        "peak_rss_mb": _peak_rss_mb(),
        **_counts(),
    }


# --------------------------------------------------------------------------------------------
# The parent: databases, children, results.
# --------------------------------------------------------------------------------------------


def bench_env(database: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "northstar.settings.deploy",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "NORTHSTAR_HTTPS": "0",
            "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{PG_DATABASE}"
            if database == "postgres"
            else f"sqlite:///{SQLITE_FILE}",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def fresh_database(database: str) -> None:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DATABASE}")


def run_child(database: str, *args: str) -> dict:
    """A child process on the database; the JSON of its last line of output."""
    done = subprocess.run(
        [PYTHON, __file__, "child", *args],
        env=bench_env(database),
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-5000:] + done.stderr[-10000:] + "\n")
        raise RuntimeError(f"child {args[0]} on {database} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine_info() -> dict:
    import vl_convert
    import weasyprint

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "weasyprint": weasyprint.__version__,
        "vl_convert": getattr(vl_convert, "__version__", "?"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def verdict(seconds: float, target: float) -> str:
    return f"{seconds:.1f} s {'✓' if seconds < target else '✗'}"


def markdown(results: dict) -> str:
    lines = [
        "| Database | Data | Cold: build / charts / PDF | Cold total | Warm total p50 (max) "
        "| Issue | Pages | Queries | Peak RSS |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for database, r in results["databases"].items():
        for label, target in (("default", TARGET_DEFAULT_S), ("large", TARGET_LARGE_S)):
            t = r.get(f"{label}_time")
            if not t:
                continue
            c = t["cold"]
            data = (
                f"default ({t['assets']:,} assets, {t['participations']:,} participations)"
                if label == "default"
                else f"{t['assets']:,} assets, {t['participations']:,} participations"
            )
            lines.append(
                f"| {database} | {data} | {c['build_s']:.1f} / {c['charts_html_s']:.1f} / "
                f"{c['pdf_s']:.1f} s | {verdict(c['total_s'], target)} | "
                f"{t['warm_total_s']['p50']:.1f} s ({t['warm_total_s']['max']:.1f} s) | "
                f"{t['issue_s']:.1f} s | {t['pages']} | {c['queries']} | "
                f"{t['peak_rss_mb']:.0f} MB |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "child":
        kind = argv[1]
        if kind == "default":
            out = child_default()
        elif kind == "large":
            out = child_large(int(argv[2]), argv[3])
        else:
            out = child_time(int(argv[2]))
        print(json.dumps(out))
        return 0

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3, help="warm runs after the cold one")
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--participants", type=int, default=50_000)
    parser.add_argument("--default-only", action="store_true", help="skip the large data")
    args = parser.parse_args(argv)

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "date": dt.date.today().isoformat(),
        "machine": machine_info(),
        "repeat": args.repeat,
        "databases": {},
    }
    csv_path = VAR_DIR / f"iuk-participants-{args.participants}.csv"
    if not args.default_only and not csv_path.exists():
        from bench_participants import write_csv  # the same synthetic published layout

        write_csv(csv_path, args.participants)
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    for database in databases:
        fresh_database(database)
        r: dict = {"default_setup": run_child(database, "default")}
        print(f"{database} default data: {r['default_setup']}", flush=True)
        r["default_time"] = run_child(database, "time", str(args.repeat))
        print(f"{database} report, default data: {r['default_time']}", flush=True)
        if not args.default_only:
            r["large_setup"] = run_child(database, "large", str(args.assets), str(csv_path))
            print(f"{database} large data: {r['large_setup']}", flush=True)
            r["large_time"] = run_child(database, "time", str(args.repeat))
            print(f"{database} report, large data: {r['large_time']}", flush=True)
        results["databases"][database] = r
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    table = markdown(results)
    print("\n" + table)
    out = RESULTS_DIR / f"{results['date']}-report.json"
    out.write_text(json.dumps({**results, "markdown": table}, indent=2), encoding="utf-8")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
