"""Benchmark of importing the publishers' real files, beside DuckDB's plain read of each, and of
the analysis queries over what they load.

For each database (SQLite file var/bench/ingest.sqlite3 and/or PostgreSQL database
`northstar_bench_ingest`, each built fresh: migrate, load_default_data) it walks every file
`northstar import --present` would import, in the importers' order (geography, then the regional
GDP workbook, then the statistics that name its areas). The files that matter by size are each
imported alone and timed; the others are imported in between, untimed, as prerequisites:

- ons_gva/itl3_gva_by_industry_current_prices.csv.gz: the most rows stored (274,944 values);
- ons_boundaries/International_Territorial_Level_3_January_2021_UK_BUC.geojson: the most bytes;
- ons_gva/regionalgrossdomesticproductgdpallitlregions.xlsx: the regional GDP workbook;
- ons_postcodes_nspl/postcodes_L.csv.gz: the largest postcode file (43,982 rows).

Each timed import is `northstar import DATASET FILE --force` in its own process (deploy settings,
DEBUG off), its wall time from start to exit and its peak RSS (ru_maxrss of that process, from
os.wait4). In the same run, each file's floor is read in its own process the same way: DuckDB
`select count(*) from read_csv_auto(path)` (CSV, gzip or not) or `read_json_auto(path)`
(GeoJSON); for the workbook DuckDB's excel extension cannot be installed here (no network), so
its floor is openpyxl's read-only pass over every cell of every sheet. The Django start-up (an
empty `northstar import --list`) is timed separately, so the ratio can be read with and without
it. A second, in-process re-import of each file (`run_import`, as the command calls it, so it
also deletes what the first wrote) splits the time into reading and validating the file, and
writing it (on PostgreSQL the deferred foreign-key checks run at the commit: "rest").

Every child runs as an installed deployment would, with compiled bytecode: the shared venv has
none and this environment sets PYTHONDONTWRITEBYTECODE, so the children keep theirs under
var/bench/pycache (PYTHONPYCACHEPREFIX), warmed before anything is timed. --no-bytecode-cache
runs them as the environment is (each start then compiles Django, Polars… again: ~0.7 s more).

Then the analysis the economy pages run, in process (django.setup(), deploy settings) over the
loaded data: each service of northstar/economy/services.py the pages call, a ranking of every
ITL3 area, location quotients over the ITL3 GVA-by-industry values, and the three pages
themselves through Django's test client (no network), each called --repeat times after a
warm-up (each stops early after 8 s of calls); p50/p95/max and the SQL statements of one call.
On PostgreSQL it first runs ANALYZE (what autovacuum does within a minute of such a load).

Targets (issue 3): import ≤ 3× the floor and ≤ 1.5 GB peak RSS; analysis p95 ≤ 100 ms.
It prints Markdown tables and writes bench/results/<date>-ingest.json (git-ignored).

    .venv/bin/python bench/bench_ingest.py [--database sqlite|postgres|both] [--repeat 50]
                                           [--no-bytecode-cache] [--output FILE]

Only 127.0.0.1 (PostgreSQL) is contacted. It DROPS AND RECREATES the database
`northstar_bench_ingest`; besides that it writes only var/bench/ and bench/results/. Every child
process has a time limit (4 minutes; it is killed after); the whole run takes about 2–4 minutes
on 2 cores. It needs the data files under NORTHSTAR_DATA_DIR; a timed file that is absent is
left out of the tables.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common
from _common import PYTHON, REPO_DIR, RESULTS_DIR, VAR_DIR, percentile, rss_mib

NORTHSTAR = str(Path(PYTHON).parent / "northstar")
SQLITE_FILE = VAR_DIR / "ingest.sqlite3"
PYCACHE_DIR = VAR_DIR / "pycache"
PG_DATABASE = "northstar_bench_ingest"

TARGET_FLOOR_RATIO = 3.0
TARGET_RSS_MIB = 1536.0  # 1.5 GB
TARGET_P95_MS = 100.0

# The files timed (relative to NORTHSTAR_DATA_DIR), why each, and how its floor reads it.
TIMED_FILES = {
    "ons_gva/itl3_gva_by_industry_current_prices.csv.gz": (
        "most rows stored",
        "csv",
    ),
    "ons_boundaries/International_Territorial_Level_3_January_2021_UK_BUC.geojson": (
        "most bytes",
        "geojson",
    ),
    "ons_gva/regionalgrossdomesticproductgdpallitlregions.xlsx": (
        "regional GDP workbook",
        "xlsx",
    ),
    "ons_postcodes_nspl/postcodes_L.csv.gz": (
        "largest postcode file",
        "csv",
    ),
}
CHILD_TIMEOUT_S = 240.0
STARTUP_RUNS = 3
FLOOR_RUNS = 3
QUERY_MAX_SECONDS = 8.0  # per analysis query: it stops after this many seconds of calls
WARMUP_CALLS = 3
LOADED = re.compile(r"(\d+) rows loaded \((\d+) read\)")


# --------------------------------------------------------------------------------------------
# Child processes (each started by the parent with the database in its environment).
# --------------------------------------------------------------------------------------------


def _django():
    sys.path.insert(0, str(REPO_DIR))
    import django

    django.setup()


def child_setup() -> dict:
    t = time.perf_counter()
    _django()
    from django.core.management import call_command
    from django.db import connection

    from northstar.core.services import load_default_data

    out: dict = {"django_setup_s": round(time.perf_counter() - t, 3)}
    t = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    out["migrate_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    out["default_data"] = list(load_default_data())
    out["load_default_data_s"] = round(time.perf_counter() - t, 2)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("select sqlite_version()")
        out["db_version_full"] = cursor.fetchone()[0]
    out["db_version"] = out["db_version_full"].split()[0]
    out["db_vendor"] = connection.vendor
    return out


def child_warm() -> dict:
    """Import every module the timed processes use, so that their bytecode is cached first."""
    t = time.perf_counter()
    _django()
    import duckdb  # noqa: F401
    import openpyxl  # noqa: F401
    import polars  # noqa: F401
    import pyproj  # noqa: F401
    import rich.progress  # noqa: F401
    import shapely  # noqa: F401
    from django.core.management import call_command
    from django.test import Client  # noqa: F401

    from northstar.ingest.framework import all_importers

    all_importers()
    call_command("check", verbosity=0)
    return {"seconds": round(time.perf_counter() - t, 2)}


def child_plan() -> dict:
    """Every (dataset, file) `northstar import --present` would import, in its order."""
    _django()
    from django.conf import settings

    from northstar.ingest.framework import all_importers, present_files

    data_dir = Path(settings.NORTHSTAR_DATA_DIR)
    importers = all_importers()
    present = {i.dataset for i in importers if present_files(i, data_dir)}
    steps, skipped = [], []
    for importer in importers:
        if importer.alternative_to in present:
            skipped.append(importer.dataset)
            continue
        for path in present_files(importer, data_dir):
            steps.append(
                {
                    "dataset": importer.dataset,
                    "order": importer.order,
                    "path": str(path),
                    "relative": str(path.relative_to(data_dir)),
                    "bytes": path.stat().st_size,
                }
            )
    return {"data_dir": str(data_dir), "steps": steps, "skipped_alternatives": skipped}


def child_prerequisites(steps_json: str) -> dict:
    """Import the given (dataset, path) pairs in order, untimed in detail (prerequisites)."""
    _django()
    from io import StringIO

    from django.core.management import call_command

    done = []
    for dataset, path in json.loads(steps_json):
        out = StringIO()
        t = time.perf_counter()
        call_command("import", dataset, path, force=True, stdout=out, stderr=out)
        match = LOADED.search(out.getvalue())
        done.append(
            {
                "dataset": dataset,
                "file": Path(path).name,
                "seconds": round(time.perf_counter() - t, 2),
                "rows_loaded": int(match[1]) if match else None,
            }
        )
    return {"imports": done}


def child_floor(kind: str, path: str) -> dict:
    """The plain read of a file, timed inside this process (the process itself is timed too)."""
    t0 = time.perf_counter()
    if kind == "xlsx":
        from openpyxl import load_workbook

        t_import = time.perf_counter() - t0
        t = time.perf_counter()
        workbook = load_workbook(path, read_only=True, data_only=True)
        rows = cells = 0
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()  # as the importer: every stored cell, not the stated size
            for row in sheet.iter_rows(values_only=True):
                rows += 1
                cells += sum(1 for c in row if c is not None)
        workbook.close()
        return {
            "reader": "openpyxl read-only, every cell of every sheet",
            "rows": rows,
            "cells": cells,
            "library_import_s": round(t_import, 4),
            "read_s": round(time.perf_counter() - t, 4),
            "peak_rss_mib_self": rss_mib(),
        }
    import duckdb

    t_import = time.perf_counter() - t0
    function = "read_json_auto" if kind == "geojson" else "read_csv_auto"
    sql = f"select count(*) from {function}(?)"
    t = time.perf_counter()
    connection = duckdb.connect()
    rows = connection.execute(sql, [path]).fetchone()[0]
    read_s = time.perf_counter() - t
    connection.close()
    return {
        "reader": f"DuckDB {duckdb.__version__}: select count(*) from {function}(path)",
        "rows": rows,
        "library_import_s": round(t_import, 4),
        "read_s": round(read_s, 4),
        "peak_rss_mib_self": rss_mib(),
    }


def child_python_read(kind: str, path: str) -> dict:
    """For reference: what the Python standard library alone takes to read the file."""
    import csv
    import gzip
    import io

    t = time.perf_counter()
    if kind == "geojson":
        features = len(json.loads(Path(path).read_bytes())["features"])
        rows = features
    elif kind == "csv":
        with open(path, "rb") as f:
            compressed = f.read(2) == b"\x1f\x8b"
        opener = gzip.open if compressed else open
        with opener(path, "rb") as binary, io.TextIOWrapper(binary, encoding="utf-8-sig") as text:
            rows = sum(1 for _ in csv.DictReader(text))
    else:
        return {}
    return {
        "rows": rows,
        "read_s": round(time.perf_counter() - t, 4),
        "peak_rss_mib_self": rss_mib(),
    }


def child_phases(dataset: str, path: str) -> dict:
    """Re-import the file in process with `run_import`, timing its phases and memory."""
    t0 = time.perf_counter()
    _django()
    from django.db import connection

    from northstar.ingest.framework import get_importer, run_import

    out: dict = {"django_setup_s": round(time.perf_counter() - t0, 3), "rss_mib": {}}
    out["rss_mib"]["after_setup"] = rss_mib()
    importer = get_importer(dataset)
    prepare, write = importer.prepare, importer.write
    times: dict[str, float] = {}

    def timed_prepare(*args, **kwargs):
        t = time.perf_counter()
        try:
            return prepare(*args, **kwargs)
        finally:
            times["read_validate_s"] = time.perf_counter() - t
            out["rss_mib"]["after_read_validate"] = rss_mib()

    def timed_write(*args, **kwargs):
        t = time.perf_counter()
        try:
            return write(*args, **kwargs)
        finally:
            times["write_s"] = time.perf_counter() - t

    importer.prepare, importer.write = timed_prepare, timed_write
    t = time.perf_counter()
    outcome = run_import(importer, path)
    total = time.perf_counter() - t
    out["rss_mib"]["peak"] = rss_mib()
    out.update({k: round(v, 3) for k, v in times.items()})
    out["run_import_s"] = round(total, 3)
    # Hashing the file, the Import record, the transaction's commit.
    out["rest_s"] = round(total - sum(times.values()), 3)
    out["rows_read"] = outcome.rows_read
    out["rows_loaded"] = outcome.rows_loaded
    out["db_vendor"] = connection.vendor
    return out


def _analysis_cases():
    """(name, what it is, callable) for each analysis timed; all read the loaded data."""
    from django.test import Client

    from northstar.economy import calculations as calc
    from northstar.economy import services as s
    from northstar.economy.models import Statistic
    from northstar.places.models import Place, PlaceLevel

    place = s.find_place("")
    itl3 = "gva_by_industry_current_prices_gbp_million"
    sections = list("ABCDEFGHIJKLMNOPQRST")
    liverpool = Place.objects.get(code="TLD72")
    latest = (
        Statistic.objects.of(itl3)
        .filter(place=liverpool)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )

    def itl3_industry_lq():
        """Location quotients of Liverpool's GVA by SIC section against the sum over every ITL3
        area, latest year: the shape of a sector-structure page over the ITL3 industry file."""
        rows = (
            Statistic.objects.of(itl3)
            .filter(year=latest, place__level=PlaceLevel.ITL3, industry_code__in=sections)
            .values_list("place_id", "industry_code", "value")
        )
        region, national = {}, {}
        for place_id, code, value in rows:
            if place_id == liverpool.pk:
                region[code] = value
            if value is not None:
                national[code] = national.get(code, 0) + value
        return calc.location_quotients(region, national)

    def itl3_industry_series():
        """Every industry and year of one ITL3 area (1,536 values)."""
        return list(
            Statistic.objects.of(itl3)
            .filter(place=liverpool)
            .values_list("industry_code", "year", "value")
        )

    client = Client(HTTP_HOST="127.0.0.1")

    def page(url):
        def get():
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}")
            return response

        return get

    return [
        ("find_place", "find_place('') (the default place)", lambda: s.find_place("")),
        ("gva_summary", "gva_summary(LCR): overview figures", lambda: s.gva_summary(place)),
        ("berd_summary", "berd_summary(LCR)", lambda: s.berd_summary(place)),
        (
            "sector_structure_section",
            "sector_structure(LCR, section): shares and LQs (BRES)",
            lambda: s.sector_structure(place, "section"),
        ),
        (
            "sector_structure_division",
            "sector_structure(LCR, division): shares and LQs (BRES)",
            lambda: s.sector_structure(place, "division"),
        ),
        (
            "funding_summary",
            "funding_summary(LCR, Innovate UK)",
            lambda: s.funding_summary(place, s.IUK),
        ),
        (
            "series_gva_per_head",
            "series(LCR, GVA per head)",
            lambda: s.series(place, s.metric(s.GVA, s.Per.HEAD)),
        ),
        (
            "compare_itl3_gva_per_head",
            "compare(GVA per head, every ITL3 area, latest year)",
            lambda: s.compare(s.metric(s.GVA, s.Per.HEAD), PlaceLevel.ITL3, None, place),
        ),
        (
            "compare_itl2_iuk_per_head",
            "compare(Innovate UK per head, every ITL2 area, latest year)",
            lambda: s.compare(s.metric(s.IUK, s.Per.HEAD), PlaceLevel.ITL2, None, place),
        ),
        (
            "itl3_industry_lq",
            f"LQs of GVA by SIC section, TLD72 vs all ITL3 areas, {latest} (bench's own query)",
            itl3_industry_lq,
        ),
        (
            "itl3_industry_series",
            "GVA by industry, every industry and year of TLD72 (bench's own query)",
            itl3_industry_series,
        ),
        (
            "page_home",
            "GET / (overview: North Star and key figures; whole page, test client)",
            page("/"),
        ),
        ("page_overview", "GET /economy/ (whole page, test client)", page("/economy/")),
        (
            "page_compare_itl3",
            "GET /economy/compare/ GVA per head, ITL3 (whole page, test client)",
            page(f"/economy/compare/?measure={s.GVA}&per=head&level=itl3"),
        ),
        ("page_funding", "GET /funding/ (whole page, test client)", page("/funding/")),
    ]


def count_queries(connection, call) -> int:
    """How many SQL statements one call makes (counted as the database runs them)."""
    statements: list[str] = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        call()
    return len(statements)


def child_queries(repeat: int) -> dict:
    _django()
    from django.db import connection
    from django.test.utils import override_settings

    out: dict = {"analysed": False, "cases": {}}
    if connection.vendor == "postgresql":
        # What autovacuum does within a minute of a bulk load; without it the first plans are
        # made on the statistics of near-empty tables.
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        out["analysed"] = True
        out["analyze_s"] = round(time.perf_counter() - t, 2)
    # The deploy settings' manifest storage needs collectstatic; the pages are timed with the
    # plain static storage instead (the same URLs, without hashes in the file names).
    with override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ):
        for name, label, call in _analysis_cases():
            for _ in range(WARMUP_CALLS):
                call()
            queries = count_queries(connection, call)
            times = []
            started = time.perf_counter()
            for _ in range(repeat):
                t = time.perf_counter()
                call()
                times.append((time.perf_counter() - t) * 1000)
                if time.perf_counter() - started > QUERY_MAX_SECONDS:
                    break
            out["cases"][name] = {
                "label": label,
                "sql_queries": queries,
                **summarise(times),
            }
    out["load_average"] = os.getloadavg()
    return out


# --------------------------------------------------------------------------------------------
# The parent: fresh databases, measured child processes, tables.
# --------------------------------------------------------------------------------------------


def summarise(times_ms: list[float]) -> dict:
    return {
        "calls": len(times_ms),
        "p50_ms": round(percentile(times_ms, 50), 2),
        "p95_ms": round(percentile(times_ms, 95), 2),
        "max_ms": round(max(times_ms), 2) if times_ms else None,
        "samples_ms": [round(t, 2) for t in times_ms],
    }


def bench_env(database: str, bytecode_cache: bool = True) -> dict[str, str]:
    env = _common.deploy_env(
        database, SQLITE_FILE, PG_DATABASE, DJANGO_ALLOWED_HOSTS="127.0.0.1", COLUMNS="120"
    )
    if bytecode_cache:
        # As an installed deployment runs: with compiled bytecode. The shared venv has none and
        # this environment forbids writing it (PYTHONDONTWRITEBYTECODE), so every process would
        # compile Django, Polars… from source (about 0.7 s a start); the children keep theirs
        # under var/bench/pycache instead, leaving the venv untouched.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE_DIR)
    return env


def fresh_database(database: str) -> None:
    _common.fresh_database(database, SQLITE_FILE, PG_DATABASE)


def measured(cmd: list[str], env: dict[str, str], timeout: float = CHILD_TIMEOUT_S) -> dict:
    """Run a command to its end; its wall time, its own peak RSS (os.wait4) and its output."""
    return _common.measured(cmd, env, timeout)


def child(mode: str, *args: str, env: dict[str, str], timeout: float = CHILD_TIMEOUT_S) -> dict:
    run = measured([PYTHON, __file__, "--child", mode, *args], env, timeout)
    facts = json.loads(run["stdout"].strip().splitlines()[-1])
    facts["process"] = {k: run[k] for k in ("wall_s", "peak_rss_mib", "user_s", "system_s")}
    return facts


def median_run(runs: list[dict], key: str = "wall_s") -> dict:
    """The run with the median wall time (of an odd number of runs)."""
    return sorted(runs, key=lambda r: r[key])[len(runs) // 2]


def run_database(database: str, args) -> dict:
    env = bench_env(database, not args.no_bytecode_cache)
    print(f"\n== {database}: fresh database", flush=True)
    fresh_database(database)
    setup = child("setup", env=env)
    warm = child("warm", env=env)
    measured([NORTHSTAR, "import", "--list"], env)
    print(
        f"   migrate {setup['migrate_s']} s, load_default_data {setup['load_default_data_s']} s",
        flush=True,
    )
    plan = child("plan", env=env)

    startups = [measured([NORTHSTAR, "import", "--list"], env) for _ in range(STARTUP_RUNS)]
    startup = median_run(startups)
    check = measured([NORTHSTAR, "check"], env)
    print(
        f"   Django start-up (northstar import --list, median of {STARTUP_RUNS}): "
        f"{startup['wall_s']} s, {startup['peak_rss_mib']} MiB",
        flush=True,
    )

    prerequisites: list[dict] = []
    files: list[dict] = []
    pending: list[list[str]] = []

    def flush_prerequisites():
        if not pending:
            return
        facts = child("prerequisites", json.dumps(pending), env=env)
        prerequisites.append(facts)
        names = ", ".join(f"{i['dataset']} {i['file']}" for i in facts["imports"])
        print(f"   prerequisites ({facts['process']['wall_s']} s): {names}", flush=True)
        pending.clear()

    for step in plan["steps"]:
        if step["relative"] not in TIMED_FILES:
            pending.append([step["dataset"], step["path"]])
            continue
        flush_prerequisites()
        why, kind = TIMED_FILES[step["relative"]]
        run = measured([NORTHSTAR, "import", step["dataset"], step["path"], "--force"], env)
        match = LOADED.search(run["stdout"])
        floors = [child("floor", kind, step["path"], env=env) for _ in range(FLOOR_RUNS)]
        floor = sorted(floors, key=lambda f: f["process"]["wall_s"])[FLOOR_RUNS // 2]
        python_read = child("python-read", kind, step["path"], env=env) if kind != "xlsx" else {}
        phases = child("phases", step["dataset"], step["path"], env=env)
        entry = {
            "file": step["relative"],
            "dataset": step["dataset"],
            "why": why,
            "bytes": step["bytes"],
            "rows_loaded": int(match[1]) if match else None,
            "rows_read": int(match[2]) if match else None,
            "import": {k: run[k] for k in ("wall_s", "peak_rss_mib", "user_s", "system_s")},
            "import_output": run["stdout"].strip(),
            "floor": floor,
            "floor_runs_wall_s": [f["process"]["wall_s"] for f in floors],
            "python_read": python_read,
            "reimport_phases": phases,
            "load_average": os.getloadavg(),
        }
        entry["ratio"] = round(run["wall_s"] / floor["process"]["wall_s"], 1)
        work = run["wall_s"] - startup["wall_s"]
        entry["ratio_without_startup"] = round(work / max(floor["read_s"], 1e-4), 1)
        entry["meets_ratio"] = entry["ratio"] <= TARGET_FLOOR_RATIO
        entry["meets_rss"] = run["peak_rss_mib"] <= TARGET_RSS_MIB
        files.append(entry)
        print(
            f"   {step['relative']}: import {run['wall_s']} s / {run['peak_rss_mib']} MiB, "
            f"floor {floor['process']['wall_s']} s (read {floor['read_s']} s), "
            f"ratio {entry['ratio']}× ({entry['ratio_without_startup']}× without start-up); "
            f"re-import: read+validate {phases.get('read_validate_s')} s, "
            f"write {phases.get('write_s')} s",
            flush=True,
        )
    flush_prerequisites()

    queries = child("queries", str(args.repeat), env=env, timeout=600)
    for name, case in queries["cases"].items():
        case["meets_target"] = case["p95_ms"] <= TARGET_P95_MS
        print(
            f"   {name}: p50 {case['p50_ms']} ms, p95 {case['p95_ms']} ms "
            f"({case['sql_queries']} SQL)",
            flush=True,
        )
    return {
        "setup": setup,
        "warm_up_s": warm["process"]["wall_s"],
        "bytecode_cache": env.get("PYTHONPYCACHEPREFIX", ""),
        "plan": plan,
        "django_startup": {
            "command": "northstar import --list",
            "runs_wall_s": [r["wall_s"] for r in startups],
            "wall_s": startup["wall_s"],
            "peak_rss_mib": startup["peak_rss_mib"],
            "northstar_check_wall_s": check["wall_s"],
        },
        "prerequisites": prerequisites,
        "files": files,
        "queries": queries,
    }


def machine_info() -> dict:
    return {
        **_common.machine_info("duckdb", "openpyxl"),
        "load_average_at_start": os.getloadavg(),
    }


DB_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def _mib(value: float) -> str:
    return f"{value:,.0f}"


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.2f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def markdown(results: dict) -> str:
    lines = [
        "| Database | File (dataset) | Size | Rows stored | Import s | Peak RSS MiB | Floor s "
        "| Floor RSS MiB | Import ÷ floor | Less start-up ÷ floor's read | Result (≤ 3×, ≤ 1.5 GB) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for database, res in results["databases"].items():
        label = f"{DB_NAMES[database]} {res['setup']['db_version']}"
        for f in res["files"]:
            verdict = ", ".join(
                [
                    "ratio pass" if f["meets_ratio"] else "ratio MISS",
                    "RSS pass" if f["meets_rss"] else "RSS MISS",
                ]
            )
            floor_name = "openpyxl" if f["file"].endswith(".xlsx") else "DuckDB"
            lines.append(
                f"| {label} | `{Path(f['file']).name}` ({f['dataset']}) | {_size(f['bytes'])} | "
                f"{f['rows_loaded']:,} | {f['import']['wall_s']:.2f} | "
                f"{_mib(f['import']['peak_rss_mib'])} | {f['floor']['process']['wall_s']:.2f} "
                f"({floor_name}) | {_mib(f['floor']['process']['peak_rss_mib'])} | "
                f"{f['ratio']:.1f}× | {f['ratio_without_startup']:.0f}× | {verdict} |"
            )
    lines += [
        "",
        "| Database | File | Django start-up s | Floor's read s (in process) | Python stdlib read s "
        "| Re-import: read + validate s | write s | rest s | RSS after read MiB | Peak MiB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for database, res in results["databases"].items():
        for f in res["files"]:
            p = f["reimport_phases"]
            python_read = f["python_read"].get("read_s")
            lines.append(
                f"| {DB_NAMES[database]} | `{Path(f['file']).name}` | "
                f"{res['django_startup']['wall_s']:.2f} | {f['floor']['read_s']:.3f} | "
                f"{'' if python_read is None else f'{python_read:.3f}'} | "
                f"{p['read_validate_s']:.2f} | {p['write_s']:.2f} | {p['rest_s']:.2f} | "
                f"{_mib(p['rss_mib']['after_read_validate'])} | {_mib(p['rss_mib']['peak'])} |"
            )
    lines += [
        "",
        "| Database | Analysis | SQL queries | Calls | p50 ms | p95 ms | max ms | Result (p95 ≤ 100 ms) |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for database, res in results["databases"].items():
        for case in res["queries"]["cases"].values():
            lines.append(
                f"| {DB_NAMES[database]} | {case['label']} | {case['sql_queries']} | "
                f"{case['calls']} | {case['p50_ms']:.1f} | {case['p95_ms']:.1f} | "
                f"{case['max_ms']:.1f} | {'pass' if case['meets_target'] else 'MISS'} |"
            )
    lines.append("")
    for database, res in results["databases"].items():
        during = [f["load_average"][0] for f in res["files"]]
        lines.append(
            f"{DB_NAMES[database]}: 1-minute load average "
            f"{min(during, default=0):.1f}–{max(during, default=0):.1f} during the imports, "
            f"{res['queries']['load_average'][0]:.1f} after the analysis (2 cores)."
        )
    return "\n".join(lines)


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--repeat", type=int, default=50, help="timed calls of each analysis (default 50)"
    )
    parser.add_argument(
        "--output", type=Path, help="results JSON (default bench/results/<date>-ingest.json)"
    )
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="run the children as the environment is (no var/bench/pycache; slower start-up)",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:  # a child process: one JSON line on stdout
        mode, *rest = args.child
        handlers = {
            "setup": child_setup,
            "warm": child_warm,
            "plan": child_plan,
            "prerequisites": child_prerequisites,
            "floor": child_floor,
            "python-read": child_python_read,
            "phases": child_phases,
            "queries": lambda repeat: child_queries(int(repeat)),
        }
        print(json.dumps(handlers[mode](*rest), default=str))
        return 0

    args.repeat = max(5, min(args.repeat, 1000))
    signal.signal(signal.SIGTERM, _interrupted)
    started = dt.datetime.now().astimezone()
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results = {
        "benchmark": "ingest",
        "started_at": started.isoformat(timespec="seconds"),
        "parameters": {
            "timed_files": {k: v[0] for k, v in TIMED_FILES.items()},
            "settings": "northstar.settings.deploy (DEBUG off), NORTHSTAR_HTTPS=0",
            "import_command": "northstar import DATASET FILE --force, one process per file",
            "floor": "DuckDB count(*) over read_csv_auto / read_json_auto; openpyxl read-only "
            "full pass for the xlsx; one process per read, median of "
            f"{FLOOR_RUNS}",
            "django_startup": f"northstar import --list, median of {STARTUP_RUNS}",
            "analysis_repeat": args.repeat,
            "analysis_warmup": WARMUP_CALLS,
        },
        "targets": {
            "import_floor_ratio": TARGET_FLOOR_RATIO,
            "peak_rss_mib": TARGET_RSS_MIB,
            "analysis_p95_ms": TARGET_P95_MS,
        },
        "machine": machine_info(),
        "databases": {},
    }
    t = time.perf_counter()
    for database in databases:
        results["databases"][database] = run_database(database, args)
    results["duration_s"] = round(time.perf_counter() - t, 1)
    results["load_average_at_end"] = os.getloadavg()

    output = args.output or RESULTS_DIR / f"{started.date().isoformat()}-ingest.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print()
    print(markdown(results))
    shown = output.relative_to(REPO_DIR) if output.is_relative_to(REPO_DIR) else output
    print(f"\nResults: {shown}")
    print(f"Total time: {results['duration_s']} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted")
